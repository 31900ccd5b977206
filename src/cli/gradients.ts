/**
 * `resnet50 gradients`: trains ResNet-50 and its plain twin (no skip connections) on the same
 * batches and writes the per-layer gradient norms at initialization and after N steps (a log-scale
 * chart and a CSV table), the training loss of both (a chart) and a JSON summary.
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { describeDataset } from '../data/loader.js';
import { writeFileAtomic } from '../io/atomic_write.js';
import { checkArch } from '../tasks/pretrained.js';
import {
  gradientStudy,
  idxStudySpec,
  type GradientStudyResult,
  type NetworkStudy,
} from '../train/gradient_study.js';
import { writeLineChart, type LineChart } from '../viz/plot.js';
import {
  checkBatchFlags,
  inputSizeFlag,
  intFlag,
  stringFlag,
  numberFlag,
  UsageError,
  type Command,
} from './args.js';

/** `resnet50` → `ResNet-50`, `plain50` → `plain-50`. */
function displayName(name: string): string {
  const m = /^(resnet|plain)(\d+)$/.exec(name);
  if (m === null) return name;
  return `${m[1] === 'resnet' ? 'ResNet' : 'plain'}-${m[2]}`;
}

/** The per-layer table: one row per network and weighted layer. */
export function gradientCsv(result: GradientStudyResult): string {
  const rows = ['network,residual,index,layer,grad_norm_init,grad_norm_final'];
  for (const net of [result.residual, result.plain]) {
    for (const l of net.layers) {
      rows.push(
        [net.name, net.residual, l.index, l.name, l.init.toExponential(6), l.final.toExponential(6)].join(
          ',',
        ),
      );
    }
  }
  return `${rows.join('\n')}\n`;
}

function gradientChart(result: GradientStudyResult): LineChart {
  const series = (net: NetworkStudy, when: 'init' | 'final'): LineChart['series'][number] => ({
    name: `${displayName(net.name)}, ${when === 'init' ? 'at init' : `after ${result.steps} steps`}`,
    points: net.layers.map((l): [number, number] => [l.index, when === 'init' ? l.init : l.final]),
  });
  return {
    title: `Weight-gradient L2 norm per layer (${result.arch}, batch ${result.batch}, ${result.inputSize}x${result.inputSize})`,
    xLabel: 'weighted layer (1 = conv1, last = fc)',
    yLabel: 'gradient L2 norm',
    logY: true,
    series: [
      series(result.residual, 'init'),
      series(result.plain, 'init'),
      series(result.residual, 'final'),
      series(result.plain, 'final'),
    ],
  };
}

function lossChart(result: GradientStudyResult): LineChart {
  const series = (net: NetworkStudy): LineChart['series'][number] => ({
    name: displayName(net.name),
    points: net.losses.map((loss, i): [number, number] => [i + 1, loss]),
  });
  return {
    title: `Training loss (SGD lr ${result.lr}, momentum ${result.momentum}, batch ${result.batch})`,
    xLabel: 'step',
    yLabel: 'cross-entropy loss',
    series: [series(result.residual), series(result.plain)],
  };
}

const mean = (xs: readonly number[]): number => xs.reduce((a, b) => a + b, 0) / xs.length;

/** The JSON summary: options, per-network headline numbers, and the full per-layer data. */
export function gradientSummary(result: GradientStudyResult): Record<string, unknown> {
  const tail = Math.min(5, result.steps);
  const headline = (net: NetworkStudy): Record<string, unknown> => ({
    name: net.name,
    residual: net.residual,
    firstToLastInit: net.firstToLastInit,
    firstToLastFinal: net.firstToLastFinal,
    firstLayerInit: net.layers[0].init,
    lastLayerInit: net.layers[net.layers.length - 1].init,
    firstLayerFinal: net.layers[0].final,
    lastLayerFinal: net.layers[net.layers.length - 1].final,
    initialLoss: net.losses[0],
    lastLoss: net.losses[net.losses.length - 1],
    meanLossLastSteps: mean(net.losses.slice(-tail)),
    finalFirstBatchLoss: net.finalFirstBatchLoss,
    seconds: net.seconds,
    losses: net.losses,
    layers: net.layers,
  });
  return {
    arch: result.arch,
    steps: result.steps,
    batch: result.batch,
    inputSize: result.inputSize,
    lr: result.lr,
    momentum: result.momentum,
    seed: result.seed,
    data: result.data,
    classes: result.classes,
    weightedLayers: result.residual.layers.length,
    meanLossLastSteps: tail,
    residual: headline(result.residual),
    plain: headline(result.plain),
  };
}

