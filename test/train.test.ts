/**
 * Training on the reference backend against torch 1.13 (test/fixtures/gen_train.py): ResNet-50 with
 * a 10-class head, rule weights, a fixed batch; logits, loss with label smoothing, every parameter
 * gradient (norm, sum and 16 sampled values per tensor), BN running statistics, 5 SGD-step losses
 * (on the native engine when it loads: the reference kernels' multi-step SGD against torch is
 * test/cifar.test.ts's, and five ResNet-50 steps there take ~15 s).
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { resnet, type ResNet } from '../src/model/resnet.js';
import { withBackend } from '../src/backends/registry.js';
import '../src/backends/register_node.js';
import * as ops from '../src/ops/index.js';
import { SGD } from '../src/train/optim.js';
import { assertClose, sampleError, type Sample } from './helpers/compare.js';
import { NATIVE_SKIP } from './helpers/native.js';
import { ruleStateDict, ruleTensor } from './helpers/rule_weights.js';

const golden = JSON.parse(
  readFileSync(fileURLToPath(new URL('../../test/fixtures/train/goldens.json', import.meta.url)), 'utf8'),
) as {
  inputShape: number[];
  labels: number[];
  labelSmoothing: number;
  logits: number[];
  loss: number;
  grads: Record<string, Sample>;
  buffers: Record<string, Sample>;
  numBatchesTracked: number;
  sgd: { lr: number; momentum: number; weightDecay: number; losses: number[] };
};
/** Target from the issue: max relative error per gradient tensor ≤ 1e-3. */
const GRAD_RTOL = 1e-3;
/** Where the many forward passes of the multi-step and finite-difference tests run. */
const FAST = NATIVE_SKIP ? 'js' : 'native';

/** Rule weights with every block's last BN weight scaled by 1/8, as gen_train.py does (see there why). */
function trainingModel(): ResNet {
  const model = resnet('resnet50', { numClasses: 10, init: 'none' });
  const state = ruleStateDict(model);
  for (const [key, t] of state)
    if (key.endsWith('bn3.weight')) t.data.forEach((v, i) => (t.data[i] = v * 0.125));
  model.loadStateDict(state);
  return model.train();
}

const x = ruleTensor('input', golden.inputShape);
const labels = Int32Array.from(golden.labels);

for (const backend of ['js', 'native']) {
  test(`one training step matches torch on the ${backend} backend: logits, loss, every gradient, BN running stats`, (t) =>
    withBackend(backend, () => {
      const model = trainingModel();
      const logits = model.call(x);
      t.diagnostic(JSON.stringify(assertClose(logits.data, golden.logits, 1e-4, 'training-mode logits')));
      const { loss, dlogits } = ops.crossEntropy(logits, labels, golden.labelSmoothing);
      assert.ok(Math.abs(loss - golden.loss) / golden.loss < 1e-5, `loss ${loss} vs torch ${golden.loss}`);
      model.backward(dlogits);
      const params = model.parameters();
      assert.deepEqual(params.map((p) => p.name).sort(), Object.keys(golden.grads).sort());
      const errors = params.map((p): [string, number] => [
        p.name,
        sampleError(p.grad.data, golden.grads[p.name]),
      ]);
      errors.sort((a, b) => b[1] - a[1]);
      t.diagnostic(
        `worst gradient errors: ${errors
          .slice(0, 5)
          .map(([n, e]) => `${n} ${e.toExponential(2)}`)
          .join(', ')}`,
      );
      t.diagnostic(
        `gradient tensors: ${errors.length}, max relative error ${errors[0][1].toExponential(3)} (target ${GRAD_RTOL})`,
      );
      assert.ok(errors[0][1] <= GRAD_RTOL, `${errors[0][0]}: relative error ${errors[0][1]}`);
      const state = model.stateDict();
      let worstBuffer = 0;
      for (const [name, ref] of Object.entries(golden.buffers))
        worstBuffer = Math.max(worstBuffer, sampleError(state.get(name)!.data, ref));
      t.diagnostic(`BN running statistics: max relative error ${worstBuffer.toExponential(3)}`);
      assert.ok(worstBuffer <= 1e-4);
      assert.equal(state.get('layer2.3.bn2.num_batches_tracked')!.data[0], golden.numBatchesTracked);
    }));
}

