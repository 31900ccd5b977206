/**
 * The degradation experiment of He et al. (2015), Figure 6 and Table 6, on Fashion-MNIST: plain-20/32/
 * 44/56 against ResNet-20/32/44/56 (CIFAR layout, option A zero-pad shortcuts), all trained by our
 * engine with the paper's recipe scaled to an epoch budget.
 *
 *   npm run build && node dist/bench/degradation.js [--data ../shared/datasets/fashion-mnist]
 *       [--epochs 12] [--train-samples N] [--eval-samples N] [--depths 20,32,44,56] [--batch 128]
 *       [--lr 0.1] [--seed 0] [--workers 1] [--backend native|js] [--steps-per-epoch K]
 *       [--out runs/degradation] [--results docs/degradation] [--resume]
 *
 * Recipe (section 4.2, scaled): SGD momentum 0.9, weight decay 1e-4 (not on BN and biases), batch
 * 128, lr 0.1 divided by 10 at 50 % and 75 % of the run (`schedule: 'multistep'`), 4-pixel zero
 * padding + random crop + horizontal flip (`augment: 'crop'`), torchvision's initialization. The
 * images: Fashion-MNIST's 28×28 gray images, cropped at 28×28 after the padding, then resized to
 * 32×32 (bilinear) and normalized with Fashion-MNIST's mean and std, the gray channel replicated to
 * the network's 3 (the trainer's IDX preprocessing, recorded in each model card).
 *
 * Every network trains with the same seed: the same data order and augmentations (the loader's
 * shuffles and crops depend only on the seed), its own initialization. Each is its own run directory
 * `OUT/<net>` (the trainer's files: metrics.jsonl, curves.png, checkpoints, final.safetensors).
 *
 * `--resume` continues: finished networks (final.safetensors) are skipped, a network cut short
 * continues from its last checkpoint (the trainer's own resume, exact), the others start. SIGINT or
 * SIGTERM stops the network in training after its current step with a checkpoint (exit 130/143).
 *
 * RESULTS gets (rewritten from the run directories after every network, so it is always whole):
 *   results.jsonl    one line per network and epoch: net, depth, residual, epoch, trainError (running
 *                    top-1 error on the augmented training batches of the epoch, as the paper's
 *                    dashed curves), testError (top-1 error on the test split), lr, seconds
 *   degradation.png  Figure 6's layout: plain nets (top), ResNets (bottom); training error dashed,
 *                    test error solid; deeper = darker
 *   README.md        the table of final errors and wall times, and the setup
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { cpus, loadavg } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { writeMarkdown } from './markdown.js';
import { resnet, type ArchName } from '../src/model/resnet.js';
import { describeDataset } from '../src/data/loader.js';
import { resolveData, train, type EpochMetrics, type TrainEvent } from '../src/train/trainer.js';
import { readJsonLines, runFiles, writeLines } from '../src/train/run_files.js';
import { writeLineCharts, type LineChart } from '../src/viz/plot.js';
import type { Rgb } from '../src/viz/raster.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

interface Options {
  data: string;
  epochs: number;
  trainSamples: number | null;
  evalSamples: number | null;
  depths: number[];
  batch: number;
  lr: number;
  seed: number;
  workers: number;
  backend: string | undefined;
  stepsPerEpoch: number | null;
  out: string;
  results: string;
  resume: boolean;
}

/** One of the networks compared. */
interface Net {
  name: string;
  arch: ArchName;
  depth: number;
  residual: boolean;
}

/** One line of results.jsonl. */
interface ResultLine {
  net: string;
  depth: number;
  residual: boolean;
  epoch: number;
  trainError: number;
  testError: number | null;
  lr: number;
  seconds: number;
  /** Training images per second over the epoch's steps (the test pass excluded). */
  trainImgPerSec: number;
}

/** What bench/degradation_torch.py writes: the same recipe in PyTorch for one network. */
interface TorchRun {
  net: string;
  torch: string;
  cpu: string;
  loadAverage: number[];
  setup: { trainSamples: number; evalSamples: number; epochs: number; batch: number };
  epochs: {
    epoch: number;
    trainError: number;
    testError: number;
    trainSeconds: number;
    testSeconds: number;
  }[];
}

const DEPTHS: Record<number, ArchName> = {
  20: 'resnet20',
  32: 'resnet32',
  44: 'resnet44',
  56: 'resnet56',
  110: 'resnet110',
};

