/**
 * The seed's thesis, measured: a ResNet and its plain twin (the same 50 weighted layers for
 * ResNet-50, every skip connection removed) are built with the same seed and trained on the same
 * batches with SGD (momentum 0.9) on the reference backend. For each network the study records the
 * L2 norm of the weight gradient of every weighted layer (conv1, every block's convolutions in order,
 * fc; the downsample projections are left out, so both networks have the same layer list), once at
 * initialization and once after the N steps (both times on the first batch, so only the weights
 * differ), and the training loss of every step.
 *
 * Data: an IDX dataset (Fashion-MNIST: 28×28 gray, resized to the input size and replicated to RGB)
 * or a small synthetic, linearly separable dataset for tests.
 */
import { UserError } from '../errors.js';
import { DataLoader, type Dataset, type DatasetSpec, type Sample } from '../data/loader.js';
import { resolveIdxSource } from '../data/datasets.js';
import { FASHION_MNIST_MEAN, FASHION_MNIST_STD } from '../data/idx.js';
import { withBackend } from '../backends/registry.js';
import { runInWorker } from '../runtime/in_worker.js';
import { resnet, MIN_INPUT_SIZE, type ArchName, type ResNet } from '../model/resnet.js';
import { Conv2d, Linear } from '../nn/layers.js';
import * as ops from '../ops/index.js';
import { Rng } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';
import { SGD } from './optim.js';

/** Options of gradientStudy. */
export interface GradientStudyOptions {
  /** SGD steps per network (≥ 1). */
  steps: number;
  /** Images per batch (≥ 2: batch norm needs more than one value per channel). */
  batch: number;
  /** Square input size in pixels (≥ 32). */
  inputSize: number;
  /** SGD learning rate (momentum 0.9, no weight decay). */
  lr: number;
  /** A dataset description (its transform should produce inputSize×inputSize images) or 'synthetic'. */
  data: DatasetSpec | 'synthetic';
  /** Seed of both networks' initialization and of the batch order. */
  seed: number;
  /** Architecture; the study is about resnet50, the others work the same way. */
  arch: ArchName;
}

/** One weighted layer of one network. */
export interface LayerGradient {
  /** 1-based position in the forward order. */
  index: number;
  /** Module path, e.g. `layer1.0.conv2`. */
  name: string;
  /** L2 norm of the weight gradient on the first batch at initialization. */
  init: number;
  /** L2 norm of the weight gradient on the first batch after the N steps. */
  final: number;
}

/** What the study measured for one network. */
export interface NetworkStudy {
  /** `resnet50` or `plain50` (for other depths likewise). */
  name: string;
  residual: boolean;
  layers: LayerGradient[];
  /** Training loss of each of the N steps (before that step's update). */
  losses: number[];
  /** Loss on the first batch after the N steps. */
  finalFirstBatchLoss: number;
  /** conv1's gradient norm divided by fc's, at initialization and after the N steps. */
  firstToLastInit: number;
  firstToLastFinal: number;
  /** Wall-clock seconds of the network's N + 1 forward/backward passes. */
  seconds: number;
}

/** The result of gradientStudy. */
export interface GradientStudyResult {
  arch: ArchName;
  steps: number;
  batch: number;
  inputSize: number;
  lr: number;
  momentum: number;
  seed: number;
  data: string;
  classes: readonly string[];
  residual: NetworkStudy;
  plain: NetworkStudy;
}

/** A progress event: one finished step (step 0 is the extra first-batch pass after training). */
export interface GradientStudyProgress {
  network: string;
  step: number;
  steps: number;
  loss: number;
  seconds: number;
}

export const STUDY_MOMENTUM = 0.9;

/** Classes of the synthetic dataset. */
export const SYNTHETIC_CLASSES: readonly string[] = Object.freeze(['red', 'green', 'blue', 'gray']);

/**
 * A linearly separable dataset: class k is noise (σ = 0.5) around a constant colour in normalized
 * units (one channel at +1 for the first three classes, all channels at −1 for the last).
 */
