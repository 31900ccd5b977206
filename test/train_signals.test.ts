/**
 * Training does not lose work: a run stopped mid-epoch (the API's `stop`, the CLI's SIGINT/SIGTERM)
 * writes last.safetensors at that step and `resume` ends with the bytes of an uninterrupted run; a
 * second signal aborts at once without partial files; checkpoint retention; resumes that would change
 * the run are refused in one sentence (flags in the CLI, option names in the library); a loss that is
 * not finite stops the run naming the step; curves.png has a loss panel (per step and per epoch) and
 * an accuracy panel, and says what is missing. resnet18 at 32×32 on the Fashion-MNIST slice, batches
 * of 4, three steps per epoch, in-thread data loading.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { readImage, type RgbImage } from '../src/io/image.js';
import { readCheckpointMeta } from '../src/train/checkpoint.js';
import {
  train,
  type EpochMetrics,
  type StepRecord,
  type TrainOptions,
  type TrainResult,
} from '../src/train/trainer.js';
import type { Rgb } from '../src/viz/font.js';
import { chartNotes, renderLineCharts, SERIES_COLORS, type LineChart } from '../src/viz/plot.js';
import { CLI, FASHION_MNIST, REPO, runCli } from './helpers/cli.js';

const DATA = `idx:${FASHION_MNIST}`;
const tmp = mkdtempSync(join(tmpdir(), 'resnet50-signals-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** The run every comparison uses: 2 epochs of 3 steps, SGD with a cosine schedule. */
const RUN: TrainOptions = {
  data: DATA,
  arch: 'resnet18',
  batchSize: 4,
  inputSize: 32,
  stepsPerEpoch: 3,
  trainSamples: 48,
  evalSamples: 4,
  lr: 0.02,
  seed: 3,
  workers: 0,
  schedule: 'cosine',
  epochs: 2,
};

/** RUN as CLI flags. */
const FLAGS = [
  '--data',
  DATA,
  '--arch',
  'resnet18',
  '--batch',
  '4',
  '--input-size',
  '32',
  '--steps-per-epoch',
  '3',
  '--train-samples',
  '48',
  '--eval-samples',
  '4',
  '--lr',
  '0.02',
  '--seed',
  '3',
  '--workers',
  '0',
  '--schedule',
  'cosine',
  '--epochs',
  '2',
];

function jsonLines<T>(path: string): T[] {
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l !== '')
    .map((l) => JSON.parse(l) as T);
}

/** Metrics without the timings (which differ between any two runs). */
const untimed = (dir: string): Omit<EpochMetrics, 'imgPerSec' | 'seconds'>[] =>
  jsonLines<EpochMetrics>(join(dir, 'metrics.jsonl')).map(({ imgPerSec, seconds, ...m }) => {
    assert.ok(imgPerSec > 0 && seconds > 0);
    return m;
  });

/** Files a run directory holds, temp files (dot files) included. */
const listing = (dir: string): string[] => readdirSync(dir).sort();

interface Spawned {
  status: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the CLI and calls `onLine` with `signals` for every line it prints on stderr; `signals(sig)`
 * sends a signal to the CLI process.
 */
function spawnCli(
  args: string[],
  onLine: (line: string, send: (s: NodeJS.Signals) => void) => void,
): Promise<Spawned> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      cwd: REPO,
      env: { ...process.env, RESNET50_WEIGHTS_MIRROR: 'http://127.0.0.1:9/' },
    });
    let stdout = '';
    let stderr = '';
    let pending = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      stderr += d;
      pending += d;
      const lines = pending.split('\n');
      pending = lines.pop() ?? '';
      for (const line of lines) onLine(line, (s) => child.kill(s));
    });
    child.on('error', reject);
    child.on('close', (status, signal) => resolve({ status, signal, stdout, stderr }));
  });
}

const whole = join(tmp, 'whole');
let wholeResult: TrainResult;

