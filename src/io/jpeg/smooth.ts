/**
 * The output pass of a progressive image (libjpeg-turbo's jdcoefct.c decompress_data and
 * decompress_smooth_data): every block is inverse-transformed into its component's sample plane.
 * When the file left some of the first nine AC coefficients short of full precision (never coded, or
 * never refined to bit 0), libjpeg applies block smoothing: those coefficients, while still zero, are
 * estimated from the DC values of the 5x5 neighbouring blocks (and, when no AC data arrived at all,
 * the DC value itself is re-estimated). Complete files skip it. The neighbour selection at the
 * image edges copies libjpeg's, quirks included.
 */
import { idctBlock } from './idct.js';
import type { Frame } from './markers.js';
import type { Coefficients } from './scan.js';

/** Natural positions of zigzag coefficients 1..9 (libjpeg's Q01_POS ... Q30_POS). */
const Q01 = 1;
const Q10 = 8;
const Q20 = 16;
const Q11 = 9;
const Q02 = 2;
const Q03 = 3;
const Q12 = 10;
const Q21 = 17;
const Q30 = 24;
/** libjpeg's SAVED_COEFS: coef_bits[0..9] are latched. */
const SAVED = 10;

const ZERO_QUANT = new Uint16Array(64);

/** libjpeg's smoothing_ok: the latched coef_bits (current and before the last scan), or null. */
function smoothingLatch(frame: Frame, co: Coefficients): { cur: Int32Array; prev: Int32Array } | null {
  const n = frame.components.length;
  const cur = new Int32Array(n * SAVED);
  const prev = new Int32Array(n * SAVED);
  let useful = false;
  for (const c of frame.components) {
    const q = c.quant;
    if (!q || [0, Q01, Q10, Q20, Q11, Q02, Q03, Q12, Q21, Q30].some((k) => q[k] === 0)) return null;
    const bits = co.bits.subarray(c.index * 64);
    if (bits[0] < 0) return null;
    cur[c.index * SAVED] = bits[0];
    for (let k = 1; k < SAVED; k++) {
      prev[c.index * SAVED + k] = co.scans > 1 ? co.prevBits[c.index * 64 + k] : -1;
      cur[c.index * SAVED + k] = bits[k];
      if (bits[k] !== 0) useful = true;
    }
  }
  return useful ? { cur, prev } : null;
}

/** Transforms all coefficient blocks into `planes` (stride gridW * 8), smoothing where libjpeg does. */
export function coefficientsToPlanes(frame: Frame, co: Coefficients, planes: Uint8Array[]): void {
  const latch = smoothingLatch(frame, co);
  const lastRow = frame.mcusY - 1;
  for (const c of frame.components) {
    const coefs = co.blocks[c.index];
    const quant = c.quant ?? ZERO_QUANT;
    const stride = c.gridW * 8;
    for (let row = 0; row <= lastRow; row++) {
      const blockRows = row < lastRow ? c.v : c.blocksH % c.v || c.v;
      const latched = latch && (row > co.lastGoodRow ? latch.prev : latch.cur);
      for (let br = 0; br < blockRows; br++) {
        const by = row * c.v + br;
        if (!latched) {
          for (let bx = 0; bx < c.blocksW; bx++) {
            idctBlock(
              coefs,
              (by * c.gridW + bx) * 64,
              quant,
              planes[c.index],
              by * 8 * stride + bx * 8,
              stride,
            );
          }
          continue;
        }
        // Neighbouring block rows, chosen as decompress_smooth_data chooses them.
        const above = br > 0 || row > 0 ? by - 1 : by;
        const above2 = br > 1 || row > 1 ? by - 2 : above;
        const below = br < blockRows - 1 || row < lastRow ? by + 1 : by;
        const below2 = br < blockRows - 2 || row + 1 < lastRow ? by + 2 : below;
        const bits = latched.subarray(c.index * SAVED, c.index * SAVED + SAVED);
        smoothRow(coefs, c.gridW, c.blocksW, [above2, above, by, below, below2], bits, quant, (bx, block) =>
          idctBlock(block, 0, quant, planes[c.index], by * 8 * stride + bx * 8, stride),
        );
      }
    }
  }
}

/**
 * One block row of decompress_smooth_data: `rows` are the block rows two above .. two below, `bits`
 * the component's latched coef_bits[0..9]; each smoothed block is handed to `emit`.
 */
