/**
 * The training loop, checkpoints and the train/eval commands on a tiny slice of Fashion-MNIST
 * (resnet18 at 32×32, batches of 4, two steps per epoch): run directory contents, exact resume
 * (CLI at an epoch boundary, API after a crash with a cosine schedule and AdamW), fine-tuning with
 * a replaced head, frozen backbone and frozen BN, evaluation and user errors.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { readSafetensors, saveWeightsFile } from '../src/io/weights/index.js';
import { resnet } from '../src/model/resnet.js';
import { loadModel } from '../src/tasks/pretrained.js';
import { Tensor } from '../src/tensor/tensor.js';
import { UserError } from '../src/errors.js';
import { readCheckpointMeta } from '../src/train/checkpoint.js';
import { withBackend } from '../src/backends/registry.js';
import { DataLoader } from '../src/data/loader.js';
import {
  resolveEvalData,
  train,
  type EpochMetrics,
  type StepRecord,
  type TrainOptions,
  type TrainResult,
} from '../src/train/trainer.js';
import { FASHION_MNIST, runCli, type CliResult } from './helpers/cli.js';

const DATA = `idx:${FASHION_MNIST}`;
const tmp = mkdtempSync(join(tmpdir(), 'resnet50-train-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** CLI flags shared by the runs that are compared with each other. */
const COMMON = [
  '--data',
  DATA,
  '--arch',
  'resnet18',
  '--batch',
  '4',
  '--input-size',
  '32',
  '--steps-per-epoch',
  '2',
  '--train-samples',
  '32',
  '--eval-samples',
  '8',
  '--lr',
  '0.02',
  '--seed',
  '3',
];

const API: TrainOptions = {
  data: DATA,
  arch: 'resnet18',
  batchSize: 4,
  inputSize: 32,
  stepsPerEpoch: 1,
  trainSamples: 16,
  evalSamples: 4,
  workers: 0,
  lr: 1e-3,
};

function jsonLines<T>(path: string): T[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as T);
}

/**
 * Two epochs of COMMON in their own directory: the run the first test checks, and the uninterrupted
 * reference of the resume and eval tests. Made by the first test that asks, so each test can run alone.
 */
let uninterrupted: { dir: string; cli: CliResult } | null = null;
function uninterruptedRun(): { dir: string; cli: CliResult } {
  if (uninterrupted === null) {
    const dir = join(tmp, 'uninterrupted');
    uninterrupted = { dir, cli: runCli(['train', ...COMMON, '--epochs', '2', '--out', dir, '--json']) };
  }
  assert.equal(uninterrupted.cli.status, 0, uninterrupted.cli.stderr);
  return uninterrupted;
}

/** The 10-class logits of `weights` (reference kernels, eval mode) on the first `samples` test images, and their labels. */
async function referenceLogits(
  weights: string,
  samples: number,
): Promise<{ rows: number[][]; labels: number[] }> {
  const { model } = await loadModel({ arch: 'resnet18', weights });
  model.eval();
  const split = resolveEvalData(DATA, { inputSize: 32, samples });
  const loader = new DataLoader(split.spec, { batchSize: samples, workers: 0 });
  const rows: number[][] = [];
  const labels: number[] = [];
  try {
    for await (const batch of loader.batches(0)) {
      const logits = withBackend('js', () => model.call(batch.x));
      const [n, c] = logits.shape;
      for (let i = 0; i < n; i++) rows.push([...logits.data.subarray(i * c, (i + 1) * c)]);
      labels.push(...batch.y);
    }
  } finally {
    await loader.close();
  }
  assert.equal(rows.length, samples);
  return { rows, labels };
}