function count(name: string, raw: string | undefined, fallback: number | null): number | null {
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < 1) throw new Error(`--${name} must be a positive integer, got '${raw}'`);
  return v;
}

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      data: { type: 'string' },
      epochs: { type: 'string' },
      'train-samples': { type: 'string' },
      'eval-samples': { type: 'string' },
      depths: { type: 'string' },
      batch: { type: 'string' },
      lr: { type: 'string' },
      seed: { type: 'string' },
      workers: { type: 'string' },
      backend: { type: 'string' },
      'steps-per-epoch': { type: 'string' },
      out: { type: 'string' },
      results: { type: 'string' },
      resume: { type: 'boolean' },
    },
  });
  const depths = (values.depths ?? '20,32,44,56').split(',').map(Number);
  for (const d of depths) {
    if (DEPTHS[d] === undefined)
      throw new Error(`--depths: ${d} is not one of ${Object.keys(DEPTHS).join(', ')}`);
  }
  const lr = Number(values.lr ?? '0.1');
  if (!(lr > 0)) throw new Error(`--lr must be a positive number, got '${values.lr}'`);
  return {
    data: values.data ?? resolve(REPO, '../shared/datasets/fashion-mnist'),
    epochs: count('epochs', values.epochs, 12)!,
    trainSamples: count('train-samples', values['train-samples'], null),
    evalSamples: count('eval-samples', values['eval-samples'], null),
    depths,
    batch: count('batch', values.batch, 128)!,
    lr,
    seed: count('seed', values.seed, null) ?? 0,
    workers: count('workers', values.workers, 1)!,
    backend: values.backend,
    stepsPerEpoch: count('steps-per-epoch', values['steps-per-epoch'], null),
    out: resolve(values.out ?? join(REPO, 'runs/degradation')),
    results: resolve(values.results ?? join(REPO, 'docs/degradation')),
    resume: values.resume ?? false,
  };
}

/** Plain nets first, then the ResNets, shallow to deep. */
function networks(depths: readonly number[]): Net[] {
  return [false, true].flatMap((residual) =>
    depths.map((depth) => ({
      name: `${residual ? 'resnet' : 'plain'}${depth}`,
      arch: DEPTHS[depth],
      depth,
      residual,
    })),
  );
}

/** What each network's run directory holds now. */
function state(o: Options, net: Net): 'done' | 'partial' | 'new' {
  const files = runFiles(join(o.out, net.name));
  if (existsSync(files.final)) return 'done';
  return existsSync(files.last) ? 'partial' : 'new';
}

function resultLines(o: Options, nets: readonly Net[]): ResultLine[] {
  return nets.flatMap((net) =>
    readJsonLines<EpochMetrics>(runFiles(join(o.out, net.name)).metrics).map((m) => ({
      net: net.name,
      depth: net.depth,
      residual: net.residual,
      epoch: m.epoch,
      trainError: 1 - m.trainAcc,
      testError: m.valTop1 === null ? null : 1 - m.valTop1,
      lr: m.lr,
      seconds: m.seconds,
      trainImgPerSec: m.imgPerSec,
    })),
  );
}

/** Light to dark along one hue: index 0 of n is the lightest (the shallowest net). */
function shade(i: number, n: number): Rgb {
  const light: Rgb = [120, 170, 230];
  const dark: Rgb = [10, 25, 90];
  const t = n === 1 ? 1 : i / (n - 1);
  const mix = (k: 0 | 1 | 2): number => Math.round(light[k] + t * (dark[k] - light[k]));
  return [mix(0), mix(1), mix(2)];
}

function figure(o: Options, nets: readonly Net[], lines: readonly ResultLine[]): LineChart[] {
  return [false, true].map((residual) => {
    const group = nets.filter((n) => n.residual === residual);
    const series = group.flatMap((net, i) => {
      const own = lines.filter((l) => l.net === net.name);
      const color = shade(i, group.length);
      const label = `${residual ? 'ResNet' : 'plain'}-${net.depth}`;
      return [
        {
          name: label,
          color,
          points: own.map((l): [number, number] => [l.epoch, 100 * (l.testError ?? NaN)]),
        },
        {
          name: '',
          color,
          dashed: true,
          points: own.map((l): [number, number] => [l.epoch, 100 * l.trainError]),
        },
      ];
    });
    return {
      title: `${residual ? 'ResNets (option A shortcuts)' : 'Plain networks'} on Fashion-MNIST`,
      xLabel: 'epoch',
      yLabel: 'error (%)',
      series,
      notes: ['dashed: training error, solid: test error, deeper = darker'],
      xRange: [0, o.epochs],
    };
  });
}

