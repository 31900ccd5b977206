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
