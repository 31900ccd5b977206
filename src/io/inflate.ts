/**
 * Inflate (RFC 1951 deflate data, raw or in a zlib wrapper, RFC 1950) in TypeScript, so the PNG and
 * zip readers run the same in Node and in a browser. The output is capped: the caller says how many
 * bytes the data may inflate to (what a PNG header or a zip entry declares); the output buffer grows
 * as data arrives (never past the cap, so a small file claiming a large size costs little), and data
 * inflating beyond the cap is refused rather than buffered. Messages follow zlib's.
 */

export type InflateFailure = 'too-large' | 'truncated' | 'invalid';

/** Why data did not inflate: beyond the cap, cut short, or not valid deflate data. */
export class InflateError extends Error {
  constructor(
    readonly reason: InflateFailure,
    message: string,
  ) {
    super(message);
    this.name = 'InflateError';
  }
}

const LENGTH_BASE = [
  3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195,
  227, 258,
];
const LENGTH_EXTRA = [0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0];
const DIST_BASE = [
  1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097,
  6145, 8193, 12289, 16385, 24577,
];
const DIST_EXTRA = [
  0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13,
];
/** The order in which a dynamic block lists the code lengths of the code-length alphabet. */
const CODE_LENGTH_ORDER = [16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15];

/** Bits of the lookup table: longer codes (rare symbols) are decoded bit by bit (slowCode). */
const FAST_BITS = 10;

/**
 * A canonical Huffman code: a lookup table indexed by the next `fastBits` input bits (LSB first),
 * each entry symbol << 4 | code length, 0 where no code of at most `fastBits` bits matches; and the
 * code counts per length and the symbols in code order, for the longer codes.
 */
interface Huffman {
  table: Int32Array;
  fastBits: number;
  /** The longest code length used. */
  bits: number;
  counts: Int32Array;
  symbols: Int32Array;
}

/** The code of `lengths` (0 = symbol unused); null when the lengths over-subscribe the code space. */
function buildHuffman(lengths: ArrayLike<number>): Huffman | null {
  const counts = new Int32Array(16);
  let bits = 1;
  for (let s = 0; s < lengths.length; s++) {
    counts[lengths[s]]++;
    bits = Math.max(bits, lengths[s]);
  }
  counts[0] = 0;
  let left = 1;
  for (let len = 1; len <= 15; len++) {
    left = 2 * left - counts[len];
    if (left < 0) return null;
  }
  // The first code of each length (RFC 1951 3.2.2), and where each length's symbols start in code order.
  const next = new Int32Array(16);
  const offsets = new Int32Array(16);
  for (let len = 2; len <= 15; len++) {
    next[len] = (next[len - 1] + counts[len - 1]) << 1;
    offsets[len] = offsets[len - 1] + counts[len - 1];
  }
  const fastBits = Math.min(bits, FAST_BITS);
  const size = 1 << fastBits;
  const table = new Int32Array(size);
  const symbols = new Int32Array(lengths.length);
  for (let s = 0; s < lengths.length; s++) {
    const len = lengths[s];
    if (len === 0) continue;
    symbols[offsets[len]++] = s;
    if (len > fastBits) continue;
    let code = next[len]++;
    let reversed = 0;
    for (let i = 0; i < len; i++, code >>= 1) reversed = (reversed << 1) | (code & 1);
    for (let i = reversed; i < size; i += 1 << len) table[i] = (s << 4) | len;
  }
  return { table, fastBits, bits, counts, symbols };
}

/**
 * A code longer than the table's bits, read bit by bit from `buf` (`cnt` bits available) by the
 * canonical order (as zlib's puff.c): symbol << 4 | length, or 0 when no code matches.
 */
function slowCode(h: Huffman, buf: number, cnt: number): number {
  let code = 0;
  let first = 0;
  let index = 0;
  for (let len = 1; len <= Math.min(h.bits, cnt); len++) {
    code |= (buf >>> (len - 1)) & 1;
    const count = h.counts[len];
    if (code - first < count) return (h.symbols[index + code - first] << 4) | len;
    index += count;
    first = (first + count) << 1;
    code <<= 1;
  }
  return 0;
}

let fixedCodes: { lit: Huffman; dist: Huffman } | null = null;

function fixed(): { lit: Huffman; dist: Huffman } {
  if (fixedCodes === null) {
    const lit = new Uint8Array(288);
    lit.fill(8, 0, 144).fill(9, 144, 256).fill(7, 256, 280).fill(8, 280, 288);
    fixedCodes = { lit: buildHuffman(lit)!, dist: buildHuffman(new Uint8Array(30).fill(5))! };
  }
  return fixedCodes;
}

class Inflater {
  private pos: number;
  private bitBuf = 0;
  private bitCnt = 0;
  private out: Uint8Array;
  private outPos = 0;

  constructor(
    private readonly data: Uint8Array,
    start: number,
    private readonly maxOutput: number,
  ) {
    this.pos = start;
    this.out = new Uint8Array(Math.min(maxOutput, Math.max(1 << 16, 4 * data.length)));
  }

