/**
 * Huffman decoding as libjpeg-turbo's jdhuff.c does it: derived tables with libjpeg's validity checks,
 * the standard (Annex K) tables that stand in for missing ones in sequential files (Motion-JPEG
 * frames), and a bit reader over one entropy-coded segment that behaves like libjpeg's at the edges:
 * past a marker it reads zero bits and flags the segment as short, and at the end of the file it fails
 * where libjpeg's look-ahead (up to 57 bits) would run out of data.
 */
import { JpegError, truncated } from './jpeg_error.js';
import type { HuffmanSpec } from './markers.js';

const LOOKAHEAD = 8;
/** libjpeg's MIN_GET_BITS on 64-bit builds: how far a refill looks ahead. */
const MIN_GET_BITS = 57;

export interface HuffmanTable {
  /** Codes up to 8 bits: (length << 8) | symbol for each 8-bit prefix; length 9 = longer code. */
  lookup: Uint16Array;
  /** Largest code of each length 1..16 (-1 if none); index 17 is a sentinel. */
  maxcode: Int32Array;
  /** Symbol index of the first code of each length, minus that code. */
  valoffset: Int32Array;
  values: Uint8Array;
}

/** jpeg_make_d_derived_tbl: validates the code lengths (and DC symbols) and builds decoding tables. */
export function deriveTable(spec: HuffmanSpec, isDC: boolean): HuffmanTable {
  const sizes: number[] = [];
  for (let len = 1; len <= 16; len++) for (let i = 0; i < spec.counts[len - 1]; i++) sizes.push(len);
  if (sizes.length > 256) throw new JpegError('bad Huffman table');
  const codes = new Int32Array(sizes.length);
  let code = 0;
  for (let p = 0, si = sizes[0]; p < sizes.length; si++) {
    while (p < sizes.length && sizes[p] === si) codes[p++] = code++;
    if (code >= 1 << si) throw new JpegError('bad Huffman table');
    code <<= 1;
  }
  const maxcode = new Int32Array(18).fill(-1);
  const valoffset = new Int32Array(18);
  for (let len = 1, p = 0; len <= 16; len++) {
    const n = spec.counts[len - 1];
    if (n === 0) continue;
    valoffset[len] = p - codes[p];
    p += n;
    maxcode[len] = codes[p - 1];
  }
  maxcode[17] = 0xfffff;
  const lookup = new Uint16Array(1 << LOOKAHEAD).fill((LOOKAHEAD + 1) << LOOKAHEAD);
  for (let p = 0; p < sizes.length && sizes[p] <= LOOKAHEAD; p++) {
    const shift = LOOKAHEAD - sizes[p];
    const first = codes[p] << shift;
    lookup.fill((sizes[p] << LOOKAHEAD) | spec.values[p], first, first + (1 << shift));
  }
  if (isDC && spec.values.subarray(0, sizes.length).some((s) => s > 15)) {
    throw new JpegError('bad Huffman table: a DC symbol is above 15');
  }
  return { lookup, maxcode, valoffset, values: spec.values };
}

function standardSpec(counts: number[], values: number[]): HuffmanSpec {
  const v = new Uint8Array(256);
  v.set(values);
  return { counts: Uint8Array.from(counts), values: v };
}

