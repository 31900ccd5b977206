/**
 * The training loop (native or reference kernels): builds a ResNet for a dataset (IDX or ImageFolder),
 * optionally starts from weights (fine-tuning; a head of another class count is replaced by a
 * freshly initialized one), trains with SGD or AdamW under a per-step lr schedule, evaluates on the
 * held-out split after every epoch, and keeps a run directory:
 *
 *   RUNDIR/steps.jsonl                  one line per optimizer step (epoch, step, loss, acc, lr)
 *   RUNDIR/metrics.jsonl                one line per epoch (trainLoss, trainAcc, valTop1, valTop5, …)
 *   RUNDIR/curves.png                   two panels: loss per step and per epoch; accuracies per epoch
 *   RUNDIR/checkpoint-epoch-N.safetensors   the `keepCheckpoints` latest epochs (see checkpoint.ts)
 *   RUNDIR/last.safetensors             where `resume` continues: the latest epoch, or the step
 *                                       where a stopped run (`stop`) ended
 *   RUNDIR/final.safetensors            the model's state dict (torchvision keys)
 *
 * Everything is deterministic: the initialization is seeded, the loader's order depends only on
 * (seed, epoch) and each sample's augmentation on (seed, epoch, index), and a checkpoint inside an
 * epoch records the step within it and the epoch's running sums, so `resume` reproduces the step
 * losses, metrics and final weights of an uninterrupted run exactly, from an epoch boundary or from
 * any step. A resumed run keeps the options it was started with; only `epochs` (when the schedule
 * does not depend on the run's length), `data`, `workers` and `keepCheckpoints` may change.
 */