  /** Room for `n` more output bytes: the buffer doubles as needed, up to the cap. */
  private room(n: number): Uint8Array {
    const need = this.outPos + n;
    if (need <= this.out.length) return this.out;
    if (need > this.maxOutput) Inflater.fail('too-large', `output exceeds ${this.maxOutput} bytes`);
    const grown = new Uint8Array(Math.min(this.maxOutput, Math.max(2 * this.out.length, need)));
    grown.set(this.out.subarray(0, this.outPos));
    this.out = grown;
    return grown;
  }

  private static fail(reason: InflateFailure, message: string): never {
    throw new InflateError(reason, message);
  }

  private need(n: number): void {
    while (this.bitCnt < n && this.pos < this.data.length) {
      this.bitBuf |= this.data[this.pos++] << this.bitCnt;
      this.bitCnt += 8;
    }
  }

  private bits(n: number): number {
    this.need(n);
    if (this.bitCnt < n) Inflater.fail('truncated', 'unexpected end of file');
    const v = this.bitBuf & ((1 << n) - 1);
    this.bitBuf >>>= n;
    this.bitCnt -= n;
    return v;
  }

  private decode(h: Huffman): number {
    this.need(h.bits);
    let entry = h.table[this.bitBuf & ((1 << h.fastBits) - 1)];
    if (entry === 0) entry = slowCode(h, this.bitBuf, this.bitCnt);
    const len = entry & 15;
    if (len === 0 || len > this.bitCnt) this.badCode(h.bits, this.bitCnt, this.pos);
    this.bitBuf >>>= len;
    this.bitCnt -= len;
    return entry >>> 4;
  }

  /** The error for bits that match no code: input that ended early, or an invalid code. */
  private badCode(bits: number, cnt: number, pos: number): never {
    if (cnt < bits && pos >= this.data.length) Inflater.fail('truncated', 'unexpected end of file');
    return Inflater.fail('invalid', 'invalid code');
  }

  /** Drops the bits up to the next byte boundary and hands back whole bytes already buffered. */
  alignToByte(): number {
    this.pos -= this.bitCnt >> 3;
    this.bitBuf = 0;
    this.bitCnt = 0;
    return this.pos;
  }

  /** Inflates blocks up to the final one; returns the output. */
  run(): Uint8Array {
    let last = 0;
    while (last === 0) {
      last = this.bits(1);
      const type = this.bits(2);
      if (type === 0) this.stored();
      else if (type === 1) this.codes(fixed().lit, fixed().dist);
      else if (type === 2) this.dynamic();
      else Inflater.fail('invalid', 'invalid block type');
    }
    return this.out.subarray(0, this.outPos);
  }

  private stored(): void {
    const at = this.alignToByte();
    const data = this.data;
    if (at + 4 > data.length) Inflater.fail('truncated', 'unexpected end of file');
    const len = data[at] | (data[at + 1] << 8);
    const nlen = data[at + 2] | (data[at + 3] << 8);
    if (len !== (~nlen & 0xffff)) Inflater.fail('invalid', 'invalid stored block lengths');
    if (at + 4 + len > data.length) Inflater.fail('truncated', 'unexpected end of file');
    this.room(len).set(data.subarray(at + 4, at + 4 + len), this.outPos);
    this.outPos += len;
    this.pos = at + 4 + len;
  }

  private dynamic(): void {
    const nlen = this.bits(5) + 257;
    const ndist = this.bits(5) + 1;
    const ncode = this.bits(4) + 4;
    if (nlen > 286 || ndist > 30) Inflater.fail('invalid', 'too many length or distance symbols');
    const clLengths = new Uint8Array(19);
    for (let i = 0; i < ncode; i++) clLengths[CODE_LENGTH_ORDER[i]] = this.bits(3);
    const cl = buildHuffman(clLengths);
    if (cl === null) Inflater.fail('invalid', 'invalid code lengths set');
    const lengths = new Uint8Array(nlen + ndist);
    for (let i = 0; i < lengths.length;) {
      const sym = this.decode(cl);
      if (sym < 16) {
        lengths[i++] = sym;
        continue;
      }
      let value = 0;
      let repeat: number;
      if (sym === 16) {
        if (i === 0) Inflater.fail('invalid', 'invalid bit length repeat');
        value = lengths[i - 1];
        repeat = 3 + this.bits(2);
      } else if (sym === 17) repeat = 3 + this.bits(3);
      else repeat = 11 + this.bits(7);
      if (i + repeat > lengths.length) Inflater.fail('invalid', 'invalid bit length repeat');
      lengths.fill(value, i, i + repeat);
      i += repeat;
    }
    if (lengths[256] === 0) Inflater.fail('invalid', 'invalid code -- missing end-of-block');
    const lit = buildHuffman(lengths.subarray(0, nlen));
    if (lit === null) Inflater.fail('invalid', 'invalid literal/lengths set');
    const dist = buildHuffman(lengths.subarray(nlen));
    if (dist === null) Inflater.fail('invalid', 'invalid distances set');
    this.codes(lit, dist);
  }