test('API: stop after step 4 (epoch 2, step 1 of 3) saves that step; resume ends with the bytes of an uninterrupted run', async () => {
  wholeResult = await train({ ...RUN, out: whole, keepCheckpoints: 1 });
  assert.equal(wholeResult.interrupted, null);
  assert.deepEqual(listing(whole), [
    'checkpoint-epoch-2.safetensors',
    'curves.png',
    'final.safetensors',
    'last.safetensors',
    'metrics.jsonl',
    'steps.jsonl',
  ]);

  const dir = join(tmp, 'stopped');
  const stop = new AbortController();
  const stopped = await train({ ...RUN, out: dir, stop: stop.signal }, (e) => {
    if (e.type === 'step' && e.globalStep === 4) stop.abort();
  });
  assert.deepEqual(stopped.interrupted, { epoch: 2, step: 1, stepsPerEpoch: 3 });
  assert.equal(stopped.finalWeights, null);
  assert.equal(stopped.globalStep, 4);
  assert.equal(stopped.epochs, 1);
  assert.equal(stopped.lastCheckpoint, join(dir, 'last.safetensors'));
  const meta = readCheckpointMeta(join(dir, 'last.safetensors'));
  assert.equal(meta.epoch, 1);
  assert.equal(meta.step, 4);
  assert.equal(meta.stepsPerEpoch, 3);
  assert.equal(meta.epochProgress?.steps, 1);
  assert.equal(meta.epochProgress?.seen, 4);
  assert.equal(meta.scheduler?.step, 4);
  const steps = jsonLines<StepRecord>(join(dir, 'steps.jsonl'));
  assert.deepEqual(
    steps.map((s) => s.loss),
    jsonLines<StepRecord>(join(whole, 'steps.jsonl'))
      .slice(0, 4)
      .map((s) => s.loss),
  );
  // Default retention (2): the epoch-1 checkpoint and last; no final weights, no temp files.
  assert.deepEqual(listing(dir), [
    'checkpoint-epoch-1.safetensors',
    'curves.png',
    'last.safetensors',
    'metrics.jsonl',
    'steps.jsonl',
  ]);

  const resumed = await train({ ...RUN, out: dir, resume: true });
  assert.equal(resumed.interrupted, null);
  assert.equal(resumed.globalStep, 6);
  assert.match(resumed.notes.join('\n'), /resuming .* in epoch 2 after step 4 \(step 1 of 3 in the epoch\)/);
  assert.deepEqual(
    jsonLines<StepRecord>(join(dir, 'steps.jsonl')),
    jsonLines<StepRecord>(join(whole, 'steps.jsonl')),
  );
  assert.deepEqual(untimed(dir), untimed(whole));
  assert.ok(readFileSync(resumed.finalWeights!).equals(readFileSync(wholeResult.finalWeights!)));
  assert.deepEqual(listing(dir), [
    'checkpoint-epoch-1.safetensors',
    'checkpoint-epoch-2.safetensors',
    'curves.png',
    'final.safetensors',
    'last.safetensors',
    'metrics.jsonl',
    'steps.jsonl',
  ]);
});

test('resume refuses to change the run in one sentence: flags in the CLI, option names in the library', async () => {
  // keepCheckpoints 0 keeps last.safetensors alone; a stop at an epoch's end keeps that epoch's checkpoint.
  const dir = join(tmp, 'refuse');
  const stop = new AbortController();
  const atBoundary = await train({ ...RUN, out: dir, keepCheckpoints: 0, stop: stop.signal }, (e) => {
    if (e.type === 'epoch') stop.abort();
  });
  assert.deepEqual(atBoundary.interrupted, { epoch: 2, step: 0, stepsPerEpoch: 3 });
  assert.deepEqual(listing(dir), ['curves.png', 'last.safetensors', 'metrics.jsonl', 'steps.jsonl']);
  const boundary = readCheckpointMeta(join(dir, 'last.safetensors'));
  assert.equal(boundary.epoch, 1);
  assert.equal(boundary.step, 3);
  assert.equal(boundary.epochProgress, null);

  const epochs = runCli(['train', '--resume', '--out', dir, '--epochs', '4']);
  assert.equal(epochs.status, 1);
  assert.equal(
    epochs.stderr,
    `resnet50: ${dir} was started with --epochs 2 and --schedule cosine, whose learning rate depends on the run's length; resume it with --epochs 2 (not 4) or start a new run.\n`,
  );
  const lr = runCli(['train', '--resume', '--out', dir, '--lr', '0.05']);
  assert.equal(lr.status, 1);
  assert.equal(
    lr.stderr,
    `resnet50: ${dir} was started with --lr 0.02, not 0.05; a resumed run keeps its options (start a new run to change them).\n`,
  );
  const occupied = runCli(['train', ...FLAGS, '--out', dir]);
  assert.equal(occupied.status, 1);
  assert.match(
    occupied.stderr,
    /already holds a run \(last\.safetensors\): continue it \(--resume\) or choose another directory \(--out\)\.\n$/,
  );
  const missing = runCli(['train', '--resume', '--out', join(tmp, 'never-ran')]);
  assert.equal(missing.status, 1);
  assert.match(
    missing.stderr,
    /^resnet50: .*never-ran\/last\.safetensors: no checkpoint to resume from\.\n$/,
  );

  await assert.rejects(
    train({ ...RUN, out: dir, resume: true, epochs: 5 }),
    (e: Error) =>
      e.message ===
      `${dir} was started with epochs 2 and schedule cosine, whose learning rate depends on the run's length; resume it with epochs 2 (not 5) or start a new run.`,
  );
  await assert.rejects(train({ ...RUN, out: dir, resume: true, seed: 4 }), /was started with seed 3, not 4;/);
  // Unchanged: still at step 3.
  assert.equal(readCheckpointMeta(join(dir, 'last.safetensors')).step, 3);
});