import { appendFileSync, existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { copyFileAtomic, removeUnfinishedWrites, writeFileAtomic } from '../io/atomic_write.js';
import { evalPreset, type EvalTransform, type TrainTransform } from '../data/augment.js';
import type { Preset } from '../data/transforms.js';
import { FASHION_MNIST_MEAN, FASHION_MNIST_STD, idxFilePath } from '../data/idx.js';
import { resolveIdxSource } from '../data/datasets.js';
import { scanImageFolder } from '../data/image_folder.js';
import { DataLoader, describeDataset, type DatasetSpec } from '../data/loader.js';
import { FileFormatError, StateDictError, UserError } from '../errors.js';
import { loadWeightsFile, saveWeightsFile } from '../io/weights/index.js';
import { checkActivationMemory, checkInputSize, checkWorkers } from '../limits.js';
import { ARCHITECTURES, resnet, type ArchName, type ResNet } from '../model/resnet.js';
import { BatchNorm2d } from '../nn/layers.js';
import type { ParamRef } from '../nn/module.js';
import * as ops from '../ops/index.js';
import { runInWorker } from '../runtime/in_worker.js';
import { modelCardMetadata } from '../tasks/model_card.js';
import { archMismatch, checkArch, guessArch, resolveWeights } from '../tasks/pretrained.js';
import { resolveBackend } from '../tasks/runner.js';
import { getBackend, setBackend } from '../backends/registry.js';
import { NativeResNet } from '../backends/native/compile.js';
import { Tensor } from '../tensor/tensor.js';
import { writeLineCharts, type LineChart } from '../viz/plot.js';
import {
  loadCheckpoint,
  readCheckpointMeta,
  saveCheckpoint,
  type CheckpointMeta,
  type EpochProgress,
  type JsonValue,
} from './checkpoint.js';
import { AdamW, clipGradNorm, paramGroupsExcludingNoDecay, SGD, type Optimizer } from './optim.js';
import {
  cosineAnnealingLR,
  LrScheduler,
  oneCycleLR,
  stepLR,
  withWarmup,
  type LrSchedule,
} from './schedules.js';

export type OptimizerName = 'sgd' | 'adamw';
export type ScheduleName = 'none' | 'step' | 'cosine' | 'onecycle';
export type AugmentName = 'none' | 'standard' | 'crop';
/** 'backbone': only fc trains (the rest runs in eval mode); 'bn': BN layers in eval mode with frozen affine. */
export type FreezeMode = 'none' | 'backbone' | 'bn';

export const OPTIMIZERS: readonly OptimizerName[] = ['sgd', 'adamw'];
export const SCHEDULES: readonly ScheduleName[] = ['none', 'step', 'cosine', 'onecycle'];
export const AUGMENTS: readonly AugmentName[] = ['none', 'standard', 'crop'];
export const FREEZE_MODES: readonly FreezeMode[] = ['none', 'backbone', 'bn'];

export interface TrainOptions {
  /**
   * An ImageFolder directory (with train/ and val/ sub-folders, or one folder per class), `idx:DIR`,
   * or `idx:fashion-mnist` / `idx:mnist` (the copy `fetchDataset` keeps in the cache).
   */
  data: string;
  /** resnet18 … resnet152 (default resnet50). */
  arch?: string;
  /** Size of the head (default: the dataset's class count). */
  classes?: number;
  epochs?: number;
  batchSize?: number;
  /** Default 0.1 for SGD, 1e-3 for AdamW. */
  lr?: number;
  /** SGD momentum, AdamW beta1 (default 0.9). */
  momentum?: number;
  /** Default 1e-4 for SGD, 1e-2 for AdamW; never applied to biases and BN parameters. */
  weightDecay?: number;
  optimizer?: OptimizerName;
  /** Per-step schedule over the whole run (default none): step = ×0.1 at each third. */
  schedule?: ScheduleName;
  /** Linear warm-up from 1 % of the lr over this many epochs (default 0). */
  warmupEpochs?: number;
  labelSmoothing?: number;
  /** Clip the gradient norm to this value. */
  clip?: number | null;
  /** Training and evaluation image size (default 32 for IDX data, 224 for image folders). */
  inputSize?: number | null;
  /**
   * 'standard' (default): RandomResizedCrop + horizontal flip; 'crop': RandomCrop with 4 px of zero
   * padding + horizontal flip on the source image, then the evaluation preprocessing (for small
   * images such as Fashion-MNIST); 'none': the evaluation preprocessing.
   */
  augment?: AugmentName;
  shuffle?: boolean;
  /** Seeds the initialization, the shuffles and the augmentations (default 0). */
  seed?: number;
  /** Weights to start from: a file or IMAGENET1K_V1 / IMAGENET1K_V2 / DEFAULT. */
  from?: string | null;
  freeze?: FreezeMode;
  /** At most this many steps per epoch (quick runs). */
  stepsPerEpoch?: number | null;
  /** Use only the first N training samples. */
  trainSamples?: number | null;
  /** Evaluate on only the first N held-out samples. */
  evalSamples?: number | null;
  /** Loader worker threads (0 = in the training thread; default 1). */
  workers?: number;
  /** The run directory (default runs/<arch>-<date>). */
  out?: string;
  /**
   * Keep the checkpoints of this many latest epochs as checkpoint-epoch-N files (default 2; 0: none);
   * last.safetensors is always written.
   */
  keepCheckpoints?: number;
  /**
   * Continue from RUNDIR/last.safetensors with the options saved in it. `data`, `workers` and
   * `keepCheckpoints` given now replace theirs, and so may `epochs` when the schedule is 'none'; any
   * other option given must equal the saved one (`findRunConflict` says which does not).
   */
  resume?: boolean;
}

/** Options with every default filled in, as saved in checkpoints. */
export type ResolvedTrainOptions = {
  data: string;
  arch: ArchName;
  classes: number | null;
  epochs: number;
  batchSize: number;
  lr: number;
  momentum: number;
  weightDecay: number;
  optimizer: OptimizerName;
  schedule: ScheduleName;
  warmupEpochs: number;
  labelSmoothing: number;
  clip: number | null;
  inputSize: number | null;
  augment: AugmentName;
  shuffle: boolean;
  seed: number;
  from: string | null;
  freeze: FreezeMode;
  stepsPerEpoch: number | null;
  trainSamples: number | null;
  evalSamples: number | null;
  workers: number;
  out: string;
  keepCheckpoints: number;
};

/** One line of metrics.jsonl. Accuracies are fractions in [0, 1]; val* are null without an eval split. */
export type EpochMetrics = {
  epoch: number;
  step: number;
  trainLoss: number;
  trainAcc: number;
  valTop1: number | null;
  valTop5: number | null;
  lr: number;
  imgPerSec: number;
  seconds: number;
};

/** One line of steps.jsonl. */
export type StepRecord = { epoch: number; step: number; loss: number; acc: number; lr: number };

export type TrainEvent =
  | {
      type: 'start';
      runDir: string;
      arch: ArchName;
      numClasses: number;
      trainSamples: number;
      evalSamples: number;
      epochs: number;
      startEpoch: number;
      stepsPerEpoch: number;
      batchSize: number;
      notes: string[];
      /** The epochs finished before this call (a resumed run), else empty. */
      metrics: EpochMetrics[];
    }
  | {
      type: 'step';
      epoch: number;
      epochs: number;
      step: number;
      stepsPerEpoch: number;
      globalStep: number;
      loss: number;
      /** Running mean loss and accuracy of the epoch so far. */
      meanLoss: number;
      acc: number;
      lr: number;
      imgPerSec: number;
      etaSeconds: number;
    }
  | { type: 'epoch'; epochs: number; metrics: EpochMetrics; checkpoint: string }
  | { type: 'end'; result: TrainResult };

export interface TrainResult {
  runDir: string;
  arch: ArchName;
  numClasses: number;
  classes: string[];
  /** Epochs completed in total (including those before a resume). */
  epochs: number;
  globalStep: number;
  metrics: EpochMetrics[];
  /** The trained weights; null when the run was stopped (see `interrupted`). */
  finalWeights: string | null;
  lastCheckpoint: string | null;
  /**
   * Set when `stop` ended the run early: the epoch it was in (1-based) and the steps of it done
   * (0: it stopped at the epoch's start); `lastCheckpoint` holds that point and `resume` continues it.
   */
  interrupted: { epoch: number; step: number; stepsPerEpoch: number } | null;
  /** Fine-tuning: the loaded head did not fit and fc was freshly initialized. */
  headReplaced: boolean;
  notes: string[];
}

/** Train and evaluation splits of a dataset, with their transforms. */
export interface DataSplits {
  kind: 'idx' | 'folder';
  train: DatasetSpec;
  eval: DatasetSpec | null;
  classes: readonly string[];
  inputSize: number;
  /** The evaluation preprocessing as a preset (IDX images are one-channel: grayscale). */
  preprocess: Preset;
}

function fail(message: string): never {
  throw new UserError(message);
}

function checkNumber(name: string, v: number, min: number, integer: boolean, max = Infinity): void {
  if (
    typeof v !== 'number' ||
    !Number.isFinite(v) ||
    v < min ||
    v > max ||
    (integer && !Number.isInteger(v))
  ) {
    fail(
      `Invalid ${name} ${String(v)}: expected ${integer ? 'an integer' : 'a number'} ≥ ${min}${max < Infinity ? ` and ≤ ${max}` : ''}.`,
    );
  }
}

function checkChoice<T extends string>(name: string, v: T, choices: readonly T[]): void {
  if (!choices.includes(v)) fail(`Invalid ${name} '${String(v)}': expected one of ${choices.join(', ')}.`);
}

function optionalCount(name: string, v: number | null | undefined, min = 1): number | null {
  if (v === undefined || v === null) return null;
  checkNumber(name, v, min, true);
  return v;
}

/** Fills in defaults and checks every option (UserErrors name the option). */
export function resolveTrainOptions(o: TrainOptions): ResolvedTrainOptions {
  if (typeof o.data !== 'string' || o.data === '') fail('The training data (data) is missing.');
  const arch = checkArch(o.arch ?? 'resnet50');
  const optimizer = o.optimizer ?? 'sgd';
  checkChoice('optimizer', optimizer, OPTIMIZERS);
  const r: ResolvedTrainOptions = {
    data: o.data,
    arch,
    classes: optionalCount('classes', o.classes),
    epochs: o.epochs ?? 1,
    batchSize: o.batchSize ?? 32,
    lr: o.lr ?? (optimizer === 'sgd' ? 0.1 : 1e-3),
    momentum: o.momentum ?? 0.9,
    weightDecay: o.weightDecay ?? (optimizer === 'sgd' ? 1e-4 : 1e-2),
    optimizer,
    schedule: o.schedule ?? 'none',
    warmupEpochs: o.warmupEpochs ?? 0,
    labelSmoothing: o.labelSmoothing ?? 0,
    clip: o.clip ?? null,
    inputSize: o.inputSize ?? null,
    augment: o.augment ?? 'standard',
    shuffle: o.shuffle ?? true,
    seed: o.seed ?? 0,
    from: o.from ?? null,
    freeze: o.freeze ?? 'none',
    stepsPerEpoch: optionalCount('stepsPerEpoch', o.stepsPerEpoch),
    trainSamples: optionalCount('trainSamples', o.trainSamples),
    evalSamples: optionalCount('evalSamples', o.evalSamples),
    workers: o.workers ?? 1,
    out: o.out ?? join('runs', `${arch}-${new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19)}`),
    keepCheckpoints: o.keepCheckpoints ?? 2,
  };
  checkNumber('epochs', r.epochs, 1, true);
  checkNumber('batchSize', r.batchSize, 2, true);
  checkNumber('lr', r.lr, 0, false);
  checkNumber('momentum', r.momentum, 0, false, optimizer === 'adamw' ? 0.999999 : Infinity);
  checkNumber('weightDecay', r.weightDecay, 0, false);
  checkChoice('schedule', r.schedule, SCHEDULES);
  checkNumber('warmupEpochs', r.warmupEpochs, 0, true);
  if (r.warmupEpochs >= r.epochs && r.warmupEpochs > 0) {
    fail(`The warm-up (${r.warmupEpochs} epochs) must be shorter than the run (${r.epochs} epochs).`);
  }
  checkNumber('labelSmoothing', r.labelSmoothing, 0, false, 1);
  if (r.clip !== null) checkNumber('clip', r.clip, Number.MIN_VALUE, false);
  if (r.inputSize !== null) checkInputSize('inputSize', r.inputSize, 32);
  checkChoice('augment', r.augment, AUGMENTS);
  if (typeof r.shuffle !== 'boolean') fail(`Invalid shuffle ${String(r.shuffle)}: expected true or false.`);
  checkNumber('seed', r.seed, 0, true, Number.MAX_SAFE_INTEGER);
  checkChoice('freeze', r.freeze, FREEZE_MODES);
  checkWorkers('workers', r.workers);
  checkNumber('keepCheckpoints', r.keepCheckpoints, 0, true);
  return r;
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

function hasIdxFiles(dir: string): boolean {
  try {
    idxFilePath(dir, 'train', 'images');
    return true;
  } catch {
    return false;
  }
}

function firstN(n: number | null, length: number): number[] | undefined {
  return n === null ? undefined : Array.from({ length: Math.min(n, length) }, (_, i) => i);
}

/**
 * The splits of `data` (`idx:DIR`, a directory of IDX files, or an ImageFolder) and their
 * transforms: training with `augment`, evaluation with the evaluation preprocessing (IDX: resize to
 * the input size; folders: resize 256 + center crop 224 at 224, else a resize to the input size),
 * normalized with Fashion-MNIST's statistics for IDX data and ImageNet's otherwise.
 */
export function resolveData(
  data: string,
  opts: {
    inputSize?: number | null;
    augment?: AugmentName;
    trainSamples?: number | null;
    evalSamples?: number | null;
  } = {},
): DataSplits {
  const explicitIdx = data.startsWith('idx:');
  const { dir, classes } = explicitIdx ? resolveIdxSource(data.slice(4)) : { dir: data, classes: undefined };
  if (!isDirectory(dir)) fail(`--data ${dir}: no such directory.`);
  const idx = explicitIdx || hasIdxFiles(dir);
  const inputSize = opts.inputSize ?? (idx ? 32 : 224);
  checkNumber('input size', inputSize, 32, true);
  const augment = opts.augment ?? 'standard';
  if (idx) {
    const norm = { mean: FASHION_MNIST_MEAN, std: FASHION_MNIST_STD };
    const evalT: EvalTransform = { kind: 'none', size: inputSize, ...norm };
    const trainT: TrainTransform =
      augment === 'standard'
        ? { kind: 'standard', size: inputSize, ...norm }
        : augment === 'crop'
          ? { ...evalT, kind: 'crop' }
          : evalT;
    const trainBase: DatasetSpec = { kind: 'idx', dir, split: 'train', transform: trainT, classes };
    const info = describeDataset(trainBase);
    const train: DatasetSpec = { ...trainBase, indices: firstN(opts.trainSamples ?? null, info.length) };
    let evalSpec: DatasetSpec | null = null;
    let hasTest = true;
    try {
      idxFilePath(dir, 'test', 'images');
      idxFilePath(dir, 'test', 'labels');
    } catch {
      hasTest = false;
    }
    if (hasTest) {
      const base: DatasetSpec = { kind: 'idx', dir, split: 'test', transform: evalT, classes };
      const n = describeDataset(base).length;
      evalSpec = { ...base, indices: firstN(opts.evalSamples ?? null, n) };
    }
    const preprocess = { ...evalPreset(evalT), grayscale: true };
    return { kind: 'idx', train, eval: evalSpec, classes: info.classes, inputSize, preprocess };
  }
  const evalT: EvalTransform =
    inputSize === 224 ? { kind: 'none', preset: 'imagenet-v1' } : { kind: 'none', size: inputSize };
  const trainT: TrainTransform =
    augment === 'standard'
      ? { kind: 'standard', size: inputSize }
      : augment === 'crop'
        ? { ...evalT, kind: 'crop' }
        : evalT;
  const split = isDirectory(join(dir, 'train'));
  const trainRoot = split ? join(dir, 'train') : dir;
  const trainIndex = scanImageFolder(trainRoot);
  const train: DatasetSpec = {
    kind: 'folder',
    root: trainRoot,
    transform: trainT,
    indices: firstN(opts.trainSamples ?? null, trainIndex.samples.length),
  };
  let evalSpec: DatasetSpec | null = null;
  const valRoot = join(dir, 'val');
  if (split && isDirectory(valRoot)) {
    const valIndex = scanImageFolder(valRoot);
    if (valIndex.classes.join('\n') !== trainIndex.classes.join('\n')) {
      fail(`${valRoot}: its class folders differ from those of ${trainRoot}.`);
    }
    evalSpec = {
      kind: 'folder',
      root: valRoot,
      transform: evalT,
      indices: firstN(opts.evalSamples ?? null, valIndex.samples.length),
    };
  }
  const preprocess = evalPreset(evalT);
  return { kind: 'folder', train, eval: evalSpec, classes: trainIndex.classes, inputSize, preprocess };
}

/**
 * The evaluation split of `data` for `resnet50 eval`: IDX `test`, an ImageFolder's `val/`, or the
 * whole folder when it has no train/val split.
 */
export function resolveEvalData(
  data: string,
  opts: { inputSize?: number | null; samples?: number | null } = {},
): { spec: DatasetSpec; classes: readonly string[]; inputSize: number; split: string } {
  const splits = resolveData(data, { inputSize: opts.inputSize, augment: 'none', evalSamples: opts.samples });
  if (splits.eval !== null) {
    return {
      spec: splits.eval,
      classes: splits.classes,
      inputSize: splits.inputSize,
      split: splits.kind === 'idx' ? 'test' : 'val',
    };
  }
  if (splits.kind === 'idx') fail(`--data ${data}: no t10k (test) IDX files to evaluate on.`);
  const spec = { ...splits.train, indices: undefined } as DatasetSpec;
  const n = describeDataset(spec).length;
  return {
    spec: { ...spec, indices: firstN(opts.samples ?? null, n) },
    classes: splits.classes,
    inputSize: splits.inputSize,
    split: 'all',
  };
}

/** Top-1/top-5 accuracy (fractions), mean loss and confusion matrix (rows: true class). */
export interface EvalResult {
  count: number;
  top1: number;
  top5: number;
  loss: number;
  confusion: number[][];
}

/** Runs `forward` over every batch of `loader` (epoch 0) and scores the logits. */
export async function evaluate(
  forward: (x: Tensor) => Promise<Tensor>,
  loader: DataLoader,
  numClasses: number,
): Promise<EvalResult> {
  const confusion = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  let count = 0;
  let top1 = 0;
  let top5 = 0;
  let lossSum = 0;
  const k = Math.min(5, numClasses);
  for await (const batch of loader.batches(0)) {
    const logits = await forward(batch.x);
    const [n, classes] = logits.shape;
    if (classes !== numClasses) fail(`The model gives ${classes} logits, expected ${numClasses}.`);
    for (const y of batch.y) {
      if (y >= numClasses) fail(`Label ${y} is outside the model's ${numClasses} classes.`);
    }
    lossSum += ops.crossEntropy(logits, batch.y, 0).loss * n;
    for (let i = 0; i < n; i++) {
      const row = logits.data.subarray(i * classes, (i + 1) * classes);
      const y = batch.y[i];
      let best = 0;
      let above = 0;
      for (let c = 0; c < classes; c++) {
        if (row[c] > row[best]) best = c;
        if (row[c] > row[y] || (row[c] === row[y] && c < y)) above++;
      }
      if (best === y) top1++;
      if (above < k) top5++;
      confusion[y][best]++;
    }
    count += n;
  }
  if (count === 0) fail('The evaluation split is empty.');
  return { count, top1: top1 / count, top5: top5 / count, loss: lossSum / count, confusion };
}

/** Weights of `from` (a file or a registry name) as torchvision-named tensors. */
async function readFromWeights(
  from: string,
  arch: ArchName,
): Promise<{ path: string; tensors: Map<string, Tensor> }> {
  const { weightsPath } = await resolveWeights({ arch, weights: from });
  return { path: weightsPath, tensors: loadWeightsFile(weightsPath) };
}

/**
 * Loads fine-tuning weights into `model`; a missing head or one of another class count is kept as
 * initialized (torchvision init). Returns whether the head was replaced and a note saying so.
 */
async function loadFrom(
  model: ResNet,
  from: string,
  arch: ArchName,
): Promise<{ replaced: boolean; note: string | null }> {
  const { path, tensors } = await readFromWeights(from, arch);
  const fileArch = guessArch(tensors.keys());
  if (fileArch !== undefined && fileArch !== arch) {
    throw archMismatch(path, fileArch, arch);
  }
  const own = model.stateDict();
  const ownFc = own.get('fc.weight');
  const fileFc = tensors.get('fc.weight');
  const fits = ownFc !== undefined && fileFc !== undefined && fileFc.shape.join() === ownFc.shape.join();
  const merged = new Map(tensors);
  if (!fits) {
    for (const key of [...merged.keys()]) if (key.startsWith('fc.')) merged.delete(key);
    for (const [key, t] of own) if (key.startsWith('fc.')) merged.set(key, t.clone());
  }
  model.loadStateDict(merged, { source: path });
  if (fits) return { replaced: false, note: null };
  const fileClasses = fileFc === undefined ? 'no classification head' : `${fileFc.shape[0]} classes`;
  return {
    replaced: true,
    note: `${path} has ${fileClasses} and the data ${ownFc?.shape[0]}: fc.weight and fc.bias are freshly initialized (the rest is loaded).`,
  };
}

/** Puts the model in training mode as the freeze mode wants. */
/**
 * The evaluation forward pass of `model` as it is now: on the native backend a fused inference plan
 * (BN folded, compiled from the current weights, off the event loop), else the module tree.
 */
function evalForward(model: ResNet): (x: Tensor) => Promise<Tensor> {
  if (getBackend().name !== 'native') return async (x) => model.call(x);
  const plan = new NativeResNet(model);
  return (x) => plan.forward(x);
}

function setTrainingMode(model: ResNet, freeze: FreezeMode): void {
  if (freeze === 'backbone') {
    model.eval();
    model.fc?.train();
    return;
  }
  model.train();
  if (freeze === 'bn')
    for (const [, m] of model.namedModules()) if (m instanceof BatchNorm2d) m.training = false;
}

function trainableParams(model: ResNet, all: ParamRef[], freeze: FreezeMode): ParamRef[] {
  if (freeze === 'backbone') return all.filter((p) => p.name.startsWith('fc.'));
  if (freeze === 'bn') {
    const frozen = new Set<string>();
    for (const [path, m] of model.namedModules()) {
      if (m instanceof BatchNorm2d) for (const name of ['weight', 'bias']) frozen.add(`${path}.${name}`);
    }
    return all.filter((p) => !frozen.has(p.name));
  }
  return all;
}

function buildOptimizer(o: ResolvedTrainOptions, params: ParamRef[]): Optimizer {
  const groups = paramGroupsExcludingNoDecay(params, o.weightDecay);
  if (o.optimizer === 'adamw')
    return new AdamW(groups, { lr: o.lr, weightDecay: o.weightDecay, betas: [o.momentum, 0.999] });
  return new SGD(groups, { lr: o.lr, momentum: o.momentum, weightDecay: o.weightDecay });
}

/** The per-step schedule over `epochs × stepsPerEpoch` steps, with the warm-up first. */
function buildSchedule(o: ResolvedTrainOptions, stepsPerEpoch: number): LrSchedule {
  const total = o.epochs * stepsPerEpoch;
  const warmup = o.warmupEpochs * stepsPerEpoch;
  const main = Math.max(1, total - warmup);
  let schedule: LrSchedule;
  if (o.schedule === 'step') schedule = stepLR(Math.max(1, Math.ceil(main / 3)), 0.1);
  else if (o.schedule === 'cosine') schedule = cosineAnnealingLR(main);
  else if (o.schedule === 'onecycle') schedule = oneCycleLR({ totalSteps: main });
  else schedule = (_step, baseLr) => baseLr;
  return warmup > 0 ? withWarmup(schedule, warmup, 0.01) : schedule;
}

function writeLines(path: string, lines: readonly object[]): void {
  const text = lines.map((l) => `${JSON.stringify(l)}\n`).join('');
  writeFileAtomic(path, [Buffer.from(text, 'utf8')]);
}

function readJsonLines<T>(path: string): T[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as T];
      } catch {
        return [];
      }
    });
}

