/**
 * The ResNet family against torchvision 0.14 goldens (test/fixtures/gen_model.py): structure, parameter
 * counts, and logits of rule-generated weights (test/helpers/rule_weights.ts) on the reference backend.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { resnet, resnet50, type ArchName, type ResNetOptions } from '../src/model/resnet.js';
import { summarize } from '../src/model/summary.js';
import { Tensor } from '../src/tensor/tensor.js';
import { assertClose } from './helpers/compare.js';
import { ruleStateDict, ruleTensor } from './helpers/rule_weights.js';

interface LogitsGolden {
  inputShape: number[];
  logits: number[];
  keys?: [string, number[]][] | number;
  totalParams?: number;
}

const fixtures = fileURLToPath(new URL('../../test/fixtures/model/', import.meta.url));
const goldens = JSON.parse(readFileSync(`${fixtures}goldens.json`, 'utf8')) as Record<
  string,
  LogitsGolden
> & {
  params: Record<ArchName, number>;
  resnet50_keys: [string, number[]][];
};
/** Target from the issue: max |Δlogit| ≤ 1e-4 · max |logit|. */
const RTOL = 1e-4;

function ruleModel(arch: ArchName, options: ResNetOptions = {}) {
  const model = resnet(arch, { init: 'none', ...options });
  model.loadStateDict(ruleStateDict(model));
  return model;
}

/** Keys and shapes (and below, parameter counts) do not depend on the values: no random init. */
function keysOf(arch: ArchName, options: ResNetOptions = {}): [string, number[]][] {
  return [...resnet(arch, { init: 'none', ...options }).stateDict()].map(([k, t]) => [k, [...t.shape]]);
}

test('state-dict keys and shapes equal torchvision (resnet18, resnet50, resnet101)', () => {
  assert.deepEqual(keysOf('resnet50'), goldens.resnet50_keys);
  assert.deepEqual(keysOf('resnet18'), goldens.resnet18.keys);
  assert.deepEqual(keysOf('resnet101'), goldens.resnet101.keys);
});

test('parameter counts equal torchvision for the whole family', () => {
  for (const [arch, count] of Object.entries(goldens.params)) {
    const model = resnet(arch as ArchName, { init: 'none' });
    assert.equal(summarize(model, arch, 224, 224).totalParams, count, arch);
  }
});

test('resnet50 logits at 224×224 on a real photo (chelsea.png, torchvision preprocessing)', async (t) => {
  const { preprocess } = await import('../src/data/transforms.js');
  const { readImage } = await import('../src/io/image.js');
  const x = preprocess(
    readImage(fileURLToPath(new URL('../../examples/images/chelsea.png', import.meta.url))),
    'imagenet-v1',
  );
  const model = ruleModel('resnet50');
  const features = model.forwardFeatures(x);
  const golden = goldens.resnet50_224 as LogitsGolden & { pool: number[] };
  t.diagnostic(
    JSON.stringify(assertClose(features.pool!.data, golden.pool, RTOL, 'pooled 2048-d embedding')),
  );
  t.diagnostic(JSON.stringify(assertClose(model.call(x).data, golden.logits, RTOL, 'resnet50 logits 224')));
});

const cases: [string, ArchName, ResNetOptions][] = [
  ['resnet50_nonsquare', 'resnet50', {}],
  ['resnet50_v1', 'resnet50', { variant: 'v1' }],
  ['resnet50_zero_pad', 'resnet50', { shortcut: 'zero-pad' }],
  ['resnet18', 'resnet18', {}],
  ['resnet101', 'resnet101', {}],
  ['resnet50_10', 'resnet50', { numClasses: 10 }],
];

for (const [name, arch, options] of cases) {
  test(`${name} logits match torchvision`, (t) => {
    const golden = goldens[name];
    const model = ruleModel(arch, options);
    if (typeof golden.keys === 'number') assert.equal(model.stateDict().size, golden.keys);
    const y = model.call(ruleTensor('input', golden.inputShape));
    assert.deepEqual(y.shape, [golden.inputShape[0], golden.logits.length / golden.inputShape[0]]);
    t.diagnostic(JSON.stringify(assertClose(y.data, golden.logits, RTOL, `${name} logits`)));
  });
}