export const gradientsCommand: Command = {
  name: 'gradients',
  summary: 'gradient norms per layer: ResNet-50 vs its plain twin',
  help: `Usage: resnet50 gradients --out DIR [--data idx:DIR|synthetic] [--steps N] [--batch B]
                          [--input-size S] [--lr LR] [--seed K] [--arch resnet50] [--json]

Builds ResNet-50 and its plain twin (the same 50 weighted layers, every skip connection removed)
with the same seed and torchvision's initialization, trains both with SGD (momentum 0.9) on the
same N batches on the reference backend, and measures the L2 norm of every weighted layer's weight
gradient (conv1, every block's convolutions, fc; not the downsample projections) on the first
batch, at initialization and after the N steps. Progress goes to stderr.

Writes into DIR:
  gradient_norms.png   layer index vs gradient norm (log scale), 4 series
  gradient_norms.csv   network,residual,index,layer,grad_norm_init,grad_norm_final
  loss.png             training loss of both networks per step
  summary.json         options, first/last-layer gradient ratios, losses, per-layer norms

  --out DIR          output directory (created if needed)
  --data D           idx:DIR (an MNIST-style directory such as Fashion-MNIST: 28×28 gray images
                     resized to S×S, replicated to RGB) or synthetic (default; separable noise)
  --steps N          SGD steps per network (default 30)
  --batch B          images per batch (default 8, at least 2)
  --input-size S     input size in pixels (default 64, at least 32)
  --lr LR            learning rate (default 0.01)
  --seed K           seed of the initialization and the batch order (default 0)
  --arch A           resnet18, resnet34, resnet50 (default), resnet101, resnet152
  --json             print summary.json to stdout instead of a short report`,
  flags: {
    out: { type: 'string' },
    data: { type: 'string' },
    steps: { type: 'string' },
    batch: { type: 'string' },
    'input-size': { type: 'string' },
    lr: { type: 'string' },
    seed: { type: 'string' },
    arch: { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(values) {
    const out = stringFlag(values, 'out');
    if (out === undefined)
      throw new UsageError("gradients: missing --out DIR (see 'resnet50 gradients --help').");
    const arch = checkArch(stringFlag(values, 'arch') ?? 'resnet50');
    const steps = intFlag(values, 'steps', 30);
    const batch = intFlag(values, 'batch', 8, 2);
    const inputSize = inputSizeFlag(values, 'input-size', 64, 32);
    checkBatchFlags(arch, batch, [inputSize, inputSize], true, 'input-size');
    const lr = numberFlag(values, 'lr', { min: 0, above: true }) ?? 0.01;
    const seed = intFlag(values, 'seed', 0, 0);
    const dataFlag = stringFlag(values, 'data') ?? 'synthetic';
    let data: 'synthetic' | ReturnType<typeof idxStudySpec>;
    if (dataFlag === 'synthetic') data = 'synthetic';
    else if (dataFlag.startsWith('idx:') && dataFlag.length > 4)
      data = idxStudySpec(dataFlag.slice(4), inputSize);
    else throw new UsageError(`--data must be idx:DIR or synthetic, got '${dataFlag}'.`);

    if (data !== 'synthetic') describeDataset(data); // a missing or broken dataset fails before any work
    mkdirSync(out, { recursive: true });
    const started = performance.now();
    const result = await gradientStudy({ steps, batch, inputSize, lr, data, seed, arch }, (p) => {
      const what = p.step === 0 ? 'first batch again' : `step ${p.step}/${p.steps}`;
      const total = ((performance.now() - started) / 1000).toFixed(0);
      process.stderr.write(
        `${p.network} ${what}: loss ${p.loss.toFixed(4)} (${p.seconds.toFixed(1)} s, ${total} s total)\n`,
      );
    });

    const summary = gradientSummary(result);
    writeLineChart(join(out, 'gradient_norms.png'), gradientChart(result));
    writeLineChart(join(out, 'loss.png'), lossChart(result));
    writeFileAtomic(join(out, 'gradient_norms.csv'), [Buffer.from(gradientCsv(result))]);
    writeFileAtomic(join(out, 'summary.json'), [Buffer.from(`${JSON.stringify(summary, null, 2)}\n`)]);

    if (values.json === true) {
      process.stdout.write(`${JSON.stringify(summary)}\n`);
      return;
    }
    const line = (net: NetworkStudy): string =>
      `${displayName(net.name).padEnd(10)} conv1/fc gradient norm: ${net.firstToLastInit.toPrecision(3)} at init, ` +
      `${net.firstToLastFinal.toPrecision(3)} after ${result.steps} steps; loss ${net.losses[0].toFixed(3)} → ` +
      `${net.losses[net.losses.length - 1].toFixed(3)}`;
    process.stdout.write(
      `${[line(result.residual), line(result.plain), `wrote gradient_norms.png, gradient_norms.csv, loss.png, summary.json to ${out}`].join('\n')}\n`,
    );
  },
};
