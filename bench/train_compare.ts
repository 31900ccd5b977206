/**
 * Training speed, ours (TypeScript reference backend) against PyTorch (torch 1.13, 2 threads), in one run.
 *
 *   npx tsc -p tsconfig.json && node dist/bench/train_compare.js [--configs 224x8,64x32]
 *       [--steps 2,3] [--warmup 1,1] [--torch-steps 10] [--torch-warmup 3] [--threads 2]
 *       [--data ../shared/datasets/fashion-mnist] [--fmnist-sizes 32,64] [--fmnist-batch 32]
 *       [--fmnist-steps 2] [--fmnist-warmup 1] [--skip-fmnist] [--python /usr/bin/python3]
 *       [--out bench/results/training.md] [--backend js|native]
 *
 * Ours runs on --backend js (the TypeScript reference kernels, default) or native (the engine's
 * kernels: convolutions, linear, batch norm (fused with its ReLU), ReLU, add, gradient accumulation,
 * SGD and the max-pool gradient; the global average-pool gradient as a fill, the loss on the reference
 * kernel).
 * 1. Synthetic steps, for every --configs SIZExBATCH: ResNet-50 with torchvision's initialization
 *    (resnet('resnet50', { numClasses: 10, seed: 0 })), training mode, SGD (lr 0.01, momentum 0.9,
 *    weight decay 1e-4), a fixed random batch (seeded) and random labels. One step = zeroGrad +
 *    forward + cross-entropy + backward + optimizer step, exactly the loop of test/train.test.ts.
 *    --warmup untimed steps, then --steps timed ones (lists aligned with --configs: ours is slow,
 *    about a minute or more per step at 224×224 batch 8). Right after ours, bench/torch_train.py runs
 *    the same configuration (torchvision resnet50, same optimizer) as a child process with --threads
 *    threads and --torch-warmup / --torch-steps steps (it is cheap, so it gets more of them).
 * 2. Fashion-MNIST per-epoch extrapolation, for every --fmnist-sizes S: the same step loop on real
 *    IDX training batches (shuffled, batch --fmnist-batch, 28×28 resized to S×S, gray → RGB,
 *    normalized; the loader runs in-process, and assembling the batch is inside the timed step),
 *    --fmnist-warmup untimed and --fmnist-steps timed steps; seconds per epoch = median step time ×
 *    floor(60000 / batch). PyTorch: torch_train.py --fashion-mnist DIR --epoch-steps K, the same recipe.
 *
 * Writes a markdown report (targets of the issue, the table, the exact command) to --out and stdout,
 * and one JSON line with every number at the end of both. Progress goes to stderr.
 */
import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { getBackend, setBackend } from '../src/backends/registry.js';
import { DataLoader } from '../src/data/loader.js';
import { resnet } from '../src/model/resnet.js';
import * as ops from '../src/ops/index.js';
import { resolveBackend } from '../src/tasks/runner.js';
import { Rng } from '../src/tensor/random.js';
import { Tensor } from '../src/tensor/tensor.js';
import { resolveData } from '../src/train/trainer.js';
import { SGD } from '../src/train/optim.js';
import { writeMarkdown } from './markdown.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const TORCH_SCRIPT = fileURLToPath(new URL('../../bench/torch_train.py', import.meta.url));
const CLASSES = 10;
const TRAIN_SAMPLES = 60000;
const HYPER = { lr: 0.01, momentum: 0.9, weightDecay: 1e-4 } as const;

interface Config {
  size: number;
  batch: number;
  steps: number;
  warmup: number;
}

interface Options {
  configs: Config[];
  torchSteps: number;
  torchWarmup: number;
  threads: number;
  data: string;
  fmnistSizes: number[];
  fmnistBatch: number;
  fmnistSteps: number;
  fmnistWarmup: number;
  skipFmnist: boolean;
  python: string;
  out: string;
  /** Our kernels: 'js' (the reference, default) or 'native' (the engine's training kernels). */
  backend: string;
}

interface Timing {
  medianStepMs: number;
  imgPerSec: number;
  stepsMs: number[];
}