/** Top-1/top-5 accuracy by sorting each row (stable: equal logits keep the lower class first). */
function topK(rows: number[][], labels: number[]): { top1: number; top5: number } {
  let top1 = 0;
  let top5 = 0;
  rows.forEach((row, i) => {
    const order = row.map((_, c) => c).sort((a, b) => row[b] - row[a] || a - b);
    if (order[0] === labels[i]) top1++;
    if (order.slice(0, 5).includes(labels[i])) top5++;
  });
  return { top1: top1 / rows.length, top5: top5 / rows.length };
}

test('train --json: metrics, steps, checkpoints, curves and final weights in RUNDIR', async () => {
  const { dir: runA, cli: r } = uninterruptedRun();
  assert.ok(r.stdout.trim().startsWith('{'), `no JSON on stdout; stderr:\n${r.stderr}`);
  const result = JSON.parse(r.stdout) as TrainResult;
  assert.equal(result.epochs, 2);
  assert.equal(result.globalStep, 4);
  assert.match(r.stderr, /epoch 2\/2 step 2\/2 loss [\d.]+ acc [\d.]+% [\d.]+ img\/s ETA/);
  const metrics = jsonLines<EpochMetrics>(join(runA, 'metrics.jsonl'));
  assert.deepEqual(
    metrics.map((m) => [m.epoch, m.step]),
    [
      [1, 2],
      [2, 4],
    ],
  );
  for (const m of metrics) {
    for (const key of [
      'trainLoss',
      'trainAcc',
      'valTop1',
      'valTop5',
      'lr',
      'imgPerSec',
      'seconds',
    ] as const) {
      assert.equal(typeof m[key], 'number', key);
    }
  }
  // The loop's evaluation of epoch 2 is the final weights' top-1/top-5 on the 8 held-out images.
  const epoch2 = await referenceLogits(join(runA, 'final.safetensors'), 8);
  assert.deepEqual({ top1: metrics[1].valTop1, top5: metrics[1].valTop5 }, topK(epoch2.rows, epoch2.labels));
  const steps = jsonLines<StepRecord>(join(runA, 'steps.jsonl'));
  assert.equal(steps.length, 4);
  assert.ok(steps.every((s) => Number.isFinite(s.loss) && s.lr === 0.02));
  for (const f of ['checkpoint-epoch-1', 'checkpoint-epoch-2', 'last', 'final']) {
    assert.ok(existsSync(join(runA, `${f}.safetensors`)), f);
  }
  assert.deepEqual([...readFileSync(join(runA, 'curves.png')).subarray(1, 4)], [0x50, 0x4e, 0x47]);

  const meta = readCheckpointMeta(join(runA, 'last.safetensors'));
  assert.equal(meta.epoch, 2);
  assert.equal(meta.step, 4);
  assert.equal(meta.optimizer.type, 'SGD');
  assert.equal(meta.scheduler?.step, 4);
  assert.equal(meta.metrics.length, 2);
  const tensors = readSafetensors(join(runA, 'checkpoint-epoch-1.safetensors'));
  assert.ok(tensors.has('optimizer.layer1.0.conv1.weight.momentumBuffer'));
  assert.equal(tensors.get('layer1.0.bn1.num_batches_tracked')!.data[0], 2);

  const { model } = await loadModel({ arch: 'resnet18', weights: join(runA, 'final.safetensors') });
  assert.equal(model.options.numClasses, 10);
  assert.equal(model.stateDict().get('bn1.num_batches_tracked')!.data[0], 4);
  assert.deepEqual(model.call(Tensor.zeros([1, 3, 32, 32])).shape, [1, 10]);
});

