/** Tolerance checks against reference tensors that print max abs and relative error on failure. */
import assert from 'node:assert/strict';
export function errorStats(actual, expected) {
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
export function assertClose(actual, expected, rtol, what) {
    const stats = errorStats(actual, expected);
    const line = `${what}: max|Δ| ${stats.maxAbs.toExponential(3)}, max|ref| ${stats.maxRef.toExponential(3)}, relative ${stats.rel.toExponential(3)} (tolerance ${rtol})`;
    assert.ok(stats.rel <= rtol, line);
    return stats;
}
//# sourceMappingURL=compare.js.map