/**
 * The CIFAR-10 ResNets of He et al. (section 4.2) against the PyTorch definition in
 * test/fixtures/gen_cifar.py: parameter counts of resnet20 … resnet110 (the paper's 0.27M … 1.7M),
 * and for resnet20 with option A (zero-pad) and option B (projection) shortcuts and its plain twin,
 * with rule weights on a fixed batch: eval-mode logits on every backend's kernels and every plan
 * executor, one training step's loss and every parameter gradient, and three SGD steps' losses.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { listBackends, planExecutor, withBackend } from '../src/backends/registry.js';
import { lowerResNet } from '../src/model/plan.js';
import { resnet, type ArchName, type ResNet } from '../src/model/resnet.js';
import { summarize } from '../src/model/summary.js';
import * as ops from '../src/ops/index.js';
import {
  modelCardMetadata,
  parseRecordedCard,
  shortcutOptions,
  type BlockShortcut,
  type RecordedCard,
} from '../src/tasks/model_card.js';
import { guessArch, modelForWeights } from '../src/tasks/weights_model.js';
import { PRESETS } from '../src/data/transforms.js';
import { SGD } from '../src/train/optim.js';
import { resolveTrainOptions } from '../src/train/options.js';
import { buildSchedule } from '../src/train/optimizer_from_options.js';
import { assertClose, sampleError, type Sample } from './helpers/compare.js';
import { NATIVE_SKIP } from './helpers/native.js';
import { ruleStateDict, ruleTensor } from './helpers/rule_weights.js';

interface NetGolden {
  evalLogits: number[];
  logits: number[];
  loss: number;
  grads: Record<string, Sample>;
  torchFloat32GradError: number;
  sgd: { lr: number; momentum: number; weightDecay: number; losses: number[] };
}

const golden = JSON.parse(
  readFileSync(fileURLToPath(new URL('../../test/fixtures/cifar/goldens.json', import.meta.url)), 'utf8'),
) as {
  arch: ArchName;
  inputShape: number[];
  labels: number[];
  params: Record<string, number>;
  nets: Record<BlockShortcut, NetGolden>;
};

/** Max relative error per gradient tensor (sampled values and norm), as test/train.test.ts. */
const GRAD_RTOL = 1e-3;
const LOGITS_RTOL = 1e-4;

const x = ruleTensor('input', golden.inputShape);
const labels = Int32Array.from(golden.labels);
const SHORTCUTS = Object.keys(golden.nets) as BlockShortcut[];

function ruleModel(shortcut: BlockShortcut): ResNet {
  const model = resnet(golden.arch, { init: 'none', ...shortcutOptions(shortcut) });
  model.loadStateDict(ruleStateDict(model));
  return model;
}

test('parameter counts are the paper’s (0.27M, 0.46M, 0.66M, 0.85M, 1.7M) and torch’s', () => {
  const paper: [ArchName, number, string][] = [
    ['resnet20', 269_722, '0.27'],
    ['resnet32', 464_154, '0.46'],
    ['resnet44', 658_586, '0.66'],
    ['resnet56', 853_018, '0.85'],
    ['resnet110', 1_727_962, '1.7'],
  ];
  for (const [arch, count, millions] of paper) {
    const model = resnet(arch);
    const s = summarize(model, arch, 32, 32);
    assert.equal(s.totalParams, count, arch);
    assert.equal(s.totalParams, golden.params[arch], `${arch} vs torch`);
    assert.equal((count / 1e6).toFixed(millions.length - 2), millions);
    // 6n + 2 weighted layers: the stem, 2 convs per block, fc.
    assert.equal(s.weightedLayers, Number(arch.slice(6)), `${arch} depth`);
    assert.deepEqual(s.layers.at(-1)?.output, [10]);
    const projection = resnet(arch, { shortcut: 'projection' });
    const projected = projection.namedParameters().reduce((sum, [, t]) => sum + t.size, 0);
    assert.equal(projected, golden.params[`${arch}-projection`], `${arch} option B vs torch`);
  }
  const plain = resnet('resnet20', { residual: false });
  assert.equal(
    plain.namedParameters().reduce((sum, [, t]) => sum + t.size, 0),
    golden.params.plain20,
  );
  // Option A and the plain twin have the same keys: torchvision's names, no layer4 and no downsample.
  const keys = [...resnet('resnet20').stateDict().keys()];
  assert.deepEqual(keys, [...plain.stateDict().keys()]);
  assert.equal(keys.filter((k) => k.startsWith('layer4') || k.includes('downsample')).length, 0);
  assert.deepEqual(keys.slice(0, 2), ['conv1.weight', 'bn1.weight']);
  assert.deepEqual(keys.slice(-2), ['fc.weight', 'fc.bias']);
});

