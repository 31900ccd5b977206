/**
 * `resnet50 gradients` end to end on a tiny run (--arch resnet18 at 32×32, batch 2, 2 steps, synthetic
 * data; what is checked does not depend on the depth, and the reference kernels' backward takes
 * twice as long on ResNet-50): the four files, 18 CSV rows per network whose gradient norms and losses equal a
 * recomputation on the reference kernels (fc's also a float64 one from the pooled features),
 * decodable PNGs, the JSON fields; plus the layer list of the study and flag errors.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { readImage } from '../src/io/image.js';
import { resnet } from '../src/model/resnet.js';
import { withBackend } from '../src/backends/registry.js';
import { DataLoader, type Batch } from '../src/data/loader.js';
import * as ops from '../src/ops/index.js';
import { syntheticDataset, weightedLayers } from '../src/train/gradient_study.js';
import { SGD } from '../src/train/optim.js';
import { runCli } from './helpers/cli.js';
import { assertClose } from './helpers/compare.js';

/**
 * What the CLI run below measures, recomputed in this thread: the network with seed 0, SGD (lr 0.01,
 * momentum 0.9) on the first two shuffled batches of 2 synthetic 32×32 images; weight-gradient L2
 * norms (float64 sums) of the 18 layers on the first batch before and after the two steps, the step
 * losses, and fc's initial gradient norm in float64 from the pooled features: dW = (softmax − onehot)ᵀ·f / N.
 */
async function referenceStudy(
  residual: boolean,
): Promise<{ init: number[]; final: number[]; losses: number[]; fcInit: number }> {
  const loader = new DataLoader(syntheticDataset(32), {
    batchSize: 2,
    shuffle: true,
    dropLast: true,
    seed: 0,
    workers: 0,
  });
  const batches: Batch[] = [];
  for await (const b of loader.batches(0)) if (batches.length < 2) batches.push(b);
  await loader.close();
  const model = resnet('resnet18', { numClasses: 4, residual, seed: 0, init: 'random' }).train();
  const sgd = new SGD(model.parameters(), { lr: 0.01, momentum: 0.9 });
  const layers = weightedLayers(model);
  const norms = (): number[] =>
    layers.map(([, m]) => Math.sqrt(m.grads.get('weight')!.data.reduce((s, v) => s + v * v, 0)));
  const pass = (b: Batch): number =>
    withBackend('js', () => {
      sgd.zeroGrad();
      const { loss, dlogits } = ops.crossEntropy(model.call(b.x), b.y);
      model.backward(dlogits);
      return loss;
    });
  const [x0, y0] = [batches[0].x, batches[0].y];
  const pooled = withBackend('js', () => model.forwardFeatures(x0).pool!);
  const fcWeight = model.fc!.weight;
  const fcBias = model.fc!.bias!;
  const [n, features] = pooled.shape;
  const dW = new Float64Array(4 * features);
  for (let i = 0; i < n; i++) {
    const f = pooled.data.subarray(i * features, (i + 1) * features);
    const z = Array.from({ length: 4 }, (_, c) => {
      let v = fcBias.data[c];
      for (let k = 0; k < features; k++) v += fcWeight.data[c * features + k] * f[k];
      return v;
    });
    const max = Math.max(...z);
    const sum = z.reduce((s, v) => s + Math.exp(v - max), 0);
    for (let c = 0; c < 4; c++) {
      const g = (Math.exp(z[c] - max) / sum - (c === y0[i] ? 1 : 0)) / n;
      for (let k = 0; k < features; k++) dW[c * features + k] += g * f[k];
    }
  }
  const fcInit = Math.sqrt(dW.reduce((s, v) => s + v * v, 0));
  const losses: number[] = [];
  let init: number[] = [];
  for (const [step, b] of batches.entries()) {
    losses.push(pass(b));
    if (step === 0) init = norms();
    sgd.step();
  }
  pass(batches[0]);
  return { init, final: norms(), losses, fcInit };
}

test('both networks have the same 50 weighted layers: conv1, the blocks’ convolutions, fc', () => {
  const residual = weightedLayers(resnet('resnet50', { numClasses: 4, init: 'none' })).map(([n]) => n);
  const plain = weightedLayers(resnet('resnet50', { numClasses: 4, init: 'none', residual: false })).map(
    ([n]) => n,
  );
  assert.equal(residual.length, 50);
  assert.deepEqual(plain, residual);
  assert.deepEqual(residual.slice(0, 4), ['conv1', 'layer1.0.conv1', 'layer1.0.conv2', 'layer1.0.conv3']);
  assert.equal(residual[49], 'fc');
  assert.ok(residual.every((n) => !n.includes('downsample')));
});

