/** topK against a full sort: highest first, equal probabilities by class index, any k. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { topK } from '../src/tasks/results.js';

/** The definition: every class sorted by probability (descending), then by index. */
function sortedTopK(p: Float32Array, k: number): number[] {
  return Array.from({ length: p.length }, (_, i) => i)
    .sort((a, b) => p[b] - p[a] || a - b)
    .slice(0, k);
}

test('topK gives the same classes in the same order as a full sort, ties by index', () => {
  let seed = 7;
  const random = (): number => (seed = (seed * 1103515245 + 12345) >>> 0) / 2 ** 32;
  const labels = Array.from({ length: 1000 }, (_, i) => `class ${i}`);
  for (const [n, levels] of [
    [1000, 0],
    [1000, 5], // few distinct values: many ties
    [10, 2],
    [1, 0],
  ] as const) {
    for (let trial = 0; trial < 20; trial++) {
      const p = new Float32Array(n).map(() =>
        levels === 0 ? random() : Math.floor(random() * levels) / levels,
      );
      for (const k of [1, 3, 5, n - 1, n, n + 4].filter((k) => k >= 1)) {
        const got = topK(p, k, labels);
        const want = sortedTopK(p, k);
        assert.deepEqual(
          got.map((x) => x.classIndex),
          want,
          `n ${n}, ${levels} levels, k ${k}, trial ${trial}`,
        );
        for (const x of got) {
          assert.equal(x.score, p[x.classIndex]);
          assert.equal(x.label, labels[x.classIndex]);
        }
      }
    }
  }
});