const DC_VALUES = [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11];
// prettier-ignore
const AC_LUMA_VALUES = [
  0x01, 0x02, 0x03, 0x00, 0x04, 0x11, 0x05, 0x12, 0x21, 0x31, 0x41, 0x06, 0x13, 0x51, 0x61, 0x07,
  0x22, 0x71, 0x14, 0x32, 0x81, 0x91, 0xa1, 0x08, 0x23, 0x42, 0xb1, 0xc1, 0x15, 0x52, 0xd1, 0xf0,
  0x24, 0x33, 0x62, 0x72, 0x82, 0x09, 0x0a, 0x16, 0x17, 0x18, 0x19, 0x1a, 0x25, 0x26, 0x27, 0x28,
  0x29, 0x2a, 0x34, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48, 0x49,
  0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68, 0x69,
  0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x83, 0x84, 0x85, 0x86, 0x87, 0x88, 0x89,
  0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5, 0xa6, 0xa7,
  0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3, 0xc4, 0xc5,
  0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda, 0xe1, 0xe2,
  0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf1, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8,
  0xf9, 0xfa,
];
// prettier-ignore
const AC_CHROMA_VALUES = [
  0x00, 0x01, 0x02, 0x03, 0x11, 0x04, 0x05, 0x21, 0x31, 0x06, 0x12, 0x41, 0x51, 0x07, 0x61, 0x71,
  0x13, 0x22, 0x32, 0x81, 0x08, 0x14, 0x42, 0x91, 0xa1, 0xb1, 0xc1, 0x09, 0x23, 0x33, 0x52, 0xf0,
  0x15, 0x62, 0x72, 0xd1, 0x0a, 0x16, 0x24, 0x34, 0xe1, 0x25, 0xf1, 0x17, 0x18, 0x19, 0x1a, 0x26,
  0x27, 0x28, 0x29, 0x2a, 0x35, 0x36, 0x37, 0x38, 0x39, 0x3a, 0x43, 0x44, 0x45, 0x46, 0x47, 0x48,
  0x49, 0x4a, 0x53, 0x54, 0x55, 0x56, 0x57, 0x58, 0x59, 0x5a, 0x63, 0x64, 0x65, 0x66, 0x67, 0x68,
  0x69, 0x6a, 0x73, 0x74, 0x75, 0x76, 0x77, 0x78, 0x79, 0x7a, 0x82, 0x83, 0x84, 0x85, 0x86, 0x87,
  0x88, 0x89, 0x8a, 0x92, 0x93, 0x94, 0x95, 0x96, 0x97, 0x98, 0x99, 0x9a, 0xa2, 0xa3, 0xa4, 0xa5,
  0xa6, 0xa7, 0xa8, 0xa9, 0xaa, 0xb2, 0xb3, 0xb4, 0xb5, 0xb6, 0xb7, 0xb8, 0xb9, 0xba, 0xc2, 0xc3,
  0xc4, 0xc5, 0xc6, 0xc7, 0xc8, 0xc9, 0xca, 0xd2, 0xd3, 0xd4, 0xd5, 0xd6, 0xd7, 0xd8, 0xd9, 0xda,
  0xe2, 0xe3, 0xe4, 0xe5, 0xe6, 0xe7, 0xe8, 0xe9, 0xea, 0xf2, 0xf3, 0xf4, 0xf5, 0xf6, 0xf7, 0xf8,
  0xf9, 0xfa,
];

/** jstdhuff.c's tables for DC/AC slots 0 (luminance) and 1 (chrominance). */
export const STANDARD_DC: HuffmanSpec[] = [
  standardSpec([0, 1, 5, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0, 0, 0], DC_VALUES),
  standardSpec([0, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 0, 0, 0, 0, 0], DC_VALUES),
];
export const STANDARD_AC: HuffmanSpec[] = [
  standardSpec([0, 2, 1, 3, 3, 2, 4, 3, 5, 5, 4, 4, 0, 0, 1, 0x7d], AC_LUMA_VALUES),
  standardSpec([0, 2, 1, 2, 4, 4, 3, 4, 7, 5, 4, 4, 0, 1, 2, 0x77], AC_CHROMA_VALUES),
];

/**
 * Reads bits from one entropy-coded segment (between markers), with stuffed bytes removed up front.
 * `marker` is the marker that ends the segment (0 when the data ends without one).
 */
export class EntropyReader {
  private data: Uint8Array;
  private length = 0;
  private bitPos = 0;
  /** libjpeg's refill position, tracked only when the segment runs into the end of the file. */
  private loaded = Infinity;
  marker = 0;
  /** Position just after `marker`. */
  markerEnd = 0;
  /** libjpeg's insufficient_data: bits past the segment's end were read as zeros. */
  insufficient = false;

