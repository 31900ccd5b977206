/**
 * The train and evaluation splits of a dataset (`idx:DIR`, a directory of IDX files, or an
 * ImageFolder) with their transforms, for training (resolveData) and for `resnet50 eval`
 * (resolveEvalData).
 */
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { evalPreset, type EvalTransform, type TrainTransform } from '../data/augment.js';
import { resolveIdxSource } from '../data/datasets.js';
import { FASHION_MNIST_MEAN, FASHION_MNIST_STD, idxFilePath } from '../data/idx.js';
import { scanImageFolder } from '../data/image_folder.js';
import { describeDataset, type DatasetSpec } from '../data/loader.js';
import type { Preset } from '../data/transforms.js';
import { OptionError, UserError } from '../errors.js';
import { checkNumber, type AugmentName } from './options.js';

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
  if (!isDirectory(dir)) throw new OptionError(`{data} ${dir}: no such directory.`);
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
      throw new UserError(`${valRoot}: its class folders differ from those of ${trainRoot}.`);
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
  if (splits.kind === 'idx')
    throw new OptionError(`{data} ${data}: no t10k (test) IDX files to evaluate on.`);
  const spec = { ...splits.train, indices: undefined } as DatasetSpec;
  const n = describeDataset(spec).length;
  return {
    spec: { ...spec, indices: firstN(opts.samples ?? null, n) },
    classes: splits.classes,
    inputSize: splits.inputSize,
    split: 'all',
  };
}