interface TorchResult {
  runtime: string;
  version: string;
  threads: number;
  batch: number;
  size: number;
  medianStepMs: number;
  imgPerSec: number;
  stepsMs: number[];
  epochSecondsEstimate?: number;
  stepsPerEpoch?: number;
}

interface SyntheticRow {
  config: Config;
  ours: Timing;
  torch: TorchResult;
  /** ours / PyTorch images per second: above 1 means we are faster. */
  throughputRatio: number;
}

interface FmnistRow {
  size: number;
  batch: number;
  stepsPerEpoch: number;
  ours: Timing & { epochSecondsEstimate: number };
  torch: TorchResult & { epochSecondsEstimate: number };
  /** ours / PyTorch seconds per epoch: below 1 means we are faster. */
  epochTimeRatio: number;
}

function log(msg: string): void {
  process.stderr.write(`${msg}\n`);
}

function median(xs: readonly number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2;
}

function intList(name: string, value: string): number[] {
  const out = value.split(',').map((v) => Number(v.trim()));
  if (out.length === 0 || out.some((v) => !Number.isInteger(v) || v < 0)) {
    throw new Error(`--${name} must be a comma-separated list of integers ≥ 0, got '${value}'`);
  }
  return out;
}

function int(name: string, value: string | undefined, fallback: number, min = 0): number {
  if (value === undefined) return fallback;
  const v = Number(value);
  if (!Number.isInteger(v) || v < min)
    throw new Error(`--${name} must be an integer ≥ ${min}, got '${value}'`);
  return v;
}

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      configs: { type: 'string' },
      steps: { type: 'string' },
      warmup: { type: 'string' },
      'torch-steps': { type: 'string' },
      'torch-warmup': { type: 'string' },
      threads: { type: 'string' },
      data: { type: 'string' },
      'fmnist-sizes': { type: 'string' },
      'fmnist-batch': { type: 'string' },
      'fmnist-steps': { type: 'string' },
      'fmnist-warmup': { type: 'string' },
      'skip-fmnist': { type: 'boolean' },
      python: { type: 'string' },
      out: { type: 'string' },
      backend: { type: 'string' },
    },
  });
  const specs = (values.configs ?? '224x8,64x32').split(',');
  const steps = intList('steps', values.steps ?? '2,3');
  const warmup = intList('warmup', values.warmup ?? '1,1');
  const configs = specs.map((spec, i): Config => {
    const m = /^(\d+)x(\d+)$/.exec(spec.trim());
    if (m === null) throw new Error(`--configs entries must be SIZExBATCH like 224x8, got '${spec}'`);
    const s = steps[Math.min(i, steps.length - 1)];
    if (s < 1) throw new Error('--steps entries must be ≥ 1');
    return {
      size: Number(m[1]),
      batch: Number(m[2]),
      steps: s,
      warmup: warmup[Math.min(i, warmup.length - 1)],
    };
  });
  return {
    configs,
    torchSteps: int('torch-steps', values['torch-steps'], 10, 1),
    torchWarmup: int('torch-warmup', values['torch-warmup'], 3),
    threads: int('threads', values.threads, 2, 1),
    data: values.data ?? resolve(REPO, '../shared/datasets/fashion-mnist'),
    fmnistSizes: intList('fmnist-sizes', values['fmnist-sizes'] ?? '32,64'),
    fmnistBatch: int('fmnist-batch', values['fmnist-batch'], 32, 2),
    fmnistSteps: int('fmnist-steps', values['fmnist-steps'], 2, 1),
    fmnistWarmup: int('fmnist-warmup', values['fmnist-warmup'], 1),
    skipFmnist: values['skip-fmnist'] ?? false,
    python: values.python ?? '/usr/bin/python3',
    out: values.out ?? resolve(REPO, 'bench/results/training.md'),
    backend: resolveBackend(values.backend ?? 'js'),
  };
}

/** One training step on our reference backend; returns the loss. */
type StepFn = (x: Tensor, y: Int32Array) => number;

