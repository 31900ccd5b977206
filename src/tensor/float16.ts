/**
 * The two 16-bit float formats of weight files and reduced-precision kernels, as bit patterns in
 * numbers: bfloat16 (fp32's exponent, 7 fraction bits) and IEEE half (5 exponent bits, 10 fraction
 * bits). Rounding is to nearest, ties to even, as PyTorch's `.to(torch.bfloat16)` / `.half()` and
 * the AVX512-BF16 conversion instructions do; NaN stays NaN (quiet), overflow becomes infinity.
 */

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float32 → bfloat16 bits (round to nearest even; NaN → quiet NaN with the sign kept). */
export function floatToBf16Bits(x: number): number {
  f32[0] = x;
  const bits = u32[0]!;
  if ((bits & 0x7f800000) === 0x7f800000 && (bits & 0x007fffff) !== 0)
    return ((bits >>> 16) | 0x0040) & 0xffff;
  const rounded = bits + 0x7fff + ((bits >>> 16) & 1);
  return (rounded >>> 16) & 0xffff;
}

/** bfloat16 bits → float32 (exact). */
export function bf16BitsToFloat(h: number): number {
  u32[0] = (h & 0xffff) << 16;
  return f32[0]!;
}

/** float32 → IEEE half bits (round to nearest even; subnormals kept; overflow → ±Infinity). */
export function floatToHalfBits(x: number): number {
  f32[0] = x;
  const bits = u32[0]!;
  const sign = (bits >>> 16) & 0x8000;
  const exp = (bits >>> 23) & 0xff;
  const frac = bits & 0x007fffff;
  if (exp === 0xff) return sign | 0x7c00 | (frac !== 0 ? 0x0200 | (frac >>> 13) : 0);
  const e = exp - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    // Subnormal half (or zero): the implicit 1 joins the fraction, shifted right by 1 - e more bits.
    if (e < -10) return sign;
    const m = frac | 0x00800000;
    const shift = 14 - e;
    const half = m >>> shift;
    const rest = m & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    return sign | (half + (rest > mid || (rest === mid && (half & 1) === 1) ? 1 : 0));
  }
  const half = (e << 10) | (frac >>> 13);
  const rest = frac & 0x1fff;
  // A carry out of the fraction correctly bumps the exponent (up to infinity).
  return sign | (half + (rest > 0x1000 || (rest === 0x1000 && (half & 1) === 1) ? 1 : 0));
}

/** IEEE half bits → float32 (exact). */
export function halfBitsToFloat(h: number): number {
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  const sign = h & 0x8000 ? -1 : 1;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}

/** Rounds every element of `data` through bfloat16 and back (in place); returns `data`. */
export function roundToBf16(data: Float32Array): Float32Array {
  for (let i = 0; i < data.length; i++) data[i] = bf16BitsToFloat(floatToBf16Bits(data[i]!));
  return data;
}
