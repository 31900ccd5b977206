/**
 * libjpeg-turbo's ISLOW inverse DCT (the default DCT method, used by PIL) as its x86-64 SIMD code
 * (jidctint-sse2/avx2.asm) computes it: 16-bit dequantized inputs, 32-bit products, a column pass
 * descaled by 11 bits and saturated to 16 bits, a row pass descaled by 18 bits and saturated to
 * [0, 255] around 128. For the coefficients of valid files this equals the C code (jidctint.c) bit
 * for bit; it differs only for damaged files, where the C code wraps out-of-range samples and the
 * SIMD code, which PIL runs, saturates them. No intermediate leaves 32 bits, so int32 math is exact.
 */

const F_0_298 = 2446;
const F_0_390 = 3196;
const F_0_541 = 4433;
const F_0_765 = 6270;
const F_0_899 = 7373;
const F_1_175 = 9633;
const F_1_501 = 12299;
const F_1_847 = 15137;
const F_1_961 = 16069;
const F_2_053 = 16819;
const F_2_562 = 20995;
const F_3_072 = 25172;
const CONST_SCALE = 1 << 13; // CONST_BITS
// Descaling of the column pass (CONST_BITS - PASS1_BITS) and the row pass (CONST_BITS + PASS1_BITS + 3).
const PASS1_SHIFT = 11;
const PASS2_SHIFT = 18;

/** The low 16 bits as a signed value (16-bit SIMD adds and multiplies). */
const wrap16 = (v: number) => (v << 16) >> 16;
/** Signed saturation to 16 bits (packssdw). */
const sat16 = (v: number) => (v < -32768 ? -32768 : v > 32767 ? 32767 : v);

const dequantized = new Int32Array(64);
const workspace = new Int32Array(64);
const line = new Int32Array(8);

/**
 * Inverse-transforms the 64 coefficients at `coef[offset..]` (natural order, quantized) into the 8x8
 * samples at `out[outOffset]` with row stride `stride`.
 */
export function idctBlock(
  coef: Int16Array,
  offset: number,
  quant: Uint16Array,
  out: Uint8Array,
  outOffset: number,
  stride: number,
): void {
  let ac = 0;
  for (let k = 8; k < 64; k++) ac |= coef[offset + k];
  if (ac === 0) {
    // The SIMD shortcut when rows 1-7 are all zero: DC << PASS1_BITS, in 16 bits.
    for (let col = 0; col < 8; col++) {
      const v = wrap16(wrap16(coef[offset + col] * quant[col]) << 2);
      for (let r = 0; r < 64; r += 8) workspace[r + col] = v;
    }
  } else {
    for (let k = 0; k < 64; k++) dequantized[k] = wrap16(coef[offset + k] * quant[k]);
    for (let col = 0; col < 8; col++) {
      if (isFlat(dequantized, col, 8)) {
        // What the full pass gives for a column with no AC terms (a speed-up only).
        const v = sat16(dequantized[col] * 4);
        for (let r = 0; r < 64; r += 8) workspace[r + col] = v;
        continue;
      }
      idct1d(dequantized, col, 8, PASS1_SHIFT);
      for (let r = 0; r < 8; r++) workspace[r * 8 + col] = sat16(line[r]);
    }
  }
  for (let row = 0, o = outOffset; row < 64; row += 8, o += stride) {
    if (isFlat(workspace, row, 1)) {
      // What the full pass gives for a row with no AC terms (a speed-up only).
      out.fill(toSample((workspace[row] + 16) >> 5), o, o + 8);
      continue;
    }
    idct1d(workspace, row, 1, PASS2_SHIFT);
    for (let c = 0; c < 8; c++) out[o + c] = toSample(line[c]);
  }
}

/** The row pass's packsswb and +CENTERJSAMPLE: clamp to [-128, 127], then centre on 128. */
function toSample(v: number): number {
  return v < -128 ? 0 : v > 127 ? 255 : v + 128;
}

/** True when the 7 AC inputs `s[i + k * step]`, k = 1..7, are all zero. */
function isFlat(s: Int32Array, i: number, step: number): boolean {
  for (let k = 1; k < 8; k++) if (s[i + k * step] !== 0) return false;
  return true;
}

/**
 * One 1-D pass over the 16-bit values `s[i + k * step]`, arranged as the SIMD code arranges it (sums
 * of inputs in 16 bits, paired products in 32), descaled with rounding by `shift` into `line`.
 */
function idct1d(s: Int32Array, i: number, step: number, shift: number): void {
  const x0 = s[i];
  const x1 = s[i + step];
  const x2 = s[i + 2 * step];
  const x3 = s[i + 3 * step];
  const x4 = s[i + 4 * step];
  const x5 = s[i + 5 * step];
  const x6 = s[i + 6 * step];
  const x7 = s[i + 7 * step];
  const round = 1 << (shift - 1);
  // Even part.
  const tmp3e = x2 * (F_0_541 + F_0_765) + x6 * F_0_541;
  const tmp2e = x2 * F_0_541 + x6 * (F_0_541 - F_1_847);
  const tmp0e = wrap16(x0 + x4) * CONST_SCALE + round;
  const tmp1e = wrap16(x0 - x4) * CONST_SCALE + round;
  const tmp10 = tmp0e + tmp3e;
  const tmp13 = tmp0e - tmp3e;
  const tmp11 = tmp1e + tmp2e;
  const tmp12 = tmp1e - tmp2e;
  // Odd part.
  const z3 = wrap16(x7 + x3);
  const z4 = wrap16(x5 + x1);
  const z3s = z3 * (F_1_175 - F_1_961) + z4 * F_1_175;
  const z4s = z3 * F_1_175 + z4 * (F_1_175 - F_0_390);
  const tmp0 = x7 * (F_0_298 - F_0_899) - x1 * F_0_899 + z3s;
  const tmp1 = x5 * (F_2_053 - F_2_562) - x3 * F_2_562 + z4s;
  const tmp2 = x3 * (F_3_072 - F_2_562) - x5 * F_2_562 + z3s;
  const tmp3 = x1 * (F_1_501 - F_0_899) - x7 * F_0_899 + z4s;
  line[0] = (tmp10 + tmp3) >> shift;
  line[7] = (tmp10 - tmp3) >> shift;
  line[1] = (tmp11 + tmp2) >> shift;
  line[6] = (tmp11 - tmp2) >> shift;
  line[2] = (tmp12 + tmp1) >> shift;
  line[5] = (tmp12 - tmp1) >> shift;
  line[3] = (tmp13 + tmp0) >> shift;
  line[4] = (tmp13 - tmp0) >> shift;
}