/** What curves.png shows: the steps and epochs so far, the run's length, and what stopped it. */
interface CurvesInput {
  steps: readonly StepRecord[];
  metrics: readonly EpochMetrics[];
  stepsPerEpoch: number;
  epochs: number;
  hasEval: boolean;
  /** Why the run ended early (a stop, a loss that is not finite), or null. */
  stopped: string | null;
}

/**
 * Two panels with their own y axes over the run's epochs: the loss of every step (thin) and each
 * epoch's mean, then training accuracy and validation top-1/top-5 per epoch. Notes say what is not
 * there yet or at all (see LineChart).
 */
function writeCurves(path: string, c: CurvesInput): void {
  const xRange: [number, number] = [0, c.epochs];
  const loss: LineChart = {
    title: 'Training loss',
    xLabel: 'epoch',
    yLabel: 'loss',
    xRange,
    series: [
      { name: 'per step', thin: true, points: c.steps.map((s) => [s.step / c.stepsPerEpoch, s.loss]) },
      { name: 'epoch mean', points: c.metrics.map((m) => [m.epoch, m.trainLoss]) },
    ],
    notes: c.stopped === null ? [] : [c.stopped],
  };
  const accuracy: LineChart = {
    title: 'Accuracy',
    xLabel: 'epoch',
    yLabel: 'accuracy',
    xRange,
    series: [{ name: 'train', points: c.metrics.map((m) => [m.epoch, m.trainAcc]) }],
    notes: [
      ...(c.metrics.length === 0 ? ['accuracy is measured at the end of each epoch'] : []),
      ...(c.hasEval ? [] : ['no held-out split: no validation accuracy']),
    ],
  };
  if (c.hasEval) {
    for (const [name, key] of [
      ['val top-1', 'valTop1'],
      ['val top-5', 'valTop5'],
    ] as const) {
      accuracy.series.push({ name, points: c.metrics.map((m) => [m.epoch, m[key] ?? NaN]) });
    }
  }
  writeLineCharts(path, [loss, accuracy]);
}

