/**
 * int8 quantization, the file side: per-channel symmetric weights, the int8 safetensors layout and
 * its refusals, calibration (minmax / percentile / entropy) of every conv input after a ReLU, and
 * `resnet50 quantize` end to end on the Fashion-MNIST slice: a file a quarter the size of the convs'
 * float32 bytes that classify loads (widened to float32) with logits close to the original's.
 */
import assert from 'node:assert/strict';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { withBackend } from '../src/backends/registry.js';
import { FileFormatError } from '../src/errors.js';
import { readSafetensors, readSafetensorsMetadata, saveWeightsFile } from '../src/io/weights/index.js';
import { dequantizeWeights, quantizePerChannel, quantizedStateDict } from '../src/io/weights/quantized.js';
import { Conv2d, ReLU } from '../src/nn/layers.js';
import { Sequential } from '../src/nn/module.js';
import { resnet } from '../src/model/resnet.js';
import { calibrate, entropyThreshold, percentileThreshold } from '../src/tasks/calibrate.js';
import { modelCardMetadata } from '../src/tasks/model_card.js';
import { resolveData } from '../src/train/data_splits.js';
import { DataLoader } from '../src/data/loader.js';
import { Rng } from '../src/tensor/random.js';
import { Tensor } from '../src/tensor/tensor.js';
import { FASHION_MNIST, IMAGES, runCli } from './helpers/cli.js';
import { tempDirs } from './helpers/tmp.js';

const tmp = tempDirs('resnet50-quantize-');

function randomTensor(shape: number[], seed: number): Tensor {
  const rng = new Rng(seed);
  const t = Tensor.zeros(shape);
  for (let i = 0; i < t.size; i++) t.data[i] = rng.normal() * (1 + (i % 7));
  return t;
}

test('per-channel symmetric int8: |w − q·s| ≤ s/2, each channel reaches ±127, a zero channel gets scale 1', () => {
  const w = randomTensor([6, 4, 3, 3], 1);
  w.data.fill(0, 36, 72); // channel 1 all zero
  const { q, scale } = quantizePerChannel(w);
  assert.equal(q.dtype, 'int8');
  for (let o = 0; o < 6; o++) {
    const s = scale.data[o]!;
    let maxQ = 0;
    for (let i = o * 36; i < (o + 1) * 36; i++) {
      assert.ok(Number.isInteger(q.data[i]!) && Math.abs(q.data[i]!) <= 127);
      maxQ = Math.max(maxQ, Math.abs(q.data[i]!));
      const err = Math.abs(w.data[i]! - q.data[i]! * s);
      assert.ok(
        err <= s / 2 + 1e-7 * Math.abs(w.data[i]!),
        `channel ${o} element ${i}: error ${err} > s/2 = ${s / 2}`,
      );
    }
    assert.equal(maxQ, o === 1 ? 0 : 127, `channel ${o}`);
  }
  assert.equal(scale.data[1], 1);
});