  constructor(readonly bytes: Uint8Array) {
    this.data = new Uint8Array(bytes.length + 4);
  }

  /** Starts a segment at `pos`: copies data bytes (FF 00 -> FF) up to the next marker or the end. */
  open(pos: number): void {
    const bytes = this.bytes;
    let n = 0;
    this.marker = 0;
    for (;;) {
      let ff = bytes.indexOf(0xff, pos);
      if (ff < 0) ff = bytes.length;
      this.data.set(bytes.subarray(pos, ff), n);
      n += ff - pos;
      if (ff >= bytes.length) break;
      let p = ff + 1;
      while (p < bytes.length && bytes[p] === 0xff) p++;
      if (p >= bytes.length) break;
      if (bytes[p] !== 0) {
        this.marker = bytes[p];
        this.markerEnd = p + 1;
        break;
      }
      this.data[n++] = 0xff;
      pos = p + 1;
    }
    this.data.fill(0, n, n + 4);
    this.length = n;
    this.bitPos = 0;
    this.loaded = this.marker === 0 ? 0 : Infinity;
    this.insufficient = false;
  }

  /**
   * An empty segment ending at the (still unread) marker `code`, as after libjpeg's resync; whether
   * the segment being left ran short carries over.
   */
  openAtMarker(code: number, end: number): void {
    this.checkExhausted();
    this.data.fill(0, 0, 4);
    this.length = 0;
    this.bitPos = 0;
    this.loaded = Infinity;
    this.marker = code;
    this.markerEnd = end;
  }

  /** Updates `insufficient` (libjpeg sets it as soon as a read runs past the segment). */
  checkExhausted(): boolean {
    if (this.bitPos > this.length * 8) this.insufficient = true;
    return this.insufficient;
  }

  /**
   * libjpeg's refill at bit position `at`: it loads bytes until 57 bits are buffered; running into
   * the end of the file there is where libjpeg suspends and PIL reports a truncated file.
   */
  private fill(at: number): void {
    while (this.loaded - at < MIN_GET_BITS) {
      if (this.loaded >= this.length * 8) throw truncated('inside compressed image data');
      this.loaded += 8;
    }
  }

  private peek16(): number {
    const i = this.bitPos >>> 3;
    if (i >= this.length) return 0;
    const d = this.data;
    return (((d[i] << 16) | (d[i + 1] << 8) | d[i + 2]) >>> (8 - (this.bitPos & 7))) & 0xffff;
  }

  /** Reads `n` (0..16) raw bits. */
  bits(n: number): number {
    if (this.loaded - this.bitPos < n) this.fill(this.bitPos);
    const v = this.peek16() >>> (16 - n);
    this.bitPos += n;
    return v;
  }

  /** Reads `s` bits and sign-extends them (JPEG's EXTEND). */
  extend(s: number): number {
    const v = this.bits(s);
    return v < 1 << (s - 1) ? v - (1 << s) + 1 : v;
  }

  /** Decodes one Huffman symbol; an invalid code (17 bits) yields 0 like jpeg_huff_decode. */
  decode(t: HuffmanTable): number {
    if (this.loaded - this.bitPos < LOOKAHEAD) this.fill(this.bitPos);
    const peek = this.peek16();
    const hit = t.lookup[peek >>> 8];
    let len = hit >>> 8;
    if (len <= LOOKAHEAD) {
      this.bitPos += len;
      return hit & 0xff;
    }
    if (this.loaded - this.bitPos < 9) this.fill(this.bitPos);
    let code = peek >>> 7;
    while (code > t.maxcode[len]) {
      len++;
      code = len <= 16 ? peek >>> (16 - len) : code * 2;
    }
    const buffered = this.loaded - this.bitPos;
    if (buffered < len) this.fill(this.bitPos + buffered);
    this.bitPos += len;
    return len > 16 ? 0 : t.values[code + t.valoffset[len]];
  }
}