function makeTrainer(): StepFn {
  const model = resnet('resnet50', { numClasses: CLASSES, seed: 0 }).train();
  const optimizer = new SGD(model.parameters(), { ...HYPER });
  return (x, y) => {
    optimizer.zeroGrad();
    const { loss, dlogits } = ops.crossEntropy(model.call(x), y, 0);
    model.backward(dlogits);
    optimizer.step();
    return loss;
  };
}

function timing(stepsMs: number[], batch: number): Timing {
  const med = median(stepsMs);
  return { medianStepMs: med, imgPerSec: (batch * 1000) / med, stepsMs };
}

function oursSynthetic(c: Config): Timing {
  const step = makeTrainer();
  const rng = new Rng(0);
  const x = new Tensor(
    Float32Array.from({ length: c.batch * 3 * c.size * c.size }, () => rng.normal()),
    [c.batch, 3, c.size, c.size],
  );
  const y = Int32Array.from({ length: c.batch }, () => Math.floor(rng.uniform() * CLASSES));
  const times: number[] = [];
  for (let i = 0; i < c.warmup + c.steps; i++) {
    const t0 = performance.now();
    const loss = step(x, y);
    const ms = performance.now() - t0;
    if (i >= c.warmup) times.push(ms);
    log(
      `ours ${c.size}x${c.size} batch ${c.batch} step ${i + 1}/${c.warmup + c.steps}: ${(ms / 1000).toFixed(1)} s, loss ${loss.toFixed(3)}${i < c.warmup ? ' (warm-up)' : ''}`,
    );
  }
  return timing(times, c.batch);
}

async function oursFmnist(o: Options, size: number): Promise<Timing & { epochSecondsEstimate: number }> {
  const splits = resolveData(`idx:${o.data}`, { inputSize: size, augment: 'none' });
  const loader = new DataLoader(splits.train, {
    batchSize: o.fmnistBatch,
    shuffle: true,
    seed: 0,
    workers: 0,
    dropLast: true,
  });
  const step = makeTrainer();
  const times: number[] = [];
  const total = o.fmnistWarmup + o.fmnistSteps;
  try {
    const it = loader.batches(0);
    for (let i = 0; i < total; i++) {
      const t0 = performance.now();
      const next = await it.next();
      if (next.done === true) throw new Error('the epoch ended before the timed steps did');
      const loss = step(next.value.x, next.value.y);
      const ms = performance.now() - t0;
      if (i >= o.fmnistWarmup) times.push(ms);
      log(
        `ours fashion-mnist ${size}x${size} step ${i + 1}/${total}: ${(ms / 1000).toFixed(1)} s, loss ${loss.toFixed(3)}${i < o.fmnistWarmup ? ' (warm-up)' : ''}`,
      );
    }
    await it.return(undefined);
  } finally {
    await loader.close();
  }
  const t = timing(times, o.fmnistBatch);
  const stepsPerEpoch = Math.floor(TRAIN_SAMPLES / o.fmnistBatch);
  return { ...t, epochSecondsEstimate: (t.medianStepMs * stepsPerEpoch) / 1000 };
}

function runTorch(o: Options, args: string[]): TorchResult {
  const full = [TORCH_SCRIPT, '--threads', String(o.threads), '--classes', String(CLASSES), ...args];
  log(`${o.python} ${full.join(' ')}`);
  const r = spawnSync(o.python, full, {
    cwd: REPO,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'inherit'],
    maxBuffer: 1 << 24,
  });
  if (r.status !== 0) throw new Error(`torch_train.py exited with ${String(r.status)}`);
  const lines = r.stdout.trim().split('\n');
  return JSON.parse(lines[lines.length - 1]) as TorchResult;
}

const fmt = (v: number, digits = 1): string =>
  v.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });

/** Ratios over a wide range: whole numbers from 10, one decimal from 1, two significant digits below. */
function fmtRatio(v: number): string {
  if (v >= 10) return fmt(v, 0);
  if (v >= 1) return fmt(v, 1);
  return v.toPrecision(2);
}

function formatDuration(seconds: number): string {
  if (seconds >= 3600) return `${fmt(seconds / 3600, 1)} h`;
  if (seconds >= 60) return `${fmt(seconds / 60, 1)} min`;
  return `${fmt(seconds, 1)} s`;
}