test('the int8 file layout: written, read back widened to float32, scales separated; malformed ones refused', () => {
  const dir = tmp();
  const state = new Map([
    ['layer1.0.conv1.weight', randomTensor([8, 4, 1, 1], 2)],
    ['layer1.0.bn1.weight', randomTensor([8], 3)],
    ['conv1.weight', randomTensor([8, 3, 3, 3], 4)],
  ]);
  const file = join(dir, 'q.safetensors');
  saveWeightsFile(file, quantizedStateDict(state, new Map([['layer1.0.conv1', 0.05]])));
  const raw = readSafetensors(file);
  assert.deepEqual([...raw.keys()].sort(), [
    'conv1.weight',
    'layer1.0.bn1.weight',
    'layer1.0.conv1.input_scale',
    'layer1.0.conv1.weight',
    'layer1.0.conv1.weight_scale',
  ]);
  assert.equal(raw.get('layer1.0.conv1.weight')!.dtype, 'int8');
  const { tensors, inputScales } = dequantizeWeights(raw, file);
  assert.deepEqual([...inputScales], [['layer1.0.conv1', Math.fround(0.05)]]);
  assert.deepEqual(
    tensors.get('conv1.weight')!.data,
    state.get('conv1.weight')!.data,
    'the stem is untouched',
  );
  const { q, scale } = quantizePerChannel(state.get('layer1.0.conv1.weight')!);
  const back = tensors.get('layer1.0.conv1.weight')!;
  assert.equal(back.dtype, 'float32');
  for (let i = 0; i < back.size; i++)
    assert.equal(back.data[i], Math.fround(q.data[i]! * scale.data[Math.floor(i / 4)]!));

  const refuse = (edit: (m: Map<string, Tensor>) => void, message: RegExp) => {
    const m = new Map(raw);
    edit(m);
    assert.throws(
      () => dequantizeWeights(m, 'q.safetensors'),
      (e: unknown) => {
        assert.ok(e instanceof FileFormatError);
        assert.match((e as Error).message, message);
        return true;
      },
    );
  };
  refuse(
    (m) => m.delete('layer1.0.conv1.weight_scale'),
    /'layer1\.0\.conv1\.weight' holds int8 values but the file has no 'layer1\.0\.conv1\.weight_scale'/,
  );
  refuse(
    (m) => m.set('layer1.0.conv1.weight_scale', new Tensor(new Float32Array(3), [3])),
    /one scale per output channel \(8\), got shape \[3\]/,
  );
  refuse(
    (m) => m.set('layer1.0.conv1.weight_scale', new Tensor(new Float32Array(8), [8])),
    /must be a positive finite scale, got 0/,
  );
  refuse(
    (m) => m.set('layer9.conv.input_scale', new Tensor(new Float32Array([1]), [])),
    /'layer9\.conv\.input_scale' has no weight 'layer9\.conv\.weight'/,
  );
  refuse(
    (m) => m.set('layer1.0.conv1.input_scale', new Tensor(new Float32Array([-1]), [])),
    /positive finite scale, got -1/,
  );
  refuse(
    (m) => m.set('layer1.0.conv1.weight', new Tensor(new Float32Array(32).fill(0.5), [8, 4, 1, 1])),
    /has a scale, so it must hold int8 values; element 0 is 0\.5/,
  );
});

test('thresholds: percentile finds the bin edge, entropy clips a long tail', () => {
  const hist = new Float64Array(2048);
  hist.fill(10, 0, 100);
  hist[2047] = 1;
  assert.equal(percentileThreshold(hist, 2048, 100), 2048);
  assert.equal(percentileThreshold(hist, 2048, 49.95), 50);
  assert.equal(percentileThreshold(hist, 2048, 50), 51);
  // |N(0, 1)| sampled over [0, 64) in 2048 bins plus a few outliers near 64: the KL-optimal
  // threshold keeps the bulk (beyond 3σ) and drops the outliers.
  const rng = new Rng(5);
  const g = new Float64Array(2048);
  for (let i = 0; i < 200_000; i++) g[Math.min(2047, Math.floor((Math.abs(rng.normal()) * 2048) / 64))]! += 1;
  g[2040] = 3;
  const t = entropyThreshold(g, 64);
  assert.ok(t > 3 && t < 16, `entropy threshold ${t}`);
});

test('entropy ignores a ReLU’s exact zeros: the threshold keeps the bulk of the positive values', () => {
  // ReLU(N(0, 1)): half exact zeros, half |N(0, 1)| up to ~4. Counted in bin 0, the zeros made
  // the divergence pick T ≈ 1.96 (half the range), clipping 1,668 values (5 % of the positives);
  // every T represents zeros exactly, so they must not weigh on the choice.
  const rng = new Rng(11);
  const x = new Tensor(
    Float32Array.from({ length: 1 << 16 }, () => rng.normal()),
    [1, 1, 256, 256],
  );
  const model = new Sequential(new ReLU(), new Conv2d(1, 1, 1));
  const max = Math.max(...x.data);
  const t = withBackend('js', () => calibrate(model, [x], { method: 'entropy' })).get('1')!;
  let clipped = 0;
  for (const v of x.data) if (v > t) clipped++;
  assert.ok(t > 0.5 * max && clipped < 100, `entropy threshold ${t} of max ${max} clips ${clipped} values`);
});