export function syntheticDataset(inputSize: number, length = 256): Dataset {
  const plane = inputSize * inputSize;
  const k = SYNTHETIC_CLASSES.length;
  return {
    length,
    classes: SYNTHETIC_CLASSES,
    get(index: number, rng: Rng): Sample {
      const label = index % k;
      const data = new Float32Array(3 * plane);
      for (let c = 0; c < 3; c++) {
        const mean = label === k - 1 ? -1 : c === label ? 1 : 0;
        for (let i = 0; i < plane; i++) data[c * plane + i] = mean + 0.5 * rng.normal();
      }
      return { data, label, height: inputSize, width: inputSize };
    },
  };
}

/** The Fashion-MNIST-style IDX description the CLI uses (`dir` or a data set's name): train split, resized, normalized. */
export function idxStudySpec(dir: string, inputSize: number): DatasetSpec {
  return {
    kind: 'idx',
    dir: resolveIdxSource(dir).dir,
    split: 'train',
    transform: { kind: 'none', size: inputSize, mean: FASHION_MNIST_MEAN, std: FASHION_MNIST_STD },
  };
}

/**
 * The weighted layers of a ResNet in forward order: conv1, each block's convolutions, fc. The
 * downsample projections (absent in the plain twin) are left out.
 */
export function weightedLayers(model: ResNet): [string, Conv2d | Linear][] {
  return model
    .namedModules()
    .filter(
      (entry): entry is [string, Conv2d | Linear] => entry[1] instanceof Conv2d || entry[1] instanceof Linear,
    )
    .filter(([path]) => !path.split('.').includes('downsample'));
}

function checkOptions(o: GradientStudyOptions): void {
  const int = (name: string, v: number, min: number): void => {
    if (!Number.isInteger(v) || v < min)
      throw new UserError(`Invalid ${name} ${v}: expected an integer ≥ ${min}.`);
  };
  int('number of steps', o.steps, 1);
  int('batch size', o.batch, 2);
  int('input size', o.inputSize, MIN_INPUT_SIZE);
  if (!Number.isSafeInteger(o.seed)) throw new UserError(`Invalid seed ${o.seed}: expected an integer.`);
  if (!(Number.isFinite(o.lr) && o.lr > 0))
    throw new UserError(`Invalid learning rate ${o.lr}: expected > 0.`);
}

function l2(data: Float32Array): number {
  let sum = 0;
  for (let i = 0; i < data.length; i++) sum += data[i] * data[i];
  return Math.sqrt(sum);
}

/** Loads the N batches (shuffled with `seed`, the last partial one dropped) both networks train on. */
async function loadBatches(
  o: GradientStudyOptions,
): Promise<{ batches: { x: Tensor; y: Int32Array }[]; classes: readonly string[] }> {
  const dataset = o.data === 'synthetic' ? syntheticDataset(o.inputSize) : o.data;
  const loader = new DataLoader(dataset, {
    batchSize: o.batch,
    shuffle: true,
    dropLast: true,
    seed: o.seed,
    workers: 0,
  });
  try {
    const classes = loader.classes;
    if (classes === undefined || classes.length < 2)
      throw new UserError('The dataset needs at least two classes.');
    if (loader.batchesPerEpoch < 1) {
      throw new UserError(`The dataset has ${loader.length} samples, fewer than one batch of ${o.batch}.`);
    }
    const batches: { x: Tensor; y: Int32Array }[] = [];
    for (let epoch = 0; batches.length < o.steps; epoch++) {
      for await (const b of loader.batches(epoch)) {
        const [, , h, w] = b.x.shape;
        if (h !== o.inputSize || w !== o.inputSize) {
          throw new UserError(`The dataset yields ${h}×${w} images, not ${o.inputSize}×${o.inputSize}.`);
        }
        batches.push({ x: b.x, y: b.y });
        if (batches.length === o.steps) break;
      }
    }
    return { batches, classes };
  } finally {
    await loader.close();
  }
}

