/**
 * bfloat16 and IEEE half conversions: fixed cases (the half ones written by numpy 2.4's float32 →
 * float16 cast, which rounds to nearest even), and 200,000 random float32 bit patterns for which the
 * result must be the nearer of the two neighbouring 16-bit values, ties to the even one.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { bf16BitsToFloat, floatToBf16Bits, floatToHalfBits, halfBitsToFloat } from '../src/tensor/float16.js';

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
const fromBits = (bits: number): number => {
  u32[0] = bits;
  return f32[0]!;
};

test('half: numpy float16 casts of edge values', () => {
  const cases: [number, number][] = [
    [1.0, 0x3c00],
    [65504.0, 0x7bff],
    [65519.99, 0x7bff],
    [65520.0, 0x7c00],
    [1e5, 0x7c00],
    [1e-8, 0x0000],
    [5.960464477539063e-8, 0x0001],
    [2 ** -25, 0x0000],
    [1.5 * 2 ** -25, 0x0001],
    [6.097555160522461e-5, 0x03ff],
    [-0.0, 0x8000],
    [0.1, 0x2e66],
    [1 / 3, 0x3555],
    [2049.0, 0x6800],
    [2051.0, 0x6802],
  ];
  for (const [x, bits] of cases) {
    assert.equal(
      floatToHalfBits(x),
      bits,
      `half(${x}) = 0x${floatToHalfBits(x).toString(16)}, numpy 0x${bits.toString(16)}`,
    );
  }
  assert.ok(Number.isNaN(halfBitsToFloat(floatToHalfBits(NaN))));
  assert.equal(halfBitsToFloat(floatToHalfBits(-Infinity)), -Infinity);
});

test('bf16: edge values', () => {
  assert.equal(floatToBf16Bits(1.0), 0x3f80);
  assert.equal(floatToBf16Bits(-2.0), 0xc000);
  assert.equal(floatToBf16Bits(fromBits(0x3f808000)), 0x3f80, 'a tie rounds to the even value below');
  assert.equal(floatToBf16Bits(fromBits(0x3f818000)), 0x3f82, 'a tie rounds to the even value above');
  assert.equal(floatToBf16Bits(fromBits(0x3f808001)), 0x3f81);
  assert.equal(floatToBf16Bits(fromBits(0x7f7fffff)), 0x7f80, 'the largest float rounds to infinity');
  assert.equal(floatToBf16Bits(Infinity), 0x7f80);
  assert.equal(floatToBf16Bits(fromBits(0x7f800001)), 0x7fc0, 'a signalling NaN becomes a quiet NaN');
  assert.equal(floatToBf16Bits(fromBits(0xffc12345)), 0xffc1);
  assert.equal(bf16BitsToFloat(0x3f80), 1);
});

/** The 16-bit neighbours below/above in magnitude of |x| and whether `got` is the right one. */
function checkNearest(
  x: number,
  got: number,
  truncate: (x: number) => number,
  toFloat: (bits: number) => number,
  maxFinite: number,
): string | null {
  const sign = x < 0 || Object.is(x, -0) ? 0x8000 : 0;
  const lo = truncate(Math.abs(x));
  const hi = lo + 1;
  const a = Math.abs(x);
  // Above the largest finite value, the next pattern is infinity: round as if it were one ulp on.
  const hiValue = toFloat(lo) === maxFinite ? 2 * maxFinite - toFloat(lo - 1) : toFloat(hi);
  const dLo = a - toFloat(lo);
  const dHi = hiValue - a;
  const want = dLo < dHi ? lo : dHi < dLo ? hi : lo % 2 === 0 ? lo : hi;
  return (want | sign) === got
    ? null
    : `x=${x}: got 0x${got.toString(16)}, want 0x${(want | sign).toString(16)}`;
}

test('bf16 and half round 200,000 random floats to the nearest value, ties to even', () => {
  let seed = 12345;
  const next = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0);
  const bfTrunc = (a: number) => {
    f32[0] = a;
    return u32[0]! >>> 16;
  };
  // Largest half ≤ a (a finite, non-negative), by search over the 31,744 finite patterns.
  const halfTrunc = (a: number) => {
    let lo = 0;
    let hi = 0x7bff;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (halfBitsToFloat(mid) <= a) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  };
  let checked = 0;
  for (let i = 0; i < 200_000; i++) {
    const bits = next();
    const x = fromBits(bits);
    if (!Number.isFinite(x)) continue;
    const bfError = checkNearest(x, floatToBf16Bits(x), bfTrunc, bf16BitsToFloat, fromBits(0x7f7f0000));
    assert.equal(bfError, null, `bf16 ${bfError}`);
    // Half: the values inside half's range (and a band above it, which must become infinity).
    const a = Math.abs(x);
    if (a < 70000) {
      const halfError =
        a >= 65520
          ? (floatToHalfBits(x) & 0x7fff) === 0x7c00
            ? null
            : `x=${x}: not infinity`
          : checkNearest(x, floatToHalfBits(x), halfTrunc, halfBitsToFloat, 65504);
      assert.equal(halfError, null, `half ${halfError}`);
      checked++;
    }
  }
  assert.ok(checked > 80_000, `only ${checked} values fell in half's range`);
});
