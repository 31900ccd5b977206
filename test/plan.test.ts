/**
 * The inference plan: every plan the package can produce (resnet18 … resnet152, the CIFAR family
 * resnet20 … resnet110, v1 and v1.5, projection and zero-pad shortcuts, the plain twin, with or without the head, avg/max/no pooling,
 * stage outputs, the detector's body) runs on the reference executor bit-identically to the module
 * tree, and on every other registered executor within 1e-4 of the reference executor.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { listBackends, planExecutor } from '../src/backends/registry.js';
import { kernelExecutor } from '../src/backends/kernel_executor.js';
import { createJsBackend } from '../src/backends/js/index.js';
import { lowerResNet, type ResNetOutput } from '../src/model/plan.js';
import { resnet, type ArchName, type ResNet, type ResNetOptions } from '../src/model/resnet.js';
import { fasterrcnnResnet50Fpn } from '../src/model/detection/index.js';
import type { Plan } from '../src/plan/plan.js';
import { Tensor } from '../src/tensor/tensor.js';
import { assertClose } from './helpers/compare.js';
import { ruleStateDict, ruleTensor } from './helpers/rule_weights.js';
import { NATIVE_SKIP } from './helpers/native.js';

const RTOL = 1e-4;
const reference = kernelExecutor(createJsBackend());

function ruleModel(arch: ArchName, options: ResNetOptions = {}): ResNet {
  const model = resnet(arch, { ...options, init: 'none' });
  model.loadStateDict(ruleStateDict(model));
  return model;
}

interface PlanCase {
  name: string;
  model: () => ResNet;
  outputs: ResNetOutput[];
  /** The module tree's results for the same outputs. */
  expected: (model: ResNet, x: Tensor) => Tensor[];
}

const stages = (model: ResNet, x: Tensor, names: readonly ResNetOutput[]): Tensor[] => {
  const f = model.forwardFeatures(x);
  return names.map((name) => (name === 'output' ? model.call(x) : f[name as keyof typeof f]!));
};
const classifier = (name: string, arch: ArchName, options: ResNetOptions = {}): PlanCase => ({
  name,
  model: () => ruleModel(arch, options),
  outputs: ['output'],
  expected: (model, x) => [model.call(x)],
});
const detectorBody = (): ResNet => {
  const detector = fasterrcnnResnet50Fpn();
  const body = detector.backbone.body;
  body.loadStateDict(ruleStateDict(body));
  return body;
};
const PYRAMID: ResNetOutput[] = ['layer1', 'layer2', 'layer3', 'layer4'];

const CASES: PlanCase[] = [
  classifier('resnet18', 'resnet18'),
  classifier('resnet34', 'resnet34'),
  classifier('resnet50', 'resnet50'),
  classifier('resnet101', 'resnet101'),
  classifier('resnet152', 'resnet152'),
  classifier('resnet50 v1 (stride on the first 1×1)', 'resnet50', { variant: 'v1' }),
  classifier('resnet50 zero-pad shortcuts', 'resnet50', { shortcut: 'zero-pad' }),
  classifier('resnet18 zero-pad shortcuts', 'resnet18', { shortcut: 'zero-pad' }),
  classifier('resnet50 plain twin', 'resnet50', { residual: false }),
  classifier('resnet18 plain twin', 'resnet18', { residual: false }),
  classifier('resnet50 without the head (pooled features)', 'resnet50', { includeTop: false }),
  classifier('resnet50 without the head, max pooling', 'resnet50', { includeTop: false, pooling: 'max' }),
  classifier('resnet50 without the head or pooling (layer4 maps)', 'resnet50', {
    includeTop: false,
    pooling: 'none',
  }),
  classifier('resnet18 with 10 classes', 'resnet18', { numClasses: 10 }),
  classifier('resnet20 (CIFAR stem, zero-pad shortcuts)', 'resnet20'),
  classifier('resnet56', 'resnet56'),
  classifier('resnet110', 'resnet110'),
  classifier('resnet20 projection shortcuts', 'resnet20', { shortcut: 'projection' }),
  classifier('resnet20 plain twin', 'resnet20', { residual: false }),
  ...(['stem', 'layer3', 'layer4'] as const).map((name) => ({
    name: `resnet20 output '${name}'`,
    model: () => ruleModel('resnet20'),
    outputs: [name],
    expected: (model: ResNet, x: Tensor) => stages(model, x, [name]),
  })),
  ...(['stem', 'layer1', 'layer2', 'layer3', 'layer4', 'pool'] as const).map((name) => ({
    name: `resnet50 output '${name}'`,
    model: () => ruleModel('resnet50'),
    outputs: [name],
    expected: (model: ResNet, x: Tensor) => stages(model, x, [name]),
  })),
  {
    name: 'Faster R-CNN body (frozen batch norm, C2..C5 in one pass)',
    model: detectorBody,
    outputs: PYRAMID,
    expected: (model, x) => stages(model, x, PYRAMID),
  },
];