test('CLI: SIGINT mid-run saves the step and exits 130; --resume ends with the bytes of an uninterrupted run', async () => {
  const dir = join(tmp, 'sigint');
  let sent = false;
  // One loader thread (batches prefetched when the stop comes): the same batches as in-thread loading.
  const args = ['train', ...FLAGS, '--workers', '1', '--out', dir, '--keep-checkpoints', '1'];
  const r = await spawnCli(args, (line, send) => {
    if (!sent && line.startsWith('epoch 1/2 step 1/3 ')) {
      sent = true;
      send('SIGINT');
    }
  });
  assert.equal(r.status, 130, r.stderr);
  assert.match(
    r.stderr,
    /\nSIGINT: stopping after the current step to save a checkpoint \(Ctrl-C again aborts at once\)\n/,
  );
  const m =
    /\nresnet50: stopped by SIGINT (?:after step (\d+) \(epoch (\d), step (\d) of 3\)|at the start of epoch (\d)); saved (.*); continue with: resnet50 train --out (.*) --resume\n$/.exec(
      r.stderr,
    );
  assert.ok(m, r.stderr);
  const epoch = Number(m[2] ?? m[4]);
  const inEpoch = Number(m[3] ?? 0);
  const step = (epoch - 1) * 3 + inEpoch;
  if (m[1] !== undefined) assert.equal(Number(m[1]), step);
  assert.ok(step >= 2 && step < 6, `stopped at step ${step}`);
  assert.equal(m[5], join(dir, 'last.safetensors'));
  assert.equal(m[6], dir);
  const meta = readCheckpointMeta(join(dir, 'last.safetensors'));
  assert.equal(meta.step, step);
  assert.equal(meta.epochProgress?.steps ?? 0, inEpoch);
  assert.equal(jsonLines<StepRecord>(join(dir, 'steps.jsonl')).length, step);
  assert.ok(!existsSync(join(dir, 'final.safetensors')));
  assert.ok(
    listing(dir).every((f) => !f.startsWith('.')),
    listing(dir).join(),
  );

  const resumed = runCli(['train', '--resume', '--out', dir]);
  assert.equal(resumed.status, 0, resumed.stderr);
  assert.ok(readFileSync(join(dir, 'final.safetensors')).equals(readFileSync(wholeResult.finalWeights!)));
  assert.deepEqual(untimed(dir), untimed(whole));
  assert.deepEqual(
    listing(dir).filter((f) => f.startsWith('checkpoint-')),
    ['checkpoint-epoch-2.safetensors'],
  );
});

test('CLI: a second signal aborts at once (SIGTERM: exit 143) and leaves no partial file', async () => {
  const dir = join(tmp, 'twice');
  let sent = 0;
  const r = await spawnCli(['train', ...FLAGS, '--out', dir], (line, send) => {
    if (sent === 0 && line.startsWith('epoch 1/2 step 1/3 ')) {
      sent++;
      send('SIGTERM');
    } else if (sent === 1 && line.startsWith('SIGTERM: stopping')) {
      sent++;
      send('SIGTERM');
    }
  });
  assert.equal(r.status, 143, r.stderr);
  assert.match(
    r.stderr,
    /\nSIGTERM: stopping after the current step to save a checkpoint \(SIGTERM again aborts at once\)\n/,
  );
  // Aborted in the first epoch, before any checkpoint: nothing is left half-written.
  assert.match(
    r.stderr,
    /\nresnet50: aborted at once by a second SIGTERM; nothing to resume in .*twice \(no checkpoint yet\)\n$/,
  );
  assert.deepEqual(listing(dir), ['steps.jsonl', 'metrics.jsonl'].sort());
  assert.ok(jsonLines<StepRecord>(join(dir, 'steps.jsonl')).length >= 1);
});

/** Pixels of colour `c` in rows [y0, y1). */
function countColor(img: RgbImage, c: Rgb, y0: number, y1: number): number {
  let n = 0;
  for (let o = y0 * img.width * 3; o < y1 * img.width * 3; o += 3) {
    if (img.data[o] === c[0] && img.data[o + 1] === c[1] && img.data[o + 2] === c[2]) n++;
  }
  return n;
}

