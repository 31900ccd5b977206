/**
 * Scoring a classifier on a held-out split: top-1/top-5 accuracy, mean cross-entropy and the
 * confusion matrix, from batches of logits (EvalScore) or by running a forward pass over a loader
 * (evaluate, evaluateModel).
 *
 * Ties: among equal logits the lower class index ranks first (the order of a stable descending
 * sort). The top-1 prediction is therefore the first index of the largest logit, as torch.argmax
 * documents, and the label counts for top-k when fewer than k classes rank above it: the order of
 * torch.sort(logits, descending=True, stable=True). (torch.topk does not specify the order of ties.)
 */
import type { DataLoader } from '../data/loader.js';
import { UserError } from '../errors.js';
import type { ResNet } from '../model/resnet.js';
import * as ops from '../ops/index.js';
import type { Precision } from '../plan/plan.js';
import { runnerOn } from '../tasks/runner.js';
import type { Tensor } from '../tensor/tensor.js';

/** Top-1/top-5 accuracy (fractions), mean loss and confusion matrix (rows: true class). */
export interface EvalResult {
  count: number;
  top1: number;
  top5: number;
  loss: number;
  confusion: number[][];
}

/** The index of the largest value of `row`; the first one among equal values. */
export function argmax(row: ArrayLike<number>): number {
  let best = 0;
  for (let c = 1; c < row.length; c++) if (row[c] > row[best]) best = c;
  return best;
}

/** Running scores over batches of logits (N, numClasses) and their labels. */
export class EvalScore {
  readonly confusion: number[][];
  private count = 0;
  private top1 = 0;
  private top5 = 0;
  private lossSum = 0;

  constructor(readonly numClasses: number) {
    this.confusion = Array.from({ length: numClasses }, () => new Array<number>(numClasses).fill(0));
  }

  /** Scores one batch: `logits` of shape (N, numClasses), `labels` of length N. */
  add(logits: Tensor, labels: Int32Array): void {
    const { numClasses } = this;
    const [n, classes] = logits.shape;
    if (classes !== numClasses)
      throw new UserError(`The model gives ${classes} logits, expected ${numClasses}.`);
    for (const y of labels) {
      if (y >= numClasses) throw new UserError(`Label ${y} is outside the model's ${numClasses} classes.`);
    }
    this.lossSum += ops.crossEntropy(logits, labels, 0).loss * n;
    const k = Math.min(5, numClasses);
    for (let i = 0; i < n; i++) {
      const row = logits.data.subarray(i * classes, (i + 1) * classes);
      const y = labels[i];
      let above = 0;
      for (let c = 0; c < classes; c++) if (row[c] > row[y] || (row[c] === row[y] && c < y)) above++;
      const best = argmax(row);
      if (best === y) this.top1++;
      if (above < k) this.top5++;
      this.confusion[y][best]++;
    }
    this.count += n;
  }

  /** The scores of every batch added so far (a UserError when there was none). */
  result(): EvalResult {
    const { count } = this;
    if (count === 0) throw new UserError('The evaluation split is empty.');
    return {
      count,
      top1: this.top1 / count,
      top5: this.top5 / count,
      loss: this.lossSum / count,
      confusion: this.confusion,
    };
  }
}

/** Runs `forward` over every batch of `loader` (epoch 0) and scores the logits. */
export async function evaluate(
  forward: (x: Tensor) => Promise<Tensor>,
  loader: DataLoader,
  numClasses: number,
): Promise<EvalResult> {
  const score = new EvalScore(numClasses);
  for await (const batch of loader.batches(0)) score.add(await forward(batch.x), batch.y);
  return score.result();
}

/**
 * Evaluates `model` as it is now (its weights and modes) on `backend` at `precision` (int8: with the
 * calibrated `inputScales` of a quantized file; see createRunner: on native a fused inference plan
 * compiled from the current weights, off the event loop); the runner is disposed afterwards.
 */
export async function evaluateModel(
  model: ResNet,
  backend: string,
  loader: DataLoader,
  numClasses: number,
  precision: Precision = 'fp32',
  inputScales?: ReadonlyMap<string, number>,
): Promise<EvalResult> {
  const runner = runnerOn(model, backend, undefined, precision, inputScales);
  try {
    return await evaluate((x) => runner.forward(x), loader, numClasses);
  } finally {
    runner.dispose();
  }
}
