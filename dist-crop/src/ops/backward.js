import { getBackend } from '../backends/registry.js';
import { ShapeError } from '../errors.js';
import { formatShape, sameShape } from '../tensor/tensor.js';
import { expectRank, expectShape } from './validate.js';
function expectSame(op, a, b) {
    if (!sameShape(a.shape, b.shape)) {
        throw new ShapeError(`${op}: gradient ${formatShape(a.shape)} does not match ${formatShape(b.shape)}.`);
    }
}
export function conv2dBackward(x, weight, dout, params, needInputGrad = true) {
    expectRank('conv2dBackward', 'dout', dout, 4);
    if (dout.shape[0] !== x.shape[0] || dout.shape[1] !== weight.shape[0]) {
        throw new ShapeError(`conv2dBackward: dout ${formatShape(dout.shape)} does not fit input ${formatShape(x.shape)}.`);
    }
    return getBackend().conv2dBackward(x, weight, dout, params, needInputGrad);
}
/** Batch norm with batch statistics; with `relu`, relu(batch norm(x)) in the same pass. */
export function batchNorm2dTrain(x, weight, bias, eps, relu = false) {
    expectRank('batchNorm2dTrain', 'input', x, 4);
    const [N, C, H, W] = x.shape;
    expectShape('batchNorm2dTrain', 'weight', weight, [C]);
    expectShape('batchNorm2dTrain', 'bias', bias, [C]);
    if (N * H * W < 2) {
        throw new ShapeError(`batchNorm2dTrain: needs more than one value per channel in training, got ${formatShape(x.shape)}.`);
    }
    return getBackend().batchNorm2dTrain(x, weight, bias, eps, relu);
}
/** Gradient of batchNorm2dTrain; pass the fused output as `reluOut` when it ran with `relu`. */
export function batchNorm2dBackward(dout, x, mean, invstd, weight, reluOut = null) {
    expectSame('batchNorm2dBackward', dout, x);
    if (reluOut !== null)
        expectSame('batchNorm2dBackward', reluOut, x);
    return getBackend().batchNorm2dBackward(dout, x, mean, invstd, weight, reluOut);
}
export function reluBackward(dout, out) {
    expectSame('reluBackward', dout, out);
    return getBackend().reluBackward(dout, out);
}
export function maxPool2dBackward(dout, x, params) {
    expectRank('maxPool2dBackward', 'dout', dout, 4);
    return getBackend().maxPool2dBackward(dout, x, params);
}
export function adaptiveAvgPool2dBackward(dout, inputShape) {
    expectRank('adaptiveAvgPool2dBackward', 'dout', dout, 4);
    return getBackend().adaptiveAvgPool2dBackward(dout, inputShape);
}
export function linearBackward(dout, x, weight) {
    expectShape('linearBackward', 'dout', dout, [x.shape[0], weight.shape[0]]);
    return getBackend().linearBackward(dout, x, weight);
}
export function zeroPadShortcutBackward(dout, inputShape, stride) {
    expectRank('zeroPadShortcutBackward', 'dout', dout, 4);
    return getBackend().zeroPadShortcutBackward(dout, inputShape, stride);
}
/** Mean softmax cross-entropy of (N, K) logits against class indices, with label smoothing ε. */
export function crossEntropy(logits, labels, labelSmoothing = 0) {
    expectRank('crossEntropy', 'logits', logits, 2);
    const [N, K] = logits.shape;
    if (labels.length !== N)
        throw new ShapeError(`crossEntropy: ${labels.length} labels for a batch of ${N}.`);
    for (const y of labels) {
        if (!Number.isInteger(y) || y < 0 || y >= K)
            throw new ShapeError(`crossEntropy: label ${y} is outside 0..${K - 1}.`);
    }
    if (!(labelSmoothing >= 0 && labelSmoothing <= 1)) {
        throw new ShapeError(`crossEntropy: label smoothing must be in [0, 1], got ${labelSmoothing}.`);
    }
    return getBackend().crossEntropy(logits, labels, labelSmoothing);
}
//# sourceMappingURL=backward.js.map