test('calibrate watches every conv input after a ReLU (not the stem); minmax is the input maximum', async () => {
  const model = resnet('resnet18', { numClasses: 10, seed: 3 });
  const splits = resolveData(`idx:${FASHION_MNIST}`, { inputSize: 32, augment: 'none', trainSamples: 8 });
  const loader = new DataLoader(splits.train, { batchSize: 8, workers: 1 });
  const batches: Tensor[] = [];
  for await (const b of loader.batches(0)) batches.push(b.x);
  await loader.close();
  const convs = [...model.namedModules()].filter(([, m]) => m instanceof Conv2d).map(([n]) => n);
  const minmax = withBackend('js', () => calibrate(model, batches, { method: 'minmax' }));
  assert.deepEqual([...minmax.keys()].sort(), convs.filter((n) => n !== 'conv1').sort());
  // layer1.0.conv1 reads the max-pooled stem: compute that maximum directly.
  let max = 0;
  withBackend('js', () => {
    for (const x of batches) {
      const y = model.maxpool!.call(model.relu.call(model.bn1.call(model.conv1.call(x))));
      for (const v of y.data) max = Math.max(max, v);
    }
  });
  assert.equal(minmax.get('layer1.0.conv1'), max);
  const pct = withBackend('js', () => calibrate(model, batches, { method: 'percentile', percentile: 99 }));
  const ent = withBackend('js', () => calibrate(model, batches, { method: 'entropy' }));
  for (const [name, t] of minmax) {
    assert.ok(
      pct.get(name)! <= t * (1 + 1 / 2048) && pct.get(name)! > 0,
      `${name}: percentile ${pct.get(name)} vs max ${t}`,
    );
    assert.ok(
      ent.get(name)! <= t * (1 + 1 / 2048) && ent.get(name)! > 0,
      `${name}: entropy ${ent.get(name)} vs max ${t}`,
    );
  }
  assert.ok(
    [...minmax].some(([n, t]) => pct.get(n)! < t * 0.9),
    'the 99th percentile clips some input',
  );
});

test('resnet50 quantize: a quarter of the conv bytes, the card kept, classify loads it with close logits', () => {
  const dir = tmp();
  const model = resnet('resnet18', { numClasses: 10, seed: 7 });
  const splits = resolveData(`idx:${FASHION_MNIST}`, { inputSize: 32, augment: 'none' });
  const card = {
    arch: 'resnet18' as const,
    shortcut: 'projection' as const,
    numClasses: 10,
    classNames: splits.classes,
    preprocess: splits.preprocess,
  };
  const fp32 = join(dir, 'fm.safetensors');
  saveWeightsFile(fp32, model.stateDict(), modelCardMetadata(card));
  const int8 = join(dir, 'fm.int8.safetensors');
  const r = runCli([
    'quantize',
    '--weights',
    fp32,
    '--calib',
    `idx:${FASHION_MNIST}`,
    '--samples',
    '16',
    '--out',
    int8,
  ]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /19 convolutions in int8, calibrated \(minmax\) on 16 images/);
  const ratio = statSync(int8).size / statSync(fp32).size;
  assert.ok(ratio > 0.25 && ratio < 0.3, `int8 file is ${ratio.toFixed(3)} of float32`);
  const meta = readSafetensorsMetadata(int8);
  assert.equal(meta['arch'], 'resnet18');
  assert.equal(JSON.parse(meta['quantization']!).method, 'minmax');

  const image = join(IMAGES, 'chelsea.png');
  const logits = (w: string) => {
    const c = runCli(['classify', image, '--weights', w, '--json', '--logits']);
    assert.equal(c.status, 0, c.stderr);
    return (JSON.parse(c.stdout) as { logits: number[] }[])[0]!.logits;
  };
  const a = logits(fp32);
  const b = logits(int8);
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! ** 2;
    nb += b[i]! ** 2;
  }
  const cosine = dot / Math.sqrt(na * nb);
  assert.ok(cosine > 0.999, `cosine of float32 and int8-weight logits ${cosine}`);

  const bad = runCli([
    'quantize',
    '--weights',
    fp32,
    '--calib',
    `idx:${FASHION_MNIST}`,
    '--out',
    join(dir, 'x.pth'),
  ]);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--out must name a \.safetensors file/);
  const pct = runCli([
    'quantize',
    '--weights',
    fp32,
    '--calib',
    'idx:x',
    '--out',
    int8,
    '--percentile',
    '99',
  ]);
  assert.equal(pct.status, 2);
  assert.match(pct.stderr, /--percentile goes with --method percentile/);
});