for (const shortcut of SHORTCUTS) {
  const ref = golden.nets[shortcut];
  test(`resnet20 shortcut ${shortcut}: eval logits match torch on the js and native kernels and every plan executor`, async (t) => {
    const model = ruleModel(shortcut);
    for (const backend of listBackends()) {
      if (backend === 'native' && NATIVE_SKIP) continue;
      // The wasm kernels run op by op are checked by the todo test below.
      if (backend !== 'wasm') {
        const logits = withBackend(backend, () => model.call(x));
        const stats = assertClose(logits.data, ref.evalLogits, LOGITS_RTOL, `${backend} kernels`);
        t.diagnostic(
          `${backend} kernels: max|Δ| ${stats.maxAbs.toExponential(2)}, rel ${stats.rel.toExponential(2)}`,
        );
      }
      const compiled = planExecutor(backend).compile(lowerResNet(model));
      const [planned] = await compiled.run(x.data, golden.inputShape as [number, number, number, number]);
      compiled.dispose();
      const p = assertClose(planned.data, ref.evalLogits, LOGITS_RTOL, `${backend} plan executor`);
      t.diagnostic(
        `${backend} plan executor: max|Δ| ${p.maxAbs.toExponential(2)}, rel ${p.rel.toExponential(2)}`,
      );
    }
  });

  for (const backend of ['js', 'native']) {
    test(`resnet20 shortcut ${shortcut}: one training step matches torch on the ${backend} backend`, (t) => {
      if (backend === 'native' && NATIVE_SKIP) return t.skip(NATIVE_SKIP);
      withBackend(backend, () => {
        const model = ruleModel(shortcut).train();
        const logits = model.call(x);
        const l = assertClose(logits.data, ref.logits, LOGITS_RTOL, 'training-mode logits');
        t.diagnostic(`training logits: max|Δ| ${l.maxAbs.toExponential(2)}, rel ${l.rel.toExponential(2)}`);
        const { loss, dlogits } = ops.crossEntropy(logits, labels, 0);
        assert.ok(Math.abs(loss - ref.loss) / ref.loss < 1e-5, `loss ${loss} vs torch ${ref.loss}`);
        model.backward(dlogits);
        const params = model.parameters();
        assert.deepEqual(params.map((p) => p.name).sort(), Object.keys(ref.grads).sort());
        const errors = params
          .map((p): [string, number] => [p.name, sampleError(p.grad.data, ref.grads[p.name])])
          .sort((a, b) => b[1] - a[1]);
        t.diagnostic(
          `${errors.length} gradients, max relative error ${errors[0][1].toExponential(2)} (${errors[0][0]}; ` +
            `torch float32 vs float64: ${ref.torchFloat32GradError.toExponential(2)})`,
        );
        assert.ok(errors[0][1] <= GRAD_RTOL, `${errors[0][0]}: relative error ${errors[0][1]}`);
      });
    });
  }

  test(`resnet20 shortcut ${shortcut}: three SGD steps (the paper's lr 0.1, momentum 0.9, wd 1e-4) give torch's losses`, (t) => {
    const model = ruleModel(shortcut).train();
    const { lr, momentum, weightDecay, losses: expected } = ref.sgd;
    const optimizer = new SGD(model.parameters(), { lr, momentum, weightDecay });
    const losses: number[] = [];
    for (let step = 0; step < expected.length; step++) {
      optimizer.zeroGrad();
      const { loss, dlogits } = ops.crossEntropy(model.call(x), labels, 0);
      model.backward(dlogits);
      optimizer.step();
      losses.push(loss);
    }
    const stats = assertClose(losses, expected, 1e-3, 'SGD step losses');
    t.diagnostic(`losses ${losses.map((v) => v.toFixed(5)).join(' ')}; rel ${stats.rel.toExponential(2)}`);
  });
}