function studyNetwork(
  o: GradientStudyOptions,
  residual: boolean,
  numClasses: number,
  batches: { x: Tensor; y: Int32Array }[],
  report: ((p: GradientStudyProgress) => void) | undefined,
): NetworkStudy {
  const name = residual ? o.arch : o.arch.replace('resnet', 'plain');
  const model = resnet(o.arch, { numClasses, residual, seed: o.seed, init: 'random' }).train();
  const optimizer = new SGD(model.parameters(), { lr: o.lr, momentum: STUDY_MOMENTUM });
  const layers = weightedLayers(model);
  const norms = (): number[] =>
    layers.map(([path, m]) => {
      const g = m.grads.get('weight');
      if (g === undefined) throw new Error(`${path} has no weight gradient`);
      return l2(g.data);
    });
  const pass = (b: { x: Tensor; y: Int32Array }): number =>
    withBackend('js', () => {
      optimizer.zeroGrad();
      const { loss, dlogits } = ops.crossEntropy(model.call(b.x), b.y);
      model.backward(dlogits);
      return loss;
    });
  const start = performance.now();
  const losses: number[] = [];
  let init: number[] = [];
  for (let step = 0; step < batches.length; step++) {
    const t = performance.now();
    const loss = pass(batches[step]);
    if (step === 0) init = norms();
    optimizer.step();
    losses.push(loss);
    report?.({
      network: name,
      step: step + 1,
      steps: batches.length,
      loss,
      seconds: (performance.now() - t) / 1000,
    });
  }
  const t = performance.now();
  const finalFirstBatchLoss = pass(batches[0]);
  const final = norms();
  report?.({
    network: name,
    step: 0,
    steps: batches.length,
    loss: finalFirstBatchLoss,
    seconds: (performance.now() - t) / 1000,
  });
  const last = layers.length - 1;
  return {
    name,
    residual,
    layers: layers.map(([path], i) => ({ index: i + 1, name: path, init: init[i], final: final[i] })),
    losses,
    finalFirstBatchLoss,
    firstToLastInit: init[0] / init[last],
    firstToLastFinal: final[0] / final[last],
    seconds: (performance.now() - start) / 1000,
  };
}

/** Describes the data option for reports. */
function describeData(data: DatasetSpec | 'synthetic'): string {
  if (data === 'synthetic') return 'synthetic';
  return data.kind === 'idx' ? `idx:${data.dir}` : `folder:${data.root}`;
}

/**
 * Runs the study: the residual network, then its plain twin, on the same N batches. `report` is
 * called after every step of each network. The work runs in a worker thread (the caller's event
 * loop stays free); `report` runs in the caller's thread, and if it throws the study stops there.
 */
export function gradientStudy(
  options: GradientStudyOptions,
  report?: (p: GradientStudyProgress) => void,
): Promise<GradientStudyResult> {
  return runInWorker<GradientStudyResult, GradientStudyProgress>(
    new URL('./gradient_study.js', import.meta.url),
    'gradientStudyInThisThread',
    options,
    report,
    { name: 'Gradient study worker' },
  );
}

/** `gradientStudy()` in the calling thread (its steps block the event loop). */
export async function gradientStudyInThisThread(
  options: GradientStudyOptions,
  report?: (p: GradientStudyProgress) => void,
): Promise<GradientStudyResult> {
  checkOptions(options);
  const { batches, classes } = await loadBatches(options);
  const residual = studyNetwork(options, true, classes.length, batches, report);
  const plain = studyNetwork(options, false, classes.length, batches, report);
  if (residual.layers.length !== plain.layers.length) {
    throw new Error(
      `${residual.layers.length} weighted layers in ${residual.name}, ${plain.layers.length} in ${plain.name}`,
    );
  }
  return {
    arch: options.arch,
    steps: options.steps,
    batch: options.batch,
    inputSize: options.inputSize,
    lr: options.lr,
    momentum: STUDY_MOMENTUM,
    seed: options.seed,
    data: describeData(options.data),
    classes,
    residual,
    plain,
  };
}