const pct = (v: number | null | undefined): string => (v == null ? '–' : `${(100 * v).toFixed(2)} %`);
const hms = (s: number): string =>
  `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m${String(Math.round(s % 60)).padStart(2, '0')}s`;

/**
 * The PyTorch runs of bench/degradation_torch.py found in RESULTS (pytorch-<net>.json) beside our
 * run of the same network: final errors, and training speed (images per second over the steps, the
 * median epoch) with our ratio.
 */
function torchComparison(o: Options, nets: readonly Net[], lines: readonly ResultLine[]): string[] {
  const rows: string[] = [];
  const notes: string[] = [];
  for (const net of nets) {
    const file = join(o.results, `pytorch-${net.name}.json`);
    if (!existsSync(file)) continue;
    const t = JSON.parse(readFileSync(file, 'utf8')) as TorchRun;
    const own = lines.filter((l) => l.net === net.name);
    const steps = Math.floor(t.setup.trainSamples / t.setup.batch) * t.setup.batch;
    const theirs = median(t.epochs.map((e) => steps / e.trainSeconds));
    const ours = own.length > 0 ? median(own.map((l) => l.trainImgPerSec)) : NaN;
    const last = t.epochs.at(-1);
    rows.push(
      `| ${net.name} | ${own.length}/${o.epochs} | ${pct(own.at(-1)?.trainError)} | ${pct(own.at(-1)?.testError)} | ` +
        `${t.epochs.length}/${t.setup.epochs} | ${pct(last?.trainError)} | ${pct(last?.testError)} | ` +
        `${ours.toFixed(0)} | ${theirs.toFixed(0)} | ${(ours / theirs).toFixed(2)} |`,
    );
    notes.push(
      `${net.name}: PyTorch ${t.torch} on ${t.cpu}, load average ${t.loadAverage.map((v) => v.toFixed(2)).join(' ')} at its end.`,
    );
  }
  if (rows.length === 0) return [];
  return [
    '## Against PyTorch',
    '',
    'The same recipe, data subset and epochs in PyTorch (`bench/degradation_torch.py`: the goldens’',
    "definition of the network with torchvision's initialization, as ours; PyTorch's own seeded data order):",
    '',
    '| network | our epochs | our train error | our test error | PyTorch epochs | PyTorch train error | PyTorch test error | our img/s | PyTorch img/s | ratio |',
    '| ------- | ---------: | --------------: | -------------: | -------------: | ------------------: | -----------------: | --------: | ------------: | ----: |',
    ...rows,
    '',
    'img/s: training images per second over an epoch’s steps (median epoch; the test pass excluded),',
    'both on 2 threads. The two runs may have met different machine load; the speed ratio is only',
    'meaningful when both ran on a quiet machine.',
    ...notes.map((n) => `- ${n}`),
    '',
  ];
}

function median(values: readonly number[]): number {
  const s = [...values].sort((a, b) => a - b);
  return s.length === 0 ? NaN : (s[(s.length - 1) >> 1] + s[s.length >> 1]) / 2;
}

function report(o: Options, nets: readonly Net[], lines: readonly ResultLine[]): string {
  const rows = nets.map((net) => {
    const own = lines.filter((l) => l.net === net.name);
    const last = own.at(-1);
    const params = resnet(net.arch, net.residual ? {} : { residual: false })
      .namedParameters()
      .reduce((sum, [, t]) => sum + t.size, 0);
    const best = Math.min(...own.map((l) => l.testError ?? Infinity));
    const seconds = own.reduce((sum, l) => sum + l.seconds, 0);
    const status = { done: '', partial: ' (stopped)', new: ' (not started)' }[state(o, net)];
    return `| ${net.residual ? 'ResNet' : 'plain'}-${net.depth} | ${(params / 1e6).toFixed(2)}M | ${own.length}/${o.epochs}${status} | ${pct(last?.trainError)} | ${pct(last?.testError)} | ${Number.isFinite(best) ? pct(best) : '–'} | ${hms(seconds)} |`;
  });
  const data = resolveData(o.data, { inputSize: 32, augment: 'crop', ...o });
  const n = (v: number): string => v.toLocaleString('en-US');
  const samples = n(describeDataset(data.train).length);
  const tests = data.eval === null ? 'no' : n(describeDataset(data.eval).length);
  return [
    '# Degradation: plain against residual networks on Fashion-MNIST',
    '',
    'He et al. (2015), Figure 6 / Table 6 on CIFAR-10, here on Fashion-MNIST with our engine: the',
    "paper's CIFAR networks (`resnet20` … `resnet56`: 3×3 stem, 3 stages of n basic blocks at 16/32/64",
    'planes, option A zero-pad shortcuts) and their plain twins (the same layers without skip',
    'connections), written by `bench/degradation.ts`.',
    '',
    `Setup: ${relative(REPO, o.data) || '.'}: ${samples} training images, ${tests} test images; ${o.epochs} epochs of batch ${o.batch}` +
      `${o.stepsPerEpoch === null ? '' : ` (at most ${o.stepsPerEpoch} steps each)`}; SGD momentum 0.9,` +
      ` weight decay 1e-4, lr ${o.lr} ×0.1 at 50 % and 75 % of the steps; 4-pixel padding + random` +
      ' 28×28 crop + horizontal flip, then a bilinear resize to 32×32, the gray channel replicated to 3;' +
      ` seed ${o.seed} for all (same data order and augmentations). Machine: ${cpus()[0]?.model ?? '?'},` +
      ` ${cpus().length} cores, load average ${loadavg()
        .map((v) => v.toFixed(2))
        .join(' ')} when written.`,
    '',
    '![Figure 6 layout: training error dashed, test error solid](degradation.png)',
    '',
    '| network | params | epochs | final train error | final test error | best test error | wall time |',
    '| ------- | -----: | -----: | ----------------: | ---------------: | --------------: | --------: |',
    ...rows,
    '',
    'Training error: the running top-1 error over the augmented batches of the epoch; test error: top-1',
    'on the test split after the epoch. Per-epoch values (with the lr at the epoch’s end and its',
    'seconds): `results.jsonl`.',
    '',
    ...torchComparison(o, nets, lines),
  ].join('\n');
}