/** Options a resumed run may be given anew; every other option given must equal the saved one. */
const RESUMABLE_ANEW: ReadonlySet<string> = new Set([
  'data',
  'workers',
  'keepCheckpoints',
  'out',
  'resume',
  'epochs',
]);

/**
 * Why a run cannot start or resume in its directory, as data: the library words it with option
 * names (describeRunConflict), the CLI with its flags.
 */
export type RunConflict =
  /** The directory holds a run and `resume` is not set. */
  | { kind: 'occupied'; runDir: string }
  | { kind: 'nothing to resume'; path: string }
  /** `option` was given with another value than the run was started with. */
  | { kind: 'changed'; runDir: string; option: keyof TrainOptions; saved: JsonValue; given: JsonValue }
  /** Another `epochs` under a schedule that spreads over the whole run. */
  | { kind: 'schedule length'; runDir: string; schedule: ScheduleName; saved: number; given: number }
  /** `epochs` ends before the point the run has reached (`done` epochs and `steps` of the next). */
  | { kind: 'too few epochs'; runDir: string; done: number; steps: number; given: number };

/**
 * Checks that `options` can start a new run in `options.out` (no run there) or resume the one there
 * (a checkpoint, the same options, and an `epochs` that keeps the learning-rate schedule exact).
 */