function smoothRow(
  coefs: Int16Array,
  gridW: number,
  blocksW: number,
  rows: number[],
  bits: Int32Array,
  quant: Uint16Array,
  emit: (bx: number, block: Int16Array) => void,
): void {
  const dcAt = (r: number, bx: number) => coefs[(rows[r] * gridW + bx) * 64];
  const changeDc = bits.subarray(1, SAVED).every((b) => b === -1);
  const q00 = quant[0];
  const block = new Int16Array(64);
  // The 5x5 DC window, d[r][col] with the current block at d[2][2], slid along the row.
  const d = [0, 1, 2, 3, 4].map((r) => new Array<number>(5).fill(dcAt(r, 0)));
  const lastCol = blocksW - 1;
  for (let bx = 0; bx <= lastCol; bx++) {
    block.set(coefs.subarray((rows[2] * gridW + bx) * 64, (rows[2] * gridW + bx) * 64 + 64));
    if (bx === 0 && bx < lastCol) for (let r = 0; r < 5; r++) d[r][3] = dcAt(r, 1);
    if (bx + 1 < lastCol) for (let r = 0; r < 5; r++) d[r][4] = dcAt(r, bx + 2);
    const [a, b, m, e, f] = d; // rows above2, above, middle, below, below2
    const est = (k: number, pos: number, num: number) => {
      if (bits[k] !== 0 && block[pos] === 0) block[pos] = predict(q00 * num, quant[pos], bits[k]);
    };
    est(
      1,
      Q01,
      changeDc
        ? -a[0] -
            a[1] +
            a[3] +
            a[4] -
            3 * b[0] +
            13 * b[1] -
            13 * b[3] +
            3 * b[4] -
            3 * m[0] +
            38 * m[1] -
            38 * m[3] +
            3 * m[4] -
            3 * e[0] +
            13 * e[1] -
            13 * e[3] +
            3 * e[4] -
            f[0] -
            f[1] +
            f[3] +
            f[4]
        : -7 * m[0] + 50 * m[1] - 50 * m[3] + 7 * m[4],
    );
    est(
      2,
      Q10,
      changeDc
        ? -a[0] -
            3 * a[1] -
            3 * a[2] -
            3 * a[3] -
            a[4] -
            b[0] +
            13 * b[1] +
            38 * b[2] +
            13 * b[3] -
            b[4] +
            e[0] -
            13 * e[1] -
            38 * e[2] -
            13 * e[3] +
            e[4] +
            f[0] +
            3 * f[1] +
            3 * f[2] +
            3 * f[3] +
            f[4]
        : -7 * a[2] + 50 * b[2] - 50 * e[2] + 7 * f[2],
    );
    est(
      3,
      Q20,
      changeDc
        ? a[2] +
            2 * b[1] +
            7 * b[2] +
            2 * b[3] -
            5 * m[1] -
            14 * m[2] -
            5 * m[3] +
            2 * e[1] +
            7 * e[2] +
            2 * e[3] +
            f[2]
        : -a[2] + 13 * b[2] - 24 * m[2] + 13 * e[2] - f[2],
    );
    est(
      4,
      Q11,
      changeDc
        ? -a[0] + a[4] + 9 * b[1] - 9 * b[3] - 9 * e[1] + 9 * e[3] + f[0] - f[4]
        : b[4] +
            e[0] -
            10 * e[1] +
            10 * e[3] -
            a[1] -
            e[4] +
            f[1] -
            f[3] +
            a[3] -
            b[0] +
            10 * b[1] -
            10 * b[3],
    );
    est(
      5,
      Q02,
      changeDc
        ? 2 * b[1] -
            5 * b[2] +
            2 * b[3] +
            m[0] +
            7 * m[1] -
            14 * m[2] +
            7 * m[3] +
            m[4] +
            2 * e[1] -
            5 * e[2] +
            2 * e[3]
        : -m[0] + 13 * m[1] - 24 * m[2] + 13 * m[3] - m[4],
    );
    if (changeDc) {
      est(6, Q03, b[1] - b[3] + 2 * m[1] - 2 * m[3] + e[1] - e[3]);
      est(7, Q12, b[1] - 3 * b[2] + b[3] - e[1] + 3 * e[2] - e[3]);
      est(8, Q21, b[1] - b[3] - 3 * m[1] + 3 * m[3] + e[1] - e[3]);
      est(9, Q30, b[1] + 2 * b[2] + b[3] - e[1] - 2 * e[2] - e[3]);
      block[0] = predict(
        q00 *
          (-2 * a[0] -
            6 * a[1] -
            8 * a[2] -
            6 * a[3] -
            2 * a[4] -
            6 * b[0] +
            6 * b[1] +
            42 * b[2] +
            6 * b[3] -
            6 * b[4] -
            8 * m[0] +
            42 * m[1] +
            152 * m[2] +
            42 * m[3] -
            8 * m[4] -
            6 * e[0] +
            6 * e[1] +
            42 * e[2] +
            6 * e[3] -
            6 * e[4] -
            2 * f[0] -
            6 * f[1] -
            8 * f[2] -
            6 * f[3] -
            2 * f[4]),
        q00,
        0,
      );
    }
    emit(bx, block);
    for (const r of d) r.copyWithin(0, 1);
  }
}

/** libjpeg's rounded estimate num / (q << 8), capped below 2^al when al > 0 (al < 0: never coded). */
function predict(num: number, q: number, al: number): number {
  let pred = Math.floor((q * 128 + Math.abs(num)) / (q * 256));
  if (al > 0 && pred >= 1 << al) pred = (1 << al) - 1;
  return num >= 0 ? pred : -pred;
}
