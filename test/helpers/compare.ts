/** Tolerance checks against reference tensors that print max abs and relative error on failure. */
import assert from 'node:assert/strict';

export interface ErrorStats {
  maxAbs: number;
  maxRef: number;
  /** maxAbs / max|reference|. */
  rel: number;
}

export function errorStats(actual: ArrayLike<number>, expected: ArrayLike<number>): ErrorStats {
  assert.equal(actual.length, expected.length, `length ${actual.length} vs expected ${expected.length}`);
  let maxAbs = 0;
  let maxRef = 0;
  for (let i = 0; i < expected.length; i++) {
    maxAbs = Math.max(maxAbs, Math.abs(actual[i] - expected[i]));
    maxRef = Math.max(maxRef, Math.abs(expected[i]));
  }
  return { maxAbs, maxRef, rel: maxRef === 0 ? maxAbs : maxAbs / maxRef };
}

/** Asserts max|a − e| ≤ rtol · max|e| (and returns the stats for the test log). */
export function assertClose(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  rtol: number,
  what: string,
): ErrorStats {
  const stats = errorStats(actual, expected);
  const line = `${what}: max|Δ| ${stats.maxAbs.toExponential(3)}, max|ref| ${stats.maxRef.toExponential(3)}, relative ${stats.rel.toExponential(3)} (tolerance ${rtol})`;
  assert.ok(stats.rel <= rtol, line);
  return stats;
}

/** A tensor as the goldens scripts sample it: L2 norm, sum and values at a few flat indices. */
export interface Sample {
  norm: number;
  sum: number;
  index: number[];
  values: number[];
}

/** Relative error of the sampled values and of the norm against a reference's sample. */
export function sampleError(data: Float32Array, ref: Sample): number {
  let norm = 0;
  for (const v of data) norm += v * v;
  norm = Math.sqrt(norm);
  const scale = Math.max(...ref.values.map(Math.abs), ref.norm / Math.sqrt(data.length), 1e-12);
  let worst = Math.abs(norm - ref.norm) / Math.max(ref.norm, 1e-12);
  ref.index.forEach((i, k) => {
    worst = Math.max(worst, Math.abs(data[i] - ref.values[k]) / scale);
  });
  return worst;
}

/** The cosine of the angle between two equally long vectors (1: the same direction). */
export function cosineSimilarity(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let dot = 0;
  let aa = 0;
  let bb = 0;
  for (let i = 0; i < a.length; i++) {
    dot += a[i] * b[i];
    aa += a[i] * a[i];
    bb += b[i] * b[i];
  }
  return dot / Math.sqrt(aa * bb);
}