export function findRunConflict(options: TrainOptions & { out: string }): RunConflict | null {
  const runDir = options.out;
  const lastPath = join(runDir, 'last.safetensors');
  const exists = existsSync(lastPath);
  if (options.resume !== true) return exists ? { kind: 'occupied', runDir } : null;
  // A run stopped before its first checkpoint starts again from scratch (trainOn says so).
  if (!exists) return existsSync(runDir) ? null : { kind: 'nothing to resume', path: lastPath };
  const meta = readCheckpointMeta(lastPath);
  const saved = meta.options;
  const given = new Map<string, unknown>(Object.entries(options));
  for (const key of Object.keys(saved)) {
    const value = given.get(key);
    if (value === undefined || RESUMABLE_ANEW.has(key) || value === saved[key]) continue;
    const option = key as keyof TrainOptions;
    return { kind: 'changed', runDir, option, saved: saved[key], given: value as JsonValue };
  }
  const savedEpochs = Number(saved.epochs);
  const epochs = options.epochs ?? savedEpochs;
  const schedule = saved.schedule as ScheduleName;
  if (epochs !== savedEpochs && schedule !== 'none') {
    return { kind: 'schedule length', runDir, schedule, saved: savedEpochs, given: epochs };
  }
  const steps = meta.epochProgress?.steps ?? 0;
  if (epochs < meta.epoch || (epochs === meta.epoch && steps > 0)) {
    return { kind: 'too few epochs', runDir, done: meta.epoch, steps, given: epochs };
  }
  return null;
}

