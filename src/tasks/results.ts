/** What classification and embedding give back, apart from where images come from (files or a page). */
import { OptionError } from '../errors.js';

export interface Prediction {
  classIndex: number;
  label: string;
  /** Softmax probability. */
  score: number;
}

/**
 * Top-k of one row of probabilities, highest first (equal ones by class index). One pass that keeps
 * the k best in order (a server answers many requests: no sort of the whole row).
 */
export function topK(probabilities: ArrayLike<number>, k: number, labels: readonly string[]): Prediction[] {
  const best: number[] = [];
  for (let i = 0; i < probabilities.length; i++) {
    const p = probabilities[i];
    if (best.length === k && !(p > probabilities[best[k - 1]])) continue;
    // After every kept value >= p: an equal one has a lower index and stays ahead.
    let lo = 0;
    let hi = best.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (probabilities[best[mid]] >= p) lo = mid + 1;
      else hi = mid;
    }
    best.splice(lo, 0, i);
    if (best.length > k) best.pop();
  }
  return best.map((classIndex) => ({
    classIndex,
    label: labels[classIndex],
    score: probabilities[classIndex],
  }));
}

/** `k` when it is a positive integer; else the one sentence naming the option. */
export function checkTopK(k: number): number {
  if (!Number.isInteger(k) || k < 1) throw new OptionError(`{topK} must be a positive integer, got ${k}.`);
  return k;
}

export const EMBED_LAYERS = ['pool', 'stem', 'layer1', 'layer2', 'layer3', 'layer4'] as const;
export type EmbedLayer = (typeof EMBED_LAYERS)[number];