test('train --resume after epoch 1 gives the step losses and final weights of the uninterrupted run', () => {
  const runA = uninterruptedRun().dir;
  const runB = join(tmp, 'b');
  const first = runCli(['train', ...COMMON, '--epochs', '1', '--out', runB]);
  assert.equal(first.status, 0, first.stderr);
  assert.equal(jsonLines<StepRecord>(join(runB, 'steps.jsonl')).length, 2);
  const again = runCli(['train', ...COMMON, '--epochs', '1', '--out', runB]);
  assert.equal(again.status, 1);
  assert.match(again.stderr, /already holds a run/);
  const second = runCli(['train', '--resume', '--epochs', '2', '--out', runB]);
  assert.equal(second.status, 0, second.stderr);
  assert.match(second.stderr, /resuming .* after epoch 1 \(step 2\)/);
  const losses = (dir: string): number[] =>
    jsonLines<StepRecord>(join(dir, 'steps.jsonl')).map((s) => s.loss);
  assert.deepEqual(losses(runB), losses(runA));
  assert.equal(jsonLines<EpochMetrics>(join(runB, 'metrics.jsonl')).length, 2);
  assert.ok(
    readFileSync(join(runB, 'final.safetensors')).equals(readFileSync(join(runA, 'final.safetensors'))),
  ); // Without a schedule --epochs may grow on resume (above), but not end before the point reached.
  const fewer = runCli(['train', '--resume', '--epochs', '1', '--out', runB]);
  assert.equal(fewer.status, 1);
  assert.equal(
    fewer.stderr,
    `resnet50: ${runB} has already trained 2 epochs, more than --epochs 1 allows.\n`,
  );
});

test('API: a run that crashes after epoch 1 resumes exactly (AdamW, cosine schedule)', async () => {
  const options: TrainOptions = { ...API, epochs: 2, optimizer: 'adamw', schedule: 'cosine', seed: 5 };
  const whole = await train({ ...options, out: join(tmp, 'whole') });
  const crashed = join(tmp, 'crashed');
  await assert.rejects(
    train({ ...options, out: crashed }, (e) => {
      if (e.type === 'epoch') throw new Error('simulated crash');
    }),
    /simulated crash/,
  );
  const resumed = await train({ ...options, out: crashed, resume: true });
  const steps = (r: TrainResult): StepRecord[] => jsonLines<StepRecord>(join(r.runDir, 'steps.jsonl'));
  assert.deepEqual(steps(resumed), steps(whole));
  assert.equal(steps(whole)[1].lr, 5e-4);
  assert.deepEqual(
    resumed.metrics.map((m) => m.trainLoss),
    whole.metrics.map((m) => m.trainLoss),
  );
});

test('train --from with another class count replaces the head; --freeze backbone keeps conv1', () => {
  const five = join(tmp, 'five.safetensors');
  const source = resnet('resnet18', { numClasses: 5, seed: 11 }).stateDict();
  saveWeightsFile(five, source);
  const out = join(tmp, 'finetune');
  const r = runCli([
    'train',
    ...COMMON,
    '--epochs',
    '1',
    '--from',
    five,
    '--freeze',
    'backbone',
    '--workers',
    '0',
    '--out',
    out,
    '--json',
  ]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stderr, /has 5 classes and the data 10: fc\.weight and fc\.bias are freshly initialized/);
  assert.equal((JSON.parse(r.stdout) as TrainResult).headReplaced, true);
  const final = readSafetensors(join(out, 'final.safetensors'));
  assert.deepEqual(final.get('fc.weight')!.shape, [10, 512]);
  for (const key of ['conv1.weight', 'layer4.1.conv2.weight', 'bn1.running_mean', 'layer2.0.bn1.weight']) {
    assert.deepEqual(final.get(key)!.data, source.get(key)!.data, key);
  }
  const fresh = resnet('resnet18', { numClasses: 10, seed: 3 }).stateDict().get('fc.weight')!;
  assert.notDeepEqual(final.get('fc.weight')!.data, fresh.data);
});