/** One sentence for a conflict; `name` words an option (the CLI passes its flags). */
export function describeRunConflict(
  c: RunConflict,
  name: (option: keyof TrainOptions) => string = (option) => option,
): string {
  const show = (v: JsonValue): string => (v === null ? 'none' : String(v));
  switch (c.kind) {
    case 'occupied':
      return `${c.runDir} already holds a run (last.safetensors): continue it (${name('resume')}) or choose another directory (${name('out')}).`;
    case 'nothing to resume':
      return `${c.path}: no checkpoint to resume from.`;
    case 'changed':
      return `${c.runDir} was started with ${name(c.option)} ${show(c.saved)}, not ${show(c.given)}; a resumed run keeps its options (start a new run to change them).`;
    case 'schedule length':
      return `${c.runDir} was started with ${name('epochs')} ${c.saved} and ${name('schedule')} ${c.schedule}, whose learning rate depends on the run's length; resume it with ${name('epochs')} ${c.saved} (not ${c.given}) or start a new run.`;
    case 'too few epochs': {
      const done = `${c.done} epoch${c.done === 1 ? '' : 's'}${c.steps > 0 ? ` and ${c.steps} step${c.steps === 1 ? '' : 's'} of epoch ${c.done + 1}` : ''}`;
      return `${c.runDir} has already trained ${done}, more than ${name('epochs')} ${c.given} allows.`;
    }
  }
}

/** Options to use when resuming: the checkpoint's, with those a resumed run may change from the call. */
function resumeOptions(meta: CheckpointMeta, call: TrainOptions, out: string): ResolvedTrainOptions {
  const saved = meta.options as unknown as TrainOptions;
  try {
    return resolveTrainOptions({
      ...saved,
      epochs: call.epochs ?? saved.epochs,
      data: call.data ?? saved.data,
      workers: call.workers ?? saved.workers,
      keepCheckpoints: call.keepCheckpoints ?? saved.keepCheckpoints,
      out,
    });
  } catch (e) {
    // Saved options pass the same checks and limits as given ones: a tampered file names itself.
    if (!(e instanceof UserError)) throw e;
    throw new FileFormatError(
      `${join(out, 'last.safetensors')}: checkpoint metadata 'options' is refused: ${e.message.replace(/\.$/, '')}.`,
    );
  }
}

/** Removes the checkpoint-epoch-N files of `runDir` but the `keep` latest. */
function pruneCheckpoints(runDir: string, keep: number): void {
  const epochs = readdirSync(runDir)
    .map((name) => /^checkpoint-epoch-(\d+)\.safetensors$/.exec(name))
    .filter((m) => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => b - a);
  for (const e of epochs.slice(keep))
    rmSync(join(runDir, `checkpoint-epoch-${e}.safetensors`), { force: true });
}

/** Options of `train()`: the run, plus the kernels to run it on and what ends it early. */
export type TrainCallOptions = TrainOptions & {
  /** 'native' or 'js' (default: native when the addon is built, else the reference js kernels). */
  backend?: string;
  /**
   * Stops the run cleanly once `aborted` is true (an AbortSignal will do): the step in progress (or
   * the epoch's evaluation) finishes, RUNDIR/last.safetensors records the position in the epoch,
   * curves.png is updated, and the run resolves with `interrupted` set; `resume` continues it exactly.
   * `train()` looks at it after each progress event, the loop before each step.
   */
  stop?: { readonly aborted: boolean };
  /**
   * Ends the run at once when aborted: `train()` terminates its worker thread mid-step, removes the
   * file it was writing (writes go to a temp file that is renamed, so no partial file is left) and
   * rejects with the signal's reason; files written before stay. `trainInThisThread` can only look at
   * it between steps.
   */
  signal?: AbortSignal;
};

/**
 * Trains a model as described in the file header, in a worker thread, so the caller's event loop
 * stays free during the steps (each one is seconds of synchronous kernel calls). `report` runs in the
 * caller's thread and receives every progress event; the worker waits until it has returned, so a
 * `report` that throws stops the run at that event and `train()` rejects with its error (nothing is
 * saved then; `stop` saves). User errors keep their class (UserError, StateDictError, …).
 */
export async function train(
  options: TrainCallOptions,
  report?: (event: TrainEvent) => void,
): Promise<TrainResult> {
  const { stop, signal, ...args } = options;
  let runDir = options.out ?? null;
  const watch = (event: TrainEvent): void => {
    if (event.type === 'start') runDir = event.runDir;
    report?.(event);
  };
  try {
    return await runInWorker<TrainResult, TrainEvent>(
      new URL('./train_job.js', import.meta.url),
      'trainJob',
      args,
      watch,
      {
        name: 'Training worker',
        stop,
        signal,
      },
    );
  } catch (e) {
    if (signal?.aborted === true && runDir !== null) removeUnfinishedWrites(runDir);
    throw e;
  }
}

/**
 * `train()` in the calling thread: the same run, but every step blocks the event loop. For worker
 * threads (tasks/in_worker_entry.ts) and programs that have nothing else to do.
 */
export async function trainInThisThread(
  options: TrainCallOptions,
  report?: (event: TrainEvent) => void,
): Promise<TrainResult> {
  const previous = getBackend().name;
  setBackend(resolveBackend(options.backend));
  try {
    return await trainOn(options, report);
  } finally {
    setBackend(previous);
  }
}