test('summary: resnet50 at 224 has 25,557,032 params, ≈4.09 GMACs, 50 weighted layers', () => {
  const s = summarize(resnet50({ init: 'none' }), 'resnet50', 224, 224);
  assert.equal(s.totalParams, 25_557_032);
  assert.ok(Math.abs(s.totalMacs / 1e9 - 4.09) < 0.005, `${s.totalMacs}`);
  assert.equal(s.weightedLayers, 50);
  const s300 = summarize(resnet50({ init: 'none' }), 'resnet50', 300, 300);
  assert.deepEqual(s300.layers.find((l) => l.name === 'conv1')?.output, [64, 150, 150]);
  assert.deepEqual(s300.layers.find((l) => l.name === 'maxpool')?.output, [64, 75, 75]);
});

test('features API returns every stage with the expected shapes', () => {
  const model = resnet50({ numClasses: 10, init: 'none' });
  const f = model.forwardFeatures(Tensor.zeros([1, 3, 64, 96]));
  assert.deepEqual(f.stem.shape, [1, 64, 16, 24]);
  assert.deepEqual(f.layer1.shape, [1, 256, 16, 24]);
  assert.deepEqual(f.layer2.shape, [1, 512, 8, 12]);
  assert.deepEqual(f.layer3.shape, [1, 1024, 4, 6]);
  assert.deepEqual(f.layer4.shape, [1, 2048, 2, 3]);
  assert.deepEqual(f.pool?.shape, [1, 2048]);
});

test('head options: includeTop false, max pooling, no pooling', () => {
  const x = Tensor.zeros([1, 3, 32, 32]);
  assert.deepEqual(resnet('resnet18', { includeTop: false }).call(x).shape, [1, 512]);
  assert.deepEqual(resnet('resnet18', { includeTop: false, pooling: 'max' }).call(x).shape, [1, 512]);
  assert.deepEqual(resnet('resnet18', { includeTop: false, pooling: 'none' }).call(x).shape, [1, 512, 1, 1]);
  assert.equal(resnet('resnet18', { includeTop: false }).stateDict().has('fc.weight'), false);
  assert.throws(() => resnet('resnet18', { pooling: 'none' }), /includeTop/);
});

test('zeroInitResidual zeroes the last BN weight of every block', () => {
  const model = resnet50({ zeroInitResidual: true });
  const sd = model.stateDict();
  assert.ok(sd.get('layer3.5.bn3.weight')!.data.every((v) => v === 0));
  assert.ok(sd.get('layer3.5.bn2.weight')!.data.every((v) => v === 1));
  const basic = resnet('resnet18', { zeroInitResidual: true }).stateDict();
  assert.ok(basic.get('layer1.0.bn2.weight')!.data.every((v) => v === 0));
});

test('inputs below 32 px and wrong channel counts are rejected with one sentence', () => {
  const model = resnet('resnet18');
  assert.throws(() => model.call(Tensor.zeros([1, 3, 31, 64])), /31×64 is smaller than the 32×32 minimum/);
  assert.throws(() => model.call(Tensor.zeros([1, 1, 64, 64])), /\[N, 3, H, W\]/);
});

test('loadStateDict reports missing, unexpected and mismatched keys with full paths and shapes', () => {
  const model = resnet('resnet18');
  const sd = ruleStateDict(model);
  sd.delete('layer1.0.conv1.weight');
  sd.set('layer9.0.conv1.weight', Tensor.zeros([1]));
  sd.set('fc.weight', Tensor.zeros([10, 512]));
  assert.throws(
    () => model.loadStateDict(sd, { source: 'w.safetensors' }),
    (e: Error) =>
      e.name === 'StateDictError' &&
      e.message.includes('w.safetensors does not fit the model') &&
      e.message.includes('fc.weight is [10, 512] in the file but [1000, 512] in the model') &&
      e.message.includes('missing keys: layer1.0.conv1.weight') &&
      e.message.includes('unexpected keys: layer9.0.conv1.weight'),
  );
});

test('the plain twin keeps the 50 weighted layers and drops every skip connection and projection', () => {
  const plain = resnet50({ residual: false, init: 'none' });
  const s = summarize(plain, 'resnet50', 224, 224);
  assert.equal(s.weightedLayers, 50);
  assert.ok(![...plain.stateDict().keys()].some((k) => k.includes('downsample')));
  assert.equal(s.layers.filter((l) => l.type === 'Conv2d').length, 49);
});
