/**
 * libjpeg-turbo's ISLOW inverse DCT (jidctint.c, the default DCT method, used by PIL), bit for bit:
 * dequantize, a column pass descaled by 11 bits, a row pass descaled by 18 bits, then libjpeg's
 * wrapping range limit. Intermediate products can pass 32 bits, so the arithmetic runs on doubles,
 * which hold every intermediate exactly.
 */

const FIX_0_298631336 = 2446;
const FIX_0_390180644 = 3196;
const FIX_0_541196100 = 4433;
const FIX_0_765366865 = 6270;
const FIX_0_899976223 = 7373;
const FIX_1_175875602 = 9633;
const FIX_1_501321110 = 12299;
const FIX_1_847759065 = 15137;
const FIX_1_961570560 = 16069;
const FIX_2_053119869 = 16819;
const FIX_2_562915447 = 20995;
const FIX_3_072711026 = 25172;
const CONST_SCALE = 8192; // 1 << CONST_BITS (13)
// Descaling by CONST_BITS - PASS1_BITS (column pass) and CONST_BITS + PASS1_BITS + 3 (row pass),
// with the rounding half added before the shift.
const PASS1_ROUND = 1 << 10;
const PASS1_SCALE = 1 / (1 << 11);
const PASS2_ROUND = 1 << 17;
const PASS2_SCALE = 1 / (1 << 18);

/**
 * libjpeg's post-IDCT range limit, indexed by the descaled value & 1023: values wrap modulo 1024
 * into [-512, 512), then are centred on 128 and clamped to [0, 255].
 */
const RANGE_LIMIT = Uint8Array.from({ length: 1024 }, (_, i) => {
  const v = (i < 512 ? i : i - 1024) + 128;
  return v < 0 ? 0 : v > 255 ? 255 : v;
});

const dequantized = new Float64Array(64);
const workspace = new Float64Array(64);
const line = new Float64Array(8);

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
  for (let k = 0; k < 64; k++) dequantized[k] = coef[offset + k] * quant[k];
  for (let col = 0; col < 8; col++) {
    if (isFlat(dequantized, col, 8)) {
      // jidctint.c's shortcut; the full pass gives the same (DC << PASS1_BITS) everywhere.
      for (let r = 0; r < 8; r++) workspace[r * 8 + col] = dequantized[col] * 4;
      continue;
    }
    idct1d(dequantized, col, 8, PASS1_ROUND, PASS1_SCALE);
    for (let r = 0; r < 8; r++) workspace[r * 8 + col] = line[r];
  }
  for (let row = 0, o = outOffset; row < 64; row += 8, o += stride) {
    if (isFlat(workspace, row, 1)) {
      // Likewise: the full pass gives DESCALE(ws[0], PASS1_BITS + 3) everywhere.
      out.fill(RANGE_LIMIT[Math.floor((workspace[row] + 16) / 32) & 1023], o, o + 8);
      continue;
    }
    idct1d(workspace, row, 1, PASS2_ROUND, PASS2_SCALE);
    for (let c = 0; c < 8; c++) out[o + c] = RANGE_LIMIT[line[c] & 1023];
  }
}

/** True when the 7 AC inputs `s[i + k * step]`, k = 1..7, are all zero. */
function isFlat(s: Float64Array, i: number, step: number): boolean {
  for (let k = 1; k < 8; k++) if (s[i + k * step] !== 0) return false;
  return true;
}

/** One 1-D pass of jidctint.c over the 8 values `s[i + k * step]`, descaled with rounding into `line`. */
function idct1d(s: Float64Array, i: number, step: number, round: number, scale: number): void {
  const in0 = s[i];
  const in1 = s[i + step];
  const in2 = s[i + 2 * step];
  const in3 = s[i + 3 * step];
  const in4 = s[i + 4 * step];
  const in5 = s[i + 5 * step];
  const in6 = s[i + 6 * step];
  const in7 = s[i + 7 * step];
  // Even part.
  const z1e = (in2 + in6) * FIX_0_541196100;
  const tmp2e = z1e - in6 * FIX_1_847759065;
  const tmp3e = z1e + in2 * FIX_0_765366865;
  const tmp0e = (in0 + in4) * CONST_SCALE + round;
  const tmp1e = (in0 - in4) * CONST_SCALE + round;
  const tmp10 = tmp0e + tmp3e;
  const tmp13 = tmp0e - tmp3e;
  const tmp11 = tmp1e + tmp2e;
  const tmp12 = tmp1e - tmp2e;
  // Odd part.
  const z1 = (in7 + in1) * -FIX_0_899976223;
  const z2 = (in5 + in3) * -FIX_2_562915447;
  const z5 = (in7 + in3 + in5 + in1) * FIX_1_175875602;
  const z3 = (in7 + in3) * -FIX_1_961570560 + z5;
  const z4 = (in5 + in1) * -FIX_0_390180644 + z5;
  const tmp0 = in7 * FIX_0_298631336 + z1 + z3;
  const tmp1 = in5 * FIX_2_053119869 + z2 + z4;
  const tmp2 = in3 * FIX_3_072711026 + z2 + z3;
  const tmp3 = in1 * FIX_1_501321110 + z1 + z4;
  line[0] = Math.floor((tmp10 + tmp3) * scale);
  line[7] = Math.floor((tmp10 - tmp3) * scale);
  line[1] = Math.floor((tmp11 + tmp2) * scale);
  line[6] = Math.floor((tmp11 - tmp2) * scale);
  line[2] = Math.floor((tmp12 + tmp1) * scale);
  line[5] = Math.floor((tmp12 - tmp1) * scale);
  line[3] = Math.floor((tmp13 + tmp0) * scale);
  line[4] = Math.floor((tmp13 - tmp0) * scale);
}