function report(o: Options, command: string, synthetic: SyntheticRow[], fmnist: FmnistRow[]): string {
  const L: string[] = [];
  const torchVersion = synthetic[0]?.torch.version ?? fmnist[0]?.torch.version ?? '?';
  L.push(
    o.backend === 'js'
      ? '# Training speed: ours (TypeScript reference backend) vs PyTorch'
      : '# Training speed: ours (native engine) vs PyTorch',
  );
  L.push('');
  L.push(
    `Measured ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC on ${cpus().length} cores (${cpus()[0]?.model.trim() ?? '?'}), Node ${process.version}, ` +
      `PyTorch ${torchVersion} (Debian python3-torch) with ${o.threads} threads. ` +
      (o.backend === 'js'
        ? 'Ours (`--backend js`) runs the plain TypeScript reference kernels in one thread.'
        : "Ours (`--backend native`): convolutions and linear layers (packed GEMMs), batch norm (fused with the following ReLU where there is one, forward and backward), ReLU, add, gradient accumulation, the SGD update and the max-pool gradient on the native engine's threads; the global average-pool gradient as a plain fill, the loss on the reference kernel."),
  );
  L.push('');
  L.push('Targets of the issue ("Training", point 6):');
  L.push('');
  L.push("- Fashion-MNIST: our time per epoch ≤ 0.67× PyTorch's.");
  L.push("- ResNet-50 at 224×224 batch 8: our training throughput ≥ 1.5× PyTorch's.");
  L.push('');
  const r224 = synthetic.find((r) => r.config.size === 224 && r.config.batch === 8);
  const worstEpoch = fmnist.length > 0 ? Math.min(...fmnist.map((r) => r.epochTimeRatio)) : null;
  const met224 = r224 !== undefined && r224.throughputRatio >= 1.5;
  const metFm = fmnist.length > 0 && fmnist.every((r) => r.epochTimeRatio <= 0.67);
  L.push(
    `**Result: the targets are ${met224 && metFm ? '' : 'not '}met.** ` +
      (r224 !== undefined
        ? `At 224×224 batch 8 our throughput is ${fmtRatio(r224.throughputRatio)}× PyTorch's (target ≥ 1.5×). `
        : '') +
      (worstEpoch !== null
        ? `On Fashion-MNIST our estimated epoch takes ${fmnist.map((r) => `${fmtRatio(r.epochTimeRatio)}×`).join(' / ')} PyTorch's time (input ${fmnist.map((r) => r.size).join(' / ')}; target ≤ 0.67×). `
        : '') +
      (o.backend === 'js'
        ? 'The reference backend is plain single-threaded TypeScript; these are the measured numbers.'
        : 'These are the measured numbers.'),
  );
  L.push('');
  L.push('## Training steps (ResNet-50, 10 classes, SGD lr 0.01 momentum 0.9 wd 1e-4, random batch)');
  L.push('');
  L.push(
    '| config | ours ms/step | ours img/s | PyTorch ms/step | PyTorch img/s | throughput ours/PyTorch |',
  );
  L.push('| --- | ---: | ---: | ---: | ---: | ---: |');
  for (const r of synthetic) {
    L.push(
      `| ${r.config.size}×${r.config.size}, batch ${r.config.batch} | ${fmt(r.ours.medianStepMs, 0)} | ${fmt(r.ours.imgPerSec, 3)} | ` +
        `${fmt(r.torch.medianStepMs, 0)} | ${fmt(r.torch.imgPerSec, 1)} | ${fmtRatio(r.throughputRatio)} |`,
    );
  }
  L.push('');
  L.push(
    'Median over the timed steps. Ours: ' +
      synthetic
        .map((r) => `${r.config.size}: ${r.config.warmup} warm-up + ${r.config.steps} timed`)
        .join(', ') +
      ` steps; PyTorch: ${o.torchWarmup} warm-up + ${o.torchSteps} timed steps (each run right after ours, same settings).`,
  );
  if (fmnist.length > 0) {
    L.push('');
    L.push(`## Fashion-MNIST, seconds per epoch (extrapolated; 60000 images, batch ${o.fmnistBatch})`);
    L.push('');
    L.push(
      'Both sides: the same step loop on real shuffled IDX batches (28×28 resized to S×S, gray → RGB, ' +
        'normalized with mean 0.286 / std 0.353, no augmentation), batch assembly included in the step; ' +
        `median step time × ${fmnist[0].stepsPerEpoch} steps. Ours: ${o.fmnistWarmup} warm-up + ${o.fmnistSteps} timed steps, ` +
        `in-process loader (not the trainer's worker thread); PyTorch: ${o.torchWarmup} warm-up + ${o.torchSteps} timed steps. ` +
        'Evaluation time is not included.',
    );
    L.push('');
    L.push(
      '| input | ours ms/step | ours s/epoch | PyTorch ms/step | PyTorch s/epoch | epoch time ours/PyTorch |',
    );
    L.push('| --- | ---: | ---: | ---: | ---: | ---: |');
    for (const r of fmnist) {
      L.push(
        `| ${r.size}×${r.size} | ${fmt(r.ours.medianStepMs, 0)} | ${fmt(r.ours.epochSecondsEstimate, 0)} (${formatDuration(r.ours.epochSecondsEstimate)}) | ` +
          `${fmt(r.torch.medianStepMs, 0)} | ${fmt(r.torch.epochSecondsEstimate, 0)} (${formatDuration(r.torch.epochSecondsEstimate)}) | ${fmtRatio(r.epochTimeRatio)} |`,
      );
    }
  }
  L.push('');
  L.push('## Command');
  L.push('');
  L.push('```sh');
  L.push(`npx tsc -p tsconfig.json && ${command}`);
  L.push('```');
  L.push('');
  return L.join('\n');
}