test('resnet50 gradients: a tiny synthetic run writes the chart, table, loss chart and summary', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'gradients-'));
  try {
    const out = join(dir, 'out');
    const r = runCli([
      'gradients',
      '--data',
      'synthetic',
      '--steps',
      '2',
      '--batch',
      '2',
      '--input-size',
      '32',
      '--arch',
      'resnet18',
      '--out',
      out,
      '--json',
    ]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /resnet18 step 1\/2: loss/);
    assert.match(r.stderr, /plain18 step 2\/2: loss/);
    assert.deepEqual(readdirSync(out).sort(), [
      'gradient_norms.csv',
      'gradient_norms.png',
      'loss.png',
      'summary.json',
    ]);

    const lines = readFileSync(join(out, 'gradient_norms.csv'), 'utf8').trimEnd().split('\n');
    assert.equal(lines[0], 'network,residual,index,layer,grad_norm_init,grad_norm_final');
    const rows = lines.slice(1).map((l) => l.split(','));
    const summary = JSON.parse(readFileSync(join(out, 'summary.json'), 'utf8')) as Record<string, unknown>;
    for (const [network, residual] of [
      ['resnet18', 'true'],
      ['plain18', 'false'],
    ]) {
      const mine = rows.filter((row) => row[0] === network);
      assert.equal(mine.length, 18, `${network} rows`);
      assert.ok(mine.every((row) => row[1] === residual));
      assert.deepEqual(
        mine.map((row) => Number(row[2])),
        Array.from({ length: 18 }, (_, i) => i + 1),
      );
      assert.equal(mine[0][3], 'conv1');
      assert.equal(mine[17][3], 'fc');
      // The same networks and batches, recomputed here on the reference kernels; the CSV has 7 digits.
      const ref = await referenceStudy(residual === 'true');
      assertClose(
        mine.map((row) => Number(row[4])),
        ref.init,
        1e-6,
        `${network} init norms`,
      );
      assertClose(
        mine.map((row) => Number(row[5])),
        ref.final,
        1e-6,
        `${network} final norms`,
      );
      assertClose([Number(mine[17][4])], [ref.fcInit], 1e-4, `${network} fc init norm vs float64`);
      const net = summary[residual === 'true' ? 'residual' : 'plain'] as { losses: number[] };
      assertClose(net.losses, ref.losses, 1e-12, `${network} losses`);
    }

    const chart = readImage(join(out, 'gradient_norms.png'));
    assert.deepEqual([chart.width, chart.height], [800, 500]);
    const loss = readImage(join(out, 'loss.png'));
    assert.deepEqual([loss.width, loss.height], [800, 500]);

    assert.deepEqual(JSON.parse(r.stdout), summary);
    assert.equal(summary.arch, 'resnet18');
    assert.equal(summary.steps, 2);
    assert.equal(summary.batch, 2);
    assert.equal(summary.inputSize, 32);
    assert.equal(summary.momentum, 0.9);
    assert.equal(summary.weightedLayers, 18);
    for (const key of ['residual', 'plain']) {
      const net = summary[key] as Record<string, unknown>;
      for (const field of [
        'firstToLastInit',
        'firstToLastFinal',
        'initialLoss',
        'lastLoss',
        'finalFirstBatchLoss',
        'seconds',
      ]) {
        assert.equal(typeof net[field], 'number', `${key}.${field}`);
      }
      assert.equal((net.losses as number[]).length, 2);
      assert.equal((net.layers as unknown[]).length, 18);
    }
    assert.equal((summary.residual as { residual: boolean }).residual, true);
    assert.equal((summary.plain as { residual: boolean }).residual, false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('resnet50 gradients: flag mistakes are usage errors', () => {
  const noOut = runCli(['gradients', '--steps', '1']);
  assert.equal(noOut.status, 2);
  assert.match(noOut.stderr, /--out/);
  const badData = runCli(['gradients', '--out', '/tmp/x', '--data', 'mnist']);
  assert.equal(badData.status, 2);
  assert.match(badData.stderr, /idx:DIR or synthetic/);
  const badBatch = runCli(['gradients', '--out', '/tmp/x', '--batch', '1']);
  assert.equal(badBatch.status, 2);
  const badLr = runCli(['gradients', '--out', '/tmp/x', '--lr', 'fast']);
  assert.equal(badLr.status, 2);
  assert.match(badLr.stderr, /--lr/);
  const help = runCli(['gradients', '--help']);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /gradient_norms\.csv/);
  const missing = runCli([
    'gradients',
    '--out',
    join(tmpdir(), 'never-written'),
    '--data',
    'idx:/no/such/dir',
  ]);
  assert.equal(missing.status, 1);
  assert.match(missing.stderr, /\/no\/such\/dir/);
});