async function trainOn(
  options: TrainCallOptions,
  report?: (event: TrainEvent) => void,
): Promise<TrainResult> {
  const first = resolveTrainOptions(options);
  const runDir = first.out;
  const lastPath = join(runDir, 'last.safetensors');
  const conflict = findRunConflict({ ...options, out: runDir });
  if (conflict !== null) fail(describeRunConflict(conflict));
  const resumed = options.resume === true && existsSync(lastPath) ? readCheckpointMeta(lastPath) : null;
  const o = resumed === null ? first : resumeOptions(resumed, options, runDir);
  const data = resolveData(o.data, o);
  const size = data.inputSize;
  checkActivationMemory(o.arch, ARCHITECTURES[o.arch], o.batchSize, size, size, true, {
    batch: 'batchSize',
    size: 'inputSize',
  });
  const numClasses = o.classes ?? data.classes.length;
  if (numClasses < data.classes.length) {
    fail(`classes (--classes) ${numClasses} is fewer than the ${data.classes.length} classes of ${o.data}.`);
  }
  const classes = [
    ...data.classes,
    ...Array.from({ length: numClasses - data.classes.length }, (_, i) => `class ${data.classes.length + i}`),
  ];

  const workers = o.workers;
  const trainLoader = new DataLoader(data.train, {
    batchSize: o.batchSize,
    shuffle: o.shuffle,
    seed: o.seed,
    workers,
    dropLast: true,
  });
  const evalLoader =
    data.eval === null ? null : new DataLoader(data.eval, { batchSize: o.batchSize, seed: o.seed, workers });
  // Until the first step is recorded, a failure removes what this run wrote (see below).
  let undoStart: (() => void) | null = null;
  try {
    if (trainLoader.batchesPerEpoch === 0) {
      fail(
        `${o.data}: the training split has ${trainLoader.length} images, fewer than one batch of ${o.batchSize}.`,
      );
    }
    const stepsPerEpoch = Math.min(trainLoader.batchesPerEpoch, o.stepsPerEpoch ?? Infinity);
    if (resumed !== null && resumed.stepsPerEpoch !== null && resumed.stepsPerEpoch !== stepsPerEpoch) {
      fail(
        `${o.data} gives ${stepsPerEpoch} steps per epoch, but the run in ${runDir} was trained with ${resumed.stepsPerEpoch}; resume it with the same data.`,
      );
    }

    const model = resnet(o.arch, { numClasses, seed: o.seed });
    const notes: string[] = [];
    let headReplaced = false;
    if (o.from !== null && resumed === null) {
      const { replaced, note } = await loadFrom(model, o.from, o.arch);
      headReplaced = replaced;
      if (note !== null) notes.push(note);
    }
    const params = trainableParams(model, model.parameters(), o.freeze);
    const optimizer = buildOptimizer(o, params);
    const scheduler = new LrScheduler(optimizer, buildSchedule(o, stepsPerEpoch));

    const createdDir = !existsSync(runDir);
    mkdirSync(runDir, { recursive: true });
    const stale = removeUnfinishedWrites(runDir, 'stale');
    if (stale.length > 0)
      notes.push(
        `removed ${stale.length} unfinished write${stale.length === 1 ? '' : 's'} of a killed run: ${stale.join(', ')}.`,
      );
    const stepsPath = join(runDir, 'steps.jsonl');
    const metricsPath = join(runDir, 'metrics.jsonl');
    const curvesPath = join(runDir, 'curves.png');
    let startEpoch = 0;
    let globalStep = 0;
    let metrics: EpochMetrics[] = [];
    let stepRecords: StepRecord[] = [];
    let resumeProgress: EpochProgress | null = null;
    if (resumed !== null) {
      const meta = loadCheckpoint(lastPath, { model, optimizer, scheduler });
      if (meta.arch !== o.arch || meta.classes.length !== numClasses) {
        throw new StateDictError(
          `${lastPath}: the checkpoint is for ${meta.arch} with ${meta.classes.length} classes, not ${o.arch} with ${numClasses}.`,
        );
      }
      startEpoch = meta.epoch;
      globalStep = meta.step;
      metrics = meta.metrics as unknown as EpochMetrics[];
      resumeProgress = meta.epochProgress;
      // Lines written after the checkpoint (steps cut short) are dropped, so the files continue it exactly.
      stepRecords = readJsonLines<StepRecord>(stepsPath).filter((s) => s.step <= globalStep);
      writeLines(stepsPath, stepRecords);
      writeLines(metricsPath, metrics);
      notes.push(
        resumeProgress === null
          ? `resuming ${runDir} after epoch ${startEpoch} (step ${globalStep}).`
          : `resuming ${runDir} in epoch ${startEpoch + 1} after step ${globalStep} (step ${resumeProgress.steps} of ${stepsPerEpoch} in the epoch).`,
      );
    } else {
      if (options.resume === true) notes.push(`no checkpoint yet in ${runDir}; starting from scratch.`);
      writeLines(stepsPath, []);
      writeLines(metricsPath, []);
      undoStart = () => {
        for (const path of [stepsPath, metricsPath, curvesPath]) rmSync(path, { force: true });
        if (createdDir && readdirSync(runDir).length === 0) rmSync(runDir, { recursive: true });
      };
    }

    const savedOptions = o as unknown as { [key: string]: JsonValue };
    report?.({
      type: 'start',
      runDir,
      arch: o.arch,
      numClasses,
      trainSamples: trainLoader.length,
      evalSamples: evalLoader?.length ?? 0,
      epochs: o.epochs,
      startEpoch,
      stepsPerEpoch,
      batchSize: o.batchSize,
      notes,
      metrics: [...metrics],
    });

    let lastCheckpoint: string | null = resumed !== null ? lastPath : null;
    let savedStep = resumed !== null ? globalStep : -1;
    const save = (path: string, epochsDone: number, epochProgress: EpochProgress | null): void => {
      saveCheckpoint(path, {
        model,
        optimizer,
        scheduler,
        epoch: epochsDone,
        step: globalStep,
        stepsPerEpoch,
        epochProgress,
        seed: o.seed,
        arch: o.arch,
        classes,
        options: savedOptions,
        metrics: metrics as unknown as { [key: string]: JsonValue }[],
      });
      savedStep = globalStep;
    };
    const curves = (stopped: string | null): void =>
      writeCurves(curvesPath, {
        steps: stepRecords,
        metrics,
        stepsPerEpoch,
        epochs: o.epochs,
        hasEval: evalLoader !== null,
        stopped,
      });
    let stepSecondsSum = 0;
    let stepsTimed = 0;
    for (let epoch = startEpoch; epoch < o.epochs; epoch++) {
      // The epoch's running sums, continued from the checkpoint when it was taken inside this epoch.
      const p: EpochProgress = resumeProgress ?? {
        steps: 0,
        lossSum: 0,
        correct: 0,
        seen: 0,
        trainSeconds: 0,
        seconds: 0,
      };
      resumeProgress = null;
      const epochStart = performance.now() - p.seconds * 1000;
      setTrainingMode(model, o.freeze);
      for await (const batch of trainLoader.batches(epoch, p.steps)) {
        if (p.steps >= stepsPerEpoch) break;
        if (options.signal?.aborted === true) throw options.signal.reason;
        if (options.stop?.aborted === true) {
          if (globalStep !== savedStep) {
            p.seconds = (performance.now() - epochStart) / 1000;
            save(lastPath, epoch, p.steps > 0 ? p : null);
          }
          lastCheckpoint = lastPath;
          curves(
            `stopped after step ${globalStep} (epoch ${epoch + 1}, step ${p.steps} of ${stepsPerEpoch})`,
          );
          const result: TrainResult = {
            runDir,
            arch: o.arch,
            numClasses,
            classes,
            epochs: epoch,
            globalStep,
            metrics,
            finalWeights: null,
            lastCheckpoint,
            headReplaced,
            notes,
            interrupted: { epoch: epoch + 1, step: p.steps, stepsPerEpoch },
          };
          report?.({ type: 'end', result });
          return result;
        }
        const t0 = performance.now();
        model.zeroGrad();
        const logits = model.call(batch.x);
        const { loss, dlogits } = ops.crossEntropy(logits, batch.y, o.labelSmoothing);
        if (!Number.isFinite(loss)) {
          const where = `step ${globalStep + 1} (epoch ${epoch + 1}, step ${p.steps + 1} of ${stepsPerEpoch})`;
          curves(`stopped at ${where}: the loss is ${loss}`);
          const kept = lastCheckpoint === null ? '' : ` (${lastCheckpoint} holds step ${savedStep})`;
          fail(
            `Training stopped at ${where}: the loss is ${loss}; lower the learning rate or clip the gradients${kept}.`,
          );
        }
        if (o.freeze === 'backbone') model.fc?.backward(dlogits);
        else model.backward(dlogits);
        if (o.clip !== null) clipGradNorm(params, o.clip);
        const lr = optimizer.lr;
        optimizer.step();
        scheduler.step();
        const n = batch.y.length;
        let batchCorrect = 0;
        for (let i = 0; i < n; i++) {
          const row = logits.data.subarray(i * numClasses, (i + 1) * numClasses);
          let best = 0;
          for (let c = 1; c < numClasses; c++) if (row[c] > row[best]) best = c;
          if (best === batch.y[i]) batchCorrect++;
        }
        const elapsed = performance.now() - t0;
        p.trainSeconds += elapsed / 1000;
        stepSecondsSum += elapsed / 1000;
        stepsTimed++;
        p.steps++;
        globalStep++;
        p.seen += n;
        p.correct += batchCorrect;
        p.lossSum += loss;
        const record: StepRecord = { epoch: epoch + 1, step: globalStep, loss, acc: batchCorrect / n, lr };
        stepRecords.push(record);
        appendFileSync(stepsPath, `${JSON.stringify(record)}\n`);
        undoStart = null;
        const remaining = stepsPerEpoch - p.steps + (o.epochs - epoch - 1) * stepsPerEpoch;
        report?.({
          type: 'step',
          epoch: epoch + 1,
          epochs: o.epochs,
          step: p.steps,
          stepsPerEpoch,
          globalStep,
          loss,
          meanLoss: p.lossSum / p.steps,
          acc: p.correct / p.seen,
          lr,
          imgPerSec: p.seen / p.trainSeconds,
          etaSeconds: (stepSecondsSum / stepsTimed) * remaining,
        });
      }
      let valTop1: number | null = null;
      let valTop5: number | null = null;
      if (evalLoader !== null) {
        model.eval();
        let r: { top1: number; top5: number };
        try {
          r = await evaluate(evalForward(model), evalLoader, numClasses);
        } catch (e) {
          if (!(e instanceof UserError)) throw e;
          // The epoch's training steps are kept: resuming evaluates again and continues.
          p.seconds = (performance.now() - epochStart) / 1000;
          save(lastPath, epoch, p);
          throw new UserError(
            `${e.message.replace(/\.$/, '')} (evaluating epoch ${epoch + 1}; its training is saved in ${lastPath}: fix the data and resume).`,
          );
        }
        valTop1 = r.top1;
        valTop5 = r.top5;
      }
      const m: EpochMetrics = {
        epoch: epoch + 1,
        step: globalStep,
        trainLoss: p.lossSum / p.steps,
        trainAcc: p.correct / p.seen,
        valTop1,
        valTop5,
        lr: optimizer.lr,
        imgPerSec: p.seen / p.trainSeconds,
        seconds: (performance.now() - epochStart) / 1000,
      };
      metrics.push(m);
      appendFileSync(metricsPath, `${JSON.stringify(m)}\n`);
      curves(null);
      const checkpoint =
        o.keepCheckpoints > 0 ? join(runDir, `checkpoint-epoch-${epoch + 1}.safetensors`) : lastPath;
      save(checkpoint, epoch + 1, null);
      if (checkpoint !== lastPath) copyFileAtomic(checkpoint, lastPath);
      pruneCheckpoints(runDir, o.keepCheckpoints);
      lastCheckpoint = lastPath;
      report?.({ type: 'epoch', epochs: o.epochs, metrics: m, checkpoint });
    }

    const finalWeights = join(runDir, 'final.safetensors');
    const card = { arch: o.arch, numClasses, classNames: classes, preprocess: data.preprocess };
    saveWeightsFile(finalWeights, model.stateDict(), {
      format: 'resnet50-weights',
      ...modelCardMetadata(card),
    });
    const result: TrainResult = {
      runDir,
      arch: o.arch,
      numClasses,
      classes,
      epochs: Math.max(startEpoch, o.epochs),
      globalStep,
      metrics,
      finalWeights,
      lastCheckpoint,
      headReplaced,
      notes,
      interrupted: null,
    };
    report?.({ type: 'end', result });
    return result;
  } catch (e) {
    undoStart?.();
    throw e;
  } finally {
    await trainLoader.close();
    await evalLoader?.close();
  }
}