test(`five SGD steps give torch losses (${FAST} backend)`, (t) =>
  withBackend(FAST, () => {
    const model = trainingModel();
    const { lr, momentum, weightDecay, losses: expected } = golden.sgd;
    const optimizer = new SGD(model.parameters(), { lr, momentum, weightDecay });
    const losses: number[] = [];
    for (let step = 0; step < expected.length; step++) {
      optimizer.zeroGrad();
      const { loss, dlogits } = ops.crossEntropy(model.call(x), labels, golden.labelSmoothing);
      model.backward(dlogits);
      optimizer.step();
      losses.push(loss);
    }
    t.diagnostic(
      `losses ${losses.map((l) => l.toFixed(6)).join(' ')} vs torch ${expected.map((l) => l.toFixed(6)).join(' ')}`,
    );
    t.diagnostic(JSON.stringify(assertClose(losses, expected, 1e-3, 'SGD step losses')));
  }));

/*
 * The analytic gradients come from the reference kernels; the loss evaluations of the central
 * differences (84 forward passes) run on the native engine when it loads, whose forward is checked
 * against torchvision elsewhere. The stem is left out here: batch norm makes the loss almost
 * invariant to conv1's scale, so its gradients sit at the float32 finite-difference noise floor; the
 * torch golden above covers it.
 */
test('whole-model gradients by finite differences: resnet18 with zero-pad shortcuts, resnet50 v1', (t) => {
  const cases = [
    {
      arch: 'resnet18',
      options: { shortcut: 'zero-pad' },
      keys: ['layer2.0.conv1.weight', 'layer3.1.conv2.weight', 'layer3.1.bn2.weight', 'fc.bias'],
    },
    {
      arch: 'resnet50',
      options: { variant: 'v1' },
      keys: ['layer2.0.conv1.weight', 'layer4.0.downsample.0.weight', 'fc.weight'],
    },
  ] as const;
  for (const c of cases) {
    const model = resnet(c.arch, { ...c.options, numClasses: 3, seed: 7 });
    const state = model.stateDict();
    for (const [key, t] of state)
      if (key.endsWith('bn2.weight') || key.endsWith('bn3.weight'))
        t.data.forEach((v, i) => (t.data[i] = v * 0.125));
    model.train();
    const input = ruleTensor('input', [2, 3, 40, 36]);
    const y = Int32Array.from([0, 2]);
    const params = model.parameters();
    const { dlogits } = ops.crossEntropy(model.call(input), y, 0.1);
    model.backward(dlogits);
    const loss = (): number => withBackend(FAST, () => ops.crossEntropy(model.call(input), y, 0.1).loss);
    for (const key of c.keys) {
      const p = params.find((q) => q.name === key)!;
      const grad = p.grad.clone();
      const scale = grad.data.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
      let worst = 0;
      for (let k = 0; k < 6; k++) {
        const i = Math.floor((k * p.value.size) / 6);
        const v = p.value.data[i];
        const h = 1e-2 * Math.max(1, Math.abs(v));
        p.value.data[i] = v + h;
        const up = loss();
        p.value.data[i] = v - h;
        const down = loss();
        p.value.data[i] = v;
        worst = Math.max(worst, Math.abs((up - down) / (2 * h) - grad.data[i]) / scale);
      }
      t.diagnostic(`${c.arch} ${key}: finite-difference error ${worst.toExponential(2)} of max |grad|`);
      assert.ok(worst < 2e-2, `${c.arch} ${key}: ${worst}`);
    }
  }
});