  /**
   * The symbols of one block up to its end-of-block code. The hot loop of inflate: the input position,
   * bit buffer and output position live in locals and go back to the fields at the end of the block
   * (errors throw, so their state is not needed).
   */
  private codes(lit: Huffman, dist: Huffman): void {
    const data = this.data;
    const { table: lt, bits: lbits } = lit;
    const { table: dt, bits: dbits } = dist;
    const lmask = (1 << lit.fastBits) - 1;
    const dmask = (1 << dist.fastBits) - 1;
    let pos = this.pos;
    let buf = this.bitBuf;
    let cnt = this.bitCnt;
    let out = this.out;
    let at = this.outPos;
    for (;;) {
      while (cnt < lbits && pos < data.length) {
        buf |= data[pos++] << cnt;
        cnt += 8;
      }
      let entry = lt[buf & lmask];
      if (entry === 0) entry = slowCode(lit, buf, cnt);
      const codeLength = entry & 15;
      if (codeLength === 0 || codeLength > cnt) this.badCode(lbits, cnt, pos);
      buf >>>= codeLength;
      cnt -= codeLength;
      const sym = entry >>> 4;
      if (sym < 256) {
        if (at >= out.length) {
          this.outPos = at;
          out = this.room(1);
        }
        out[at++] = sym;
        continue;
      }
      if (sym === 256) break;
      const li = sym - 257;
      if (li >= 29) Inflater.fail('invalid', 'invalid literal/length code');
      let extra = LENGTH_EXTRA[li];
      while (cnt < extra && pos < data.length) {
        buf |= data[pos++] << cnt;
        cnt += 8;
      }
      if (cnt < extra) Inflater.fail('truncated', 'unexpected end of file');
      const len = LENGTH_BASE[li] + (buf & ((1 << extra) - 1));
      buf >>>= extra;
      cnt -= extra;
      while (cnt < dbits && pos < data.length) {
        buf |= data[pos++] << cnt;
        cnt += 8;
      }
      let dEntry = dt[buf & dmask];
      if (dEntry === 0) dEntry = slowCode(dist, buf, cnt);
      const dLength = dEntry & 15;
      if (dLength === 0 || dLength > cnt) this.badCode(dbits, cnt, pos);
      buf >>>= dLength;
      cnt -= dLength;
      const di = dEntry >>> 4;
      if (di >= 30) Inflater.fail('invalid', 'invalid distance code');
      extra = DIST_EXTRA[di];
      while (cnt < extra && pos < data.length) {
        buf |= data[pos++] << cnt;
        cnt += 8;
      }
      if (cnt < extra) Inflater.fail('truncated', 'unexpected end of file');
      const d = DIST_BASE[di] + (buf & ((1 << extra) - 1));
      buf >>>= extra;
      cnt -= extra;
      if (d > at) Inflater.fail('invalid', 'invalid distance too far back');
      if (at + len > out.length) {
        this.outPos = at;
        out = this.room(len);
      }
      let from = at - d;
      const end = at + len;
      // copyWithin pays a call per match: only long, non-overlapping copies gain from it.
      if (d >= len && len > 32) {
        out.copyWithin(at, from, from + len);
        at = end;
      } else {
        while (at < end) out[at++] = out[from++];
      }
    }
    this.pos = pos;
    this.bitBuf = buf;
    this.bitCnt = cnt;
    this.outPos = at;
  }
}

/** Inflates raw deflate data to at most `maxOutput` bytes (bytes after the final block are ignored). */
export function inflateRaw(data: Uint8Array, maxOutput: number): Uint8Array {
  return new Inflater(data, 0, maxOutput).run();
}

/** Adler-32 of `bytes` (RFC 1950). */
export function adler32(bytes: Uint8Array): number {
  let a = 1;
  let b = 0;
  for (let i = 0; i < bytes.length;) {
    const end = Math.min(bytes.length, i + 5552);
    for (; i < end; i++) {
      a += bytes[i];
      b += a;
    }
    a %= 65521;
    b %= 65521;
  }
  return ((b << 16) | a) >>> 0;
}

/** Inflates zlib-wrapped data (header and Adler-32 checked) to at most `maxOutput` bytes. */
export function inflateZlib(data: Uint8Array, maxOutput: number): Uint8Array {
  if (data.length < 2) throw new InflateError('truncated', 'unexpected end of file');
  const [cmf, flg] = [data[0], data[1]];
  if ((cmf * 256 + flg) % 31 !== 0) throw new InflateError('invalid', 'incorrect header check');
  if ((cmf & 15) !== 8) throw new InflateError('invalid', 'unknown compression method');
  if (cmf >> 4 > 7) throw new InflateError('invalid', 'invalid window size');
  if (flg & 0x20) throw new InflateError('invalid', 'need dictionary');
  const inflater = new Inflater(data, 2, maxOutput);
  const out = inflater.run();
  const at = inflater.alignToByte();
  if (at + 4 > data.length) throw new InflateError('truncated', 'unexpected end of file');
  const expected = ((data[at] << 24) | (data[at + 1] << 16) | (data[at + 2] << 8) | data[at + 3]) >>> 0;
  if (adler32(out) !== expected) throw new InflateError('invalid', 'incorrect data check');
  return out;
}