test('wasm kernels, op by op: a convolution of a 16-channel input (every conv of layer1)', () => {
  if (!listBackends().includes('wasm')) return;
  const model = ruleModel('zero-pad');
  const stem = model.forwardFeatures(x).stem;
  const expected = withBackend('js', () => model.layer1.call(stem));
  assertClose(
    withBackend('wasm', () => model.layer1.call(stem)).data,
    expected.data,
    LOGITS_RTOL,
    'wasm layer1',
  );
});

test('the CIFAR stem keeps 32×32, the stages give 32/16/8 maps, layer4 is the last maps', () => {
  const model = ruleModel('zero-pad');
  const f = model.forwardFeatures(x);
  assert.deepEqual(f.stem.shape, [2, 16, 32, 32]);
  assert.deepEqual(f.layer1.shape, [2, 16, 32, 32]);
  assert.deepEqual(f.layer2.shape, [2, 32, 16, 16]);
  assert.deepEqual(f.layer3.shape, [2, 64, 8, 8]);
  assert.equal(f.layer4, f.layer3);
  assert.equal(model.featureSize(32), 8);
  assert.equal(resnet('resnet50').featureSize(224), 7);
});

test('weights load by their card: the plain twin, option A and option B of resnet20', () => {
  const origin = (recorded: RecordedCard) => ({
    name: 'w.safetensors',
    arch: null,
    recorded,
    preprocess: PRESETS['imagenet-v1'],
  });
  const shapesOf = (model: ResNet) => new Map([...model.stateDict()].map(([k, t]) => [k, t.shape]));
  const names = (n: number) => Array.from({ length: n }, (_, i) => `c${i}`);
  const plainKeys = shapesOf(resnet('resnet20', { residual: false }));
  assert.equal(guessArch(plainKeys.keys()), 'resnet20');
  assert.equal(guessArch(shapesOf(resnet('resnet56')).keys()), 'resnet56');
  // The plain twin has option A's keys: only the card tells it apart.
  const plain = modelForWeights(plainKeys, origin({ shortcut: 'none' }), {}, names);
  assert.equal(plain.model.options.residual, false);
  assert.equal(plain.card.shortcut, 'none');
  const optionA = modelForWeights(plainKeys, origin({}), {}, names);
  assert.deepEqual([optionA.model.options.residual, optionA.card.shortcut], [true, 'zero-pad']);
  const optionB = modelForWeights(
    shapesOf(resnet('resnet20', { shortcut: 'projection' })),
    origin({}),
    {},
    names,
  );
  assert.deepEqual([optionB.arch, optionB.card.shortcut], ['resnet20', 'projection']);
  assert.equal(optionB.card.numClasses, 10);
  const metadata = modelCardMetadata(plain.card);
  assert.equal(metadata.shortcut, 'none');
  assert.equal(parseRecordedCard(metadata, 'w.safetensors').shortcut, 'none');
  assert.throws(
    () => parseRecordedCard({ shortcut: 'identity' }, 'w.safetensors'),
    /^FileFormatError: w\.safetensors: metadata 'shortcut' is 'identity', not one of projection, zero-pad, none\.$/,
  );
});

test("the paper's schedule: lr ×0.1 at 50 % and 75 % of the steps (multistep)", () => {
  const o = resolveTrainOptions({ data: 'x', arch: 'resnet20', schedule: 'multistep', epochs: 4, lr: 0.1 });
  assert.equal(o.shortcut, 'zero-pad');
  const schedule = buildSchedule(o, 10);
  const lrs = [0, 19, 20, 29, 30, 39].map((step) => schedule(step, 0.1));
  assert.deepEqual(
    lrs.map((v) => Number(v.toPrecision(6))),
    [0.1, 0.1, 0.01, 0.01, 0.001, 0.001],
  );
  assert.equal(resolveTrainOptions({ data: 'x', arch: 'resnet50' }).shortcut, 'projection');
  assert.throws(
    () => resolveTrainOptions({ data: 'x', shortcut: 'identity' as BlockShortcut }),
    /Invalid shortcut 'identity': expected one of projection, zero-pad, none\./,
  );
});