const SHAPE = [2, 3, 32, 48] as const;
const input = ruleTensor('input', SHAPE);
const others = listBackends().filter((name) => name !== 'js');

for (const c of CASES) {
  test(`plan: ${c.name}`, async (t) => {
    const model = c.model();
    const plan: Plan = lowerResNet(model, c.outputs);
    assert.deepEqual(
      plan.outputs.map((o) => o.name),
      c.outputs,
    );
    const expected = c.expected(model, input);
    const ref = await reference.compile(plan).run(input.data, SHAPE);
    assert.equal(ref.length, expected.length);
    ref.forEach((r, i) => {
      assert.deepEqual(r.shape, expected[i].shape, `${c.outputs[i]} shape`);
      assertClose(r.data, expected[i].data, 0, `reference executor vs module tree, ${c.outputs[i]}`);
    });
    for (const name of others) {
      if (name === 'native' && NATIVE_SKIP) {
        t.diagnostic(`native executor skipped: ${NATIVE_SKIP}`);
        continue;
      }
      const compiled = planExecutor(name).compile(plan);
      const got = await compiled.run(input.data, SHAPE);
      compiled.dispose();
      got.forEach((g, i) => {
        assert.deepEqual(g.shape, ref[i].shape, `${name} ${c.outputs[i]} shape`);
        const stats = assertClose(g.data, ref[i].data, RTOL, `${name} vs reference, ${c.outputs[i]}`);
        t.diagnostic(`${name} ${c.outputs[i]}: relative ${stats.rel.toExponential(2)}`);
      });
    }
  });
}

test('plan ops: one conv per weighted layer, residual epilogues on the last conv of each block', () => {
  const model = ruleModel('resnet50');
  const plan = lowerResNet(model);
  const convs = plan.ops.filter((op) => op.kind === 'conv');
  // 1 stem + 16 blocks × 3 + 4 projections = 53 convolutions; 16 residual adds.
  assert.equal(convs.length, 53);
  assert.equal(convs.filter((op) => op.kind === 'conv' && op.residual !== null).length, 16);
  assert.deepEqual(
    plan.ops.map((op) => op.kind).filter((k) => k !== 'conv'),
    ['maxPool', 'globalPool', 'linear'],
  );
  const plain = lowerResNet(ruleModel('resnet50', { residual: false }));
  assert.equal(plain.ops.filter((op) => op.kind === 'conv' && op.residual !== null).length, 0);
  assert.equal(plain.ops.filter((op) => op.kind === 'conv').length, 49);
});

test('CIFAR plan ops: no max-pool, 19 convs, 9 residual epilogues, 2 zero-pad shortcuts', () => {
  const plan = lowerResNet(ruleModel('resnet20'));
  const convs = plan.ops.filter((op) => op.kind === 'conv');
  assert.equal(convs.length, 19);
  assert.equal(convs.filter((op) => op.kind === 'conv' && op.residual !== null).length, 9);
  assert.deepEqual(
    plan.ops.map((op) => op.kind).filter((k) => k !== 'conv'),
    ['zeroPadShortcut', 'zeroPadShortcut', 'globalPool', 'linear'],
  );
  const plain = lowerResNet(ruleModel('resnet20', { residual: false }));
  assert.equal(plain.ops.filter((op) => op.kind === 'conv' && op.residual !== null).length, 0);
  assert.equal(plain.ops.filter((op) => op.kind !== 'conv').length, 2);
});

test('a plan refuses outputs the model lacks and inputs of the wrong shape, in one sentence', async () => {
  const model = ruleModel('resnet18', { includeTop: false, pooling: 'none' });
  assert.throws(() => lowerResNet(model, ['pool']), /no 'pool' output/);
  const compiled = reference.compile(lowerResNet(model));
  await assert.rejects(compiled.run(new Float32Array(2 * 40 * 40), [1, 2, 40, 40]), /\[N, 3, H, W\]/);
  await assert.rejects(compiled.run(new Float32Array(3 * 31 * 40), [1, 3, 31, 40]), /31×40 is smaller/);
});
