/**
 * Bounds on the numbers that size what a run allocates: threads, loader workers, the input size and
 * the activations of a batch. Library functions call these with their option names; the CLI calls
 * them with its flag names, so a refusal is one sentence naming what the user typed.
 */
import { availableParallelism, totalmem } from 'node:os';
import { UserError } from './errors.js';

/** Data-loader worker threads at most (each holds a copy of the dataset and its batches in flight). */
export const MAX_WORKERS = 64;
/** Input height and width at most, in pixels. */
export const MAX_INPUT_SIZE = 4096;
/** Fraction of the machine's memory that the activations of one batch may take. */
export const MEMORY_FRACTION = 0.8;

/** Threads of the native engine at most: four per core this process may use. */
export function maxThreads(): number {
  return 4 * availableParallelism();
}

function checkInteger(name: string, v: number, min: number, max: number, why: string): void {
  if (!Number.isSafeInteger(v) || v < min || v > max) {
    throw new UserError(`${name} must be an integer between ${min} and ${max} (${why}), got ${String(v)}.`);
  }
}

export function checkThreads(name: string, threads: number): void {
  checkInteger(name, threads, 1, maxThreads(), `4 × the ${availableParallelism()} cores of this machine`);
}

export function checkWorkers(name: string, workers: number): void {
  checkInteger(name, workers, 0, MAX_WORKERS, 'each worker holds its own copy of the data');
}

export function checkInputSize(name: string, size: number, min = 1): void {
  checkInteger(name, size, min, MAX_INPUT_SIZE, 'larger images are resized first');
}

/** A ResNet's structure as ARCHITECTURES (model/resnet.ts) describes it. */
export interface ResNetShape {
  stem: 'imagenet' | 'cifar';
  block: { readonly expansion: number };
  layers: readonly number[];
  widths: readonly number[];
}

/**
 * Float32 values of one image's activations: every conv, BN, ReLU and residual-sum output of the
 * network at `height`×`width`. Training keeps all of them for the backward pass; inference holds a
 * few at a time, so the largest one counts three times. A lower bound: a batch above it cannot run.
 */
export function activationFloats(
  shape: ResNetShape,
  height: number,
  width: number,
  training: boolean,
): number {
  const down = (size: number, times: number): number => {
    for (let i = 0; i < times; i++) size = Math.ceil(size / 2);
    return size;
  };
  const tensors: number[] = [3 * height * width];
  const planes0 = shape.widths[0];
  // The ImageNet stem halves twice (7×7/2 conv, then max-pool); the CIFAR stem keeps the size.
  const halvings = shape.stem === 'imagenet' ? 2 : 0;
  const stem = planes0 * down(height, halvings / 2) * down(width, halvings / 2);
  tensors.push(stem, stem, stem);
  if (halvings > 0) tensors.push(planes0 * down(height, halvings) * down(width, halvings));
  shape.layers.forEach((blocks, stage) => {
    const planes = shape.widths[stage];
    const pixels = down(height, halvings + stage) * down(width, halvings + stage);
    const width1 = planes * pixels;
    const out = planes * shape.block.expansion * pixels;
    // Bottleneck: 1×1, 3×3 (conv, BN, ReLU each), 1×1 (conv, BN), sum, ReLU; basic: two 3×3 convs.
    const perBlock =
      shape.block.expansion === 1
        ? [width1, width1, width1, out, out, out, out]
        : [width1, width1, width1, width1, width1, width1, out, out, out, out];
    for (let b = 0; b < blocks; b++) tensors.push(...perBlock);
  });
  if (training) return tensors.reduce((sum, t) => sum + t, 0);
  return 3 * Math.max(...tensors);
}

/** The memory a batch's activations may take: MEMORY_FRACTION of the machine's. */
export function activationBudgetBytes(): number {
  return Math.floor(totalmem() * MEMORY_FRACTION);
}

const gb = (bytes: number): string => {
  const v = bytes / 2 ** 30;
  return `${v.toFixed(v < 1 ? 2 : v < 100 ? 1 : 0)} GB`;
};

/**
 * Refuses a batch whose activations would not fit: `names` words the batch size and the input size
 * (option names in the library, flags in the CLI).
 */
export function checkActivationMemory(
  arch: string,
  shape: ResNetShape,
  batch: number,
  height: number,
  width: number,
  training: boolean,
  names: { batch: string; size: string },
): void {
  const bytes = 4 * batch * activationFloats(shape, height, width, training);
  const budget = activationBudgetBytes();
  if (bytes > budget) {
    throw new UserError(
      `${names.batch} ${batch} at ${names.size} ${height}×${width} needs about ${gb(bytes)} for the activations of ${arch}${training ? ' in training' : ''}, more than ${gb(budget)} (${MEMORY_FRACTION * 100}% of this machine's memory); use a smaller ${names.batch} or ${names.size}.`,
    );
  }
}
