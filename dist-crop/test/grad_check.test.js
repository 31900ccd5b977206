/**
 * Finite-difference checks of every backward kernel of the reference backend: for a scalar
 * L = Σ r ⊙ f(inputs) with fixed random r, the analytic gradient must match central differences
 * (float32 kernels, step 1e-2, so the tolerance is 1e-2 of the largest gradient).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import * as ops from '../src/ops/index.js';
import { Tensor } from '../src/tensor/tensor.js';
function rand(shape, seed) {
    const t = Tensor.zeros(shape);
    for (let i = 0; i < t.size; i++)
        t.data[i] = Math.sin(i * 12.9898 + seed * 78.233) * 0.9 + Math.cos(i * 0.71 + seed) * 0.3;
    return t;
}
const dot = (a, b) => a.data.reduce((s, v, i) => s + v * b.data[i], 0);
/** Central differences of loss() with respect to up to 24 entries of t, against the analytic grad. */
function check(name, t, grad, loss) {
    const h = 1e-2;
    const step = Math.max(1, Math.floor(t.size / 24));
    let maxErr = 0;
    const scale = Math.max(grad.data.reduce((m, v) => Math.max(m, Math.abs(v)), 0), 1e-6);
    for (let i = 0; i < t.size; i += step) {
        const v = t.data[i];
        t.data[i] = v + h;
        const up = loss();
        t.data[i] = v - h;
        const down = loss();
        t.data[i] = v;
        maxErr = Math.max(maxErr, Math.abs((up - down) / (2 * h) - grad.data[i]));
    }
    assert.ok(maxErr / scale < 1e-2, `${name}: finite-difference error ${maxErr.toExponential(3)} vs max |grad| ${scale.toExponential(3)}`);
}
test('conv2d: input, weight and bias gradients (stride 2, padding 1)', () => {
    const x = rand([2, 3, 7, 6], 1);
    const w = rand([4, 3, 3, 3], 2);
    const b = rand([4], 3);
    const p = { stride: [2, 2], padding: [1, 1], dilation: [1, 1], groups: 1 };
    const r = rand(ops.conv2d(x, w, b, p).shape, 4);
    const loss = () => dot(ops.conv2d(x, w, b, p), r);
    const g = ops.conv2dBackward(x, w, r, p, true);
    check('conv2d dx', x, g.dx, loss);
    check('conv2d dweight', w, g.dweight, loss);
    check('conv2d dbias', b, g.dbias, loss);
});
test('batch norm (training): input, weight and bias gradients', () => {
    const x = rand([3, 4, 3, 2], 5);
    const w = rand([4], 6);
    const b = rand([4], 7);
    const r = rand([3, 4, 3, 2], 8);
    const loss = () => dot(ops.batchNorm2dTrain(x, w, b, 1e-5).out, r);
    const s = ops.batchNorm2dTrain(x, w, b, 1e-5);
    const g = ops.batchNorm2dBackward(r, x, s.mean, s.invstd, w);
    check('bn dx', x, g.dx, loss);
    check('bn dweight', w, g.dweight, loss);
    check('bn dbias', b, g.dbias, loss);
});
test('fused batch norm + ReLU (training): input, weight and bias gradients', () => {
    const x = rand([3, 4, 3, 2], 15);
    const w = rand([4], 16);
    const b = rand([4], 17);
    const r = rand([3, 4, 3, 2], 18);
    const loss = () => dot(ops.batchNorm2dTrain(x, w, b, 1e-5, true).out, r);
    const s = ops.batchNorm2dTrain(x, w, b, 1e-5, true);
    assert.ok(s.out.data.some((v) => v === 0) && s.out.data.some((v) => v > 0));
    const g = ops.batchNorm2dBackward(r, x, s.mean, s.invstd, w, s.out);
    check('bn+relu dx', x, g.dx, loss);
    check('bn+relu dweight', w, g.dweight, loss);
    check('bn+relu dbias', b, g.dbias, loss);
});
test('relu, max-pool, adaptive avg-pool, zero-pad shortcut', () => {
    const x = rand([2, 3, 5, 7], 9);
    const r1 = rand([2, 3, 5, 7], 10);
    check('relu', x, ops.reluBackward(r1, ops.relu(x)), () => dot(ops.relu(x), r1));
    const mp = { kernelSize: [3, 3], stride: [2, 2], padding: [1, 1] };
    const r2 = rand(ops.maxPool2d(x, mp).shape, 11);
    check('maxPool2d', x, ops.maxPool2dBackward(r2, x, mp), () => dot(ops.maxPool2d(x, mp), r2));
    const r3 = rand([2, 3, 2, 3], 12);
    check('adaptiveAvgPool2d', x, ops.adaptiveAvgPool2dBackward(r3, x.shape), () => dot(ops.adaptiveAvgPool2d(x, 2, 3), r3));
    const r4 = rand([2, 8, 3, 4], 13);
    check('zeroPadShortcut', x, ops.zeroPadShortcutBackward(r4, x.shape, 2), () => dot(ops.zeroPadShortcut(x, 8, 2), r4));
});
test('linear and softmax cross-entropy with label smoothing', () => {
    const x = rand([3, 5], 14);
    const w = rand([4, 5], 15);
    const b = rand([4], 16);
    const r = rand([3, 4], 17);
    const loss = () => dot(ops.linear(x, w, b), r);
    const g = ops.linearBackward(r, x, w);
    check('linear dx', x, g.dx, loss);
    check('linear dweight', w, g.dweight, loss);
    check('linear dbias', b, g.dbias, loss);
    const logits = rand([3, 6], 18);
    const labels = Int32Array.from([2, 0, 5]);
    const ce = ops.crossEntropy(logits, labels, 0.1);
    check('crossEntropy', logits, ce.dlogits, () => ops.crossEntropy(logits, labels, 0.1).loss);
    const plain = ops.crossEntropy(logits, labels, 0);
    assert.ok(Math.abs(plain.loss - ce.loss) > 1e-3, 'label smoothing changes the loss');
});
test('batch norm in eval mode (frozen): the input gradient of the fixed affine map', async () => {
    const { BatchNorm2d } = await import('../src/nn/layers.js');
    const bn = new BatchNorm2d(4);
    bn.weight.data.set([0.5, 1.5, -0.7, 2]);
    bn.running_var.data.set([0.3, 2, 1.1, 0.6]);
    bn.running_mean.data.set([0.1, -0.2, 0.3, 0]);
    const x = rand([2, 4, 3, 3], 19);
    const r = rand([2, 4, 3, 3], 20);
    const dx = bn.backward(r);
    check('frozen bn dx', x, dx, () => dot(bn.call(x), r));
});
//# sourceMappingURL=grad_check.test.js.map