async function writeResults(o: Options, nets: readonly Net[]): Promise<void> {
  mkdirSync(o.results, { recursive: true });
  const lines = resultLines(o, nets);
  writeLines(join(o.results, 'results.jsonl'), lines);
  if (lines.length > 0) writeLineCharts(join(o.results, 'degradation.png'), figure(o, nets, lines));
  await writeMarkdown(join(o.results, 'README.md'), report(o, nets, lines));
}

const SIGNAL_EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

async function main(): Promise<number> {
  const o = parseOptions();
  const nets = networks(o.depths);
  const stop = new AbortController();
  let received: NodeJS.Signals | null = null;
  const onSignal = (signal: NodeJS.Signals): void => {
    received ??= signal;
    stop.abort();
    process.stderr.write(`${signal}: stopping after the current step with a checkpoint\n`);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  for (const net of nets) {
    const now = state(o, net);
    if (now === 'done') {
      process.stderr.write(`${net.name}: done\n`);
      continue;
    }
    if (!o.resume && existsSync(join(o.out, net.name))) {
      throw new Error(`${join(o.out, net.name)} exists: continue with --resume or choose another --out`);
    }
    const out = join(o.out, net.name);
    const report = (event: TrainEvent): void => {
      if (event.type === 'epoch') {
        const m = event.metrics;
        process.stderr.write(
          `${net.name} epoch ${m.epoch}/${event.epochs}: train error ${pct(1 - m.trainAcc)}, test error ` +
            `${pct(m.valTop1 === null ? null : 1 - m.valTop1)}, lr ${m.lr.toPrecision(2)}, ${m.seconds.toFixed(0)} s\n`,
        );
      }
    };
    process.stderr.write(`${net.name}: ${now === 'partial' ? 'resuming' : 'starting'} in ${out}\n`);
    const result = await train(
      {
        data: o.data,
        arch: net.arch,
        shortcut: net.residual ? 'zero-pad' : 'none',
        epochs: o.epochs,
        batchSize: o.batch,
        lr: o.lr,
        momentum: 0.9,
        weightDecay: 1e-4,
        optimizer: 'sgd',
        schedule: 'multistep',
        augment: 'crop',
        inputSize: 32,
        seed: o.seed,
        trainSamples: o.trainSamples,
        evalSamples: o.evalSamples,
        stepsPerEpoch: o.stepsPerEpoch,
        workers: o.workers,
        backend: o.backend,
        keepCheckpoints: 1,
        out,
        resume: now === 'partial',
        stop: stop.signal,
      },
      report,
    );
    await writeResults(o, nets);
    if (result.interrupted !== null) {
      process.stderr.write(`${net.name}: stopped; continue with --resume (same flags)\n`);
      return SIGNAL_EXIT[received ?? 'SIGINT'];
    }
  }
  await writeResults(o, nets);
  process.stderr.write(`results in ${o.results}\n`);
  return 0;
}

main().then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`${err instanceof Error ? err.message : String(err)}\n`);
    process.exitCode = 1;
  },
);
