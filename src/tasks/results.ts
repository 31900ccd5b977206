/** What classification and embedding give back, apart from where images come from (files or a page). */
import { OptionError } from '../errors.js';

export interface Prediction {
  classIndex: number;
  label: string;
  /** Softmax probability. */
  score: number;
}

/** Top-k of one row of probabilities. */
export function topK(probabilities: ArrayLike<number>, k: number, labels: readonly string[]): Prediction[] {
  const order = Array.from({ length: probabilities.length }, (_, i) => i);
  order.sort((a, b) => probabilities[b] - probabilities[a] || a - b);
  return order
    .slice(0, k)
    .map((classIndex) => ({ classIndex, label: labels[classIndex], score: probabilities[classIndex] }));
}

/** `k` when it is a positive integer; else the one sentence naming the option. */
export function checkTopK(k: number): number {
  if (!Number.isInteger(k) || k < 1) throw new OptionError(`{topK} must be a positive integer, got ${k}.`);
  return k;
}

export const EMBED_LAYERS = ['pool', 'stem', 'layer1', 'layer2', 'layer3', 'layer4'] as const;
export type EmbedLayer = (typeof EMBED_LAYERS)[number];