test('API: freeze bn keeps BN affine and running statistics, trains the convolutions', async () => {
  const source = resnet('resnet18', { numClasses: 10, seed: 3 }).stateDict();
  const result = await train({ ...API, epochs: 1, freeze: 'bn', seed: 3, out: join(tmp, 'bn') });
  const final = readSafetensors(result.finalWeights!);
  for (const key of [
    'bn1.weight',
    'layer3.1.bn2.bias',
    'layer1.0.bn1.running_var',
    'layer1.0.bn1.num_batches_tracked',
  ]) {
    assert.deepEqual(final.get(key)!.data, source.get(key)!.data, key);
  }
  assert.notDeepEqual(final.get('conv1.weight')!.data, source.get('conv1.weight')!.data);
  assert.notDeepEqual(final.get('fc.bias')!.data, source.get('fc.bias')!.data);
});

test('API: training runs off the event loop; a user error keeps its class', async () => {
  // Three resnet50 steps at 64×64, batch 4: each is far longer than the 5 ms timer. On the caller's
  // thread (trainInThisThread) the timer does not fire at all during such a run; in the worker it
  // keeps firing.
  let ticks = 0;
  const timer = setInterval(() => ticks++, 5);
  let steps = 0;
  try {
    await train(
      { ...API, arch: 'resnet50', inputSize: 64, stepsPerEpoch: 3, evalSamples: 4, out: join(tmp, 'loop') },
      (e) => {
        if (e.type === 'step') steps++;
      },
    );
  } finally {
    clearInterval(timer);
  }
  assert.equal(steps, 3);
  assert.ok(ticks >= 3 * steps, `only ${ticks} timer ticks during ${steps} training steps`);
  await assert.rejects(
    train({ ...API, data: join(tmp, 'no-such-dir'), out: join(tmp, 'none') }),
    (err: Error) => err instanceof UserError && /no-such-dir: no such directory/.test(err.message),
  );
});

test('eval prints top-1/top-5 and writes a confusion matrix PNG', async () => {
  const runA = uninterruptedRun().dir;
  const png = join(tmp, 'confusion.png');
  const weights = join(runA, 'final.safetensors');
  const r = runCli([
    'eval',
    '--weights',
    weights,
    '--data',
    DATA,
    '--samples',
    '16',
    '--batch',
    '8',
    '--out',
    png,
  ]);
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /top-1 \d+\.\d\d%, top-5 \d+\.\d\d%/);
  assert.deepEqual([...readFileSync(png).subarray(1, 4)], [0x50, 0x4e, 0x47]);
  const j = runCli([
    'eval',
    '--weights',
    join(runA, 'last.safetensors'),
    '--data',
    DATA,
    '--samples',
    '16',
    '--backend',
    'js',
    '--json',
    '--out',
    png,
  ]);
  assert.equal(j.status, 0, j.stderr);
  const summary = JSON.parse(j.stdout) as {
    count: number;
    top1: number;
    top5: number;
    loss: number;
    arch: string;
  };
  assert.equal(summary.count, 16);
  assert.equal(summary.arch, 'resnet18');
  // last.safetensors holds the final weights; scored here from the reference kernels' logits.
  const { rows, labels } = await referenceLogits(weights, 16);
  assert.deepEqual({ top1: summary.top1, top5: summary.top5 }, topK(rows, labels));
  const loss =
    rows.reduce((sum, row, i) => {
      const max = Math.max(...row);
      return sum + max + Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0)) - row[labels[i]];
    }, 0) / rows.length;
  assert.ok(Math.abs(summary.loss - loss) <= 1e-5 * loss, `loss ${summary.loss} vs ${loss}`);
});

test('user errors: a bad --data is one sentence (exit 1), a bad flag names it (exit 2)', () => {
  const bad = runCli(['train', '--data', join(tmp, 'nope'), '--out', join(tmp, 'x')]);
  assert.equal(bad.status, 1);
  assert.match(bad.stderr, /^resnet50: --data .*nope: no such directory\.\n$/);
  const flag = runCli(['train', '--data', DATA, '--optimizer', 'rmsprop']);
  assert.equal(flag.status, 2);
  assert.match(flag.stderr, /--optimizer must be one of sgd, adamw, got 'rmsprop'/);
  const help = runCli(['train', '--help']);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /--steps-per-epoch K/);
});