const NOTE_GREY: Rgb = [110, 110, 110];

test('a loss that is not finite stops the run naming the step; the last checkpoint and the files so far stay', () => {
  const dir = join(tmp, 'nan');
  const r = runCli([
    'train',
    ...FLAGS,
    '--schedule',
    'none',
    '--steps-per-epoch',
    '1',
    '--lr',
    '1e30',
    '--epochs',
    '4',
    '--out',
    dir,
  ]);
  assert.equal(r.status, 1, r.stderr);
  const m =
    /\nresnet50: Training stopped at step (\d+) \(epoch (\d+), step 1 of 1\): the loss is (NaN|Infinity|-Infinity); lower the learning rate or clip the gradients \((.*) holds step (\d+)\)\.\n$/.exec(
      r.stderr,
    );
  assert.ok(m, r.stderr);
  const step = Number(m[1]);
  assert.ok(step >= 2);
  assert.equal(Number(m[2]), step);
  assert.equal(m[4], join(dir, 'last.safetensors'));
  assert.equal(Number(m[5]), step - 1);
  assert.equal(readCheckpointMeta(join(dir, 'last.safetensors')).step, step - 1);
  const steps = jsonLines<StepRecord>(join(dir, 'steps.jsonl'));
  assert.equal(steps.length, step - 1);
  assert.ok(steps.every((s) => Number.isFinite(s.loss)));
  assert.equal(jsonLines<EpochMetrics>(join(dir, 'metrics.jsonl')).length, step - 1);
  // curves.png says why it ends: a note under the loss panel's title, none in the accuracy panel.
  const png = readImage(join(dir, 'curves.png'));
  assert.ok(countColor(png, NOTE_GREY, 0, 60) > 100);
  assert.equal(countColor(png, NOTE_GREY, 400, 800), 0);
});

test('curves.png: a loss panel (per step, thin, and epoch means) and an accuracy panel, each with its own axes', () => {
  const png = readImage(join(whole, 'curves.png'));
  assert.equal(png.width, 800);
  assert.equal(png.height, 800);
  const [c0, c1, c2] = SERIES_COLORS;
  // loss panel: per-step loss (blue) and epoch means (orange); accuracy panel: train, val top-1, top-5
  for (const c of [c0, c1]) assert.ok(countColor(png, c, 0, 400) > 200, `loss panel colour ${c.join()}`);
  assert.equal(countColor(png, c2, 0, 400), 0);
  for (const c of [c0, c1, c2])
    assert.ok(countColor(png, c, 400, 800) > 200, `accuracy panel colour ${c.join()}`);
  assert.equal(countColor(png, NOTE_GREY, 0, 800), 0);

  // What is missing is said in text: no epoch yet, no evaluation split, values that are not finite.
  const early: LineChart = {
    title: 'Accuracy',
    xLabel: 'epoch',
    yLabel: 'accuracy',
    series: [{ name: 'train', points: [] }],
    notes: ['no held-out split: no validation accuracy'],
  };
  const loss: LineChart = {
    title: 'Training loss',
    xLabel: 'epoch',
    yLabel: 'loss',
    series: [
      {
        name: 'per step',
        thin: true,
        points: [
          [0.5, 2],
          [1, NaN],
          [1.5, 1],
        ],
      },
    ],
  };
  assert.deepEqual(chartNotes(early), ['no held-out split: no validation accuracy', 'train: no data']);
  assert.deepEqual(chartNotes(loss), ['per step: 1 of 3 values not finite, not drawn']);
  const img = renderLineCharts([loss, early], 640, 360);
  assert.equal(img.width, 640);
  assert.equal(img.height, 720);
  assert.ok(countColor(img, NOTE_GREY, 0, 60) > 50);
  assert.ok(countColor(img, NOTE_GREY, 360, 460) > 50);
  // a thin series is drawn with a 1-pixel brush, the others with 2 pixels and markers
  const flat = (thin: boolean): LineChart => ({
    ...loss,
    series: [
      {
        name: '',
        thin,
        points: [
          [0, 1],
          [2, 1],
        ],
      },
    ],
  });
  const thinPixels = countColor(renderLineCharts([flat(true)]), c0, 0, 400);
  const thickPixels = countColor(renderLineCharts([flat(false)]), c0, 0, 400);
  assert.ok(thinPixels > 600 && thinPixels < 800, `${thinPixels} pixels`);
  assert.ok(thickPixels > 1.9 * thinPixels, `${thickPixels} vs ${thinPixels} pixels`);
});