async function main(): Promise<void> {
  const o = parseOptions();
  setBackend(o.backend);
  log(`our backend: ${getBackend().name}`);
  const command = `node dist/bench/train_compare.js ${process.argv.slice(2).join(' ')}`.trim();
  const synthetic: SyntheticRow[] = [];
  for (const c of o.configs) {
    const ours = oursSynthetic(c);
    const torch = runTorch(o, [
      '--batch',
      String(c.batch),
      '--size',
      String(c.size),
      '--steps',
      String(o.torchSteps),
      '--warmup',
      String(o.torchWarmup),
    ]);
    synthetic.push({ config: c, ours, torch, throughputRatio: ours.imgPerSec / torch.imgPerSec });
  }
  const fmnist: FmnistRow[] = [];
  if (!o.skipFmnist) {
    for (const size of o.fmnistSizes) {
      const ours = await oursFmnist(o, size);
      const torch = runTorch(o, [
        '--fashion-mnist',
        o.data,
        '--batch',
        String(o.fmnistBatch),
        '--size',
        String(size),
        '--epoch-steps',
        String(o.torchSteps),
        '--warmup',
        String(o.torchWarmup),
      ]);
      const torchEpoch = (torch.medianStepMs * Math.floor(TRAIN_SAMPLES / o.fmnistBatch)) / 1000;
      fmnist.push({
        size,
        batch: o.fmnistBatch,
        stepsPerEpoch: Math.floor(TRAIN_SAMPLES / o.fmnistBatch),
        ours,
        torch: { ...torch, epochSecondsEstimate: torchEpoch },
        epochTimeRatio: ours.epochSecondsEstimate / torchEpoch,
      });
    }
  }
  const json = JSON.stringify({ command, backend: o.backend, threads: o.threads, synthetic, fmnist });
  const text = `${report(o, command, synthetic, fmnist)}\n## JSON\n\n\`\`\`json\n${json}\n\`\`\`\n`;
  await writeMarkdown(o.out, text);
  process.stdout.write(`${text}\n${json}\n`);
  log(`wrote ${o.out}`);
}

main().catch((err: unknown) => {
  log(err instanceof Error ? (err.stack ?? err.message) : String(err));
  process.exit(1);
});
