/**
 * JPEG marker segments, read the way libjpeg-turbo's jdmarker.c/jdinput.c read them: finding the next
 * marker (skipping stray bytes and fill), and parsing frame (SOF), scan (SOS), table (DQT, DHT),
 * restart-interval (DRI) and colour-space (JFIF APP0, Adobe APP14) segments with libjpeg's checks.
 */
import { JpegError, truncated } from './jpeg_error.js';

export const SOI = 0xd8;
export const EOI = 0xd9;
export const SOS = 0xda;
export const DQT = 0xdb;
export const DNL = 0xdc;
export const DRI = 0xdd;
export const DHT = 0xc4;
export const DAC = 0xcc;
export const COM = 0xfe;
export const APP0 = 0xe0;
export const APP14 = 0xee;
export const RST0 = 0xd0;
export const TEM = 0x01;

/** libjpeg's JPEG_MAX_DIMENSION. */
const MAX_DIMENSION = 65500;
/** libjpeg's D_MAX_BLOCKS_IN_MCU. */
const MAX_BLOCKS_IN_MCU = 10;

/**
 * Zigzag index -> natural (row-major) index, with libjpeg's 16 extra entries of 63 so that a corrupt
 * run length past the end of a block lands on the last coefficient instead of failing.
 */
// prettier-ignore
export const NATURAL_ORDER = Int32Array.from([
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5,
  12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7, 14, 21, 28,
  35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51,
  58, 59, 52, 45, 38, 31, 39, 46, 53, 60, 61, 54, 47, 55, 62, 63,
  63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63, 63,
]);

export interface Component {
  id: number;
  index: number;
  h: number;
  v: number;
  /** Quantization table slot named by the frame. */
  tq: number;
  /** Blocks holding image samples (libjpeg's width_in_blocks / height_in_blocks). */
  blocksW: number;
  blocksH: number;
  /** Blocks covered by whole MCUs: the size of the coefficient and sample buffers. */
  gridW: number;
  gridH: number;
  /** Samples of this component (libjpeg's downsampled_width / downsampled_height). */
  sampleW: number;
  sampleH: number;
  /** Quantization table (natural order) latched when the component's first scan starts. */
  quant: Uint16Array | null;
}

export interface Frame {
  width: number;
  height: number;
  progressive: boolean;
  components: Component[];
  hmax: number;
  vmax: number;
  mcusX: number;
  mcusY: number;
}

export interface ScanHeader {
  components: Component[];
  dcTables: number[];
  acTables: number[];
  /** Spectral selection start/end and successive-approximation high/low bit. */
  ss: number;
  se: number;
  ah: number;
  al: number;
}

/** A DHT table as defined in the file; derived (and validated) when a scan uses it. */
export interface HuffmanSpec {
  counts: Uint8Array; // codes of length 1..16
  values: Uint8Array; // 256 entries, zero past the defined symbols
}

export interface MarkerAt {
  code: number;
  /** Position just after the marker code. */
  end: number;
}

/** libjpeg's next_marker: skips stray bytes, fill bytes and stuffed FF 00 pairs; null at end of data. */
export function nextMarker(bytes: Uint8Array, pos: number): MarkerAt | null {
  for (;;) {
    const ff = bytes.indexOf(0xff, pos);
    if (ff < 0) return null;
    let p = ff + 1;
    while (p < bytes.length && bytes[p] === 0xff) p++;
    if (p >= bytes.length) return null;
    if (bytes[p] !== 0) return { code: bytes[p], end: p + 1 };
    pos = p + 1;
  }
}

/**
 * Reads a marker segment byte by byte, as libjpeg does: running out of data is a truncation (where
 * libjpeg suspends), told apart from contents that are invalid.
 */
export class SegmentReader {
  constructor(
    private readonly bytes: Uint8Array,
    public pos: number,
    readonly name: string,
  ) {}

  byte(): number {
    if (this.pos >= this.bytes.length) throw truncated(`inside the ${this.name} marker`);
    return this.bytes[this.pos++];
  }

  u16(): number {
    return (this.byte() << 8) | this.byte();
  }

  /** Skips `n` bytes (libjpeg's skip_input_data). */
  skip(n: number): void {
    if (this.pos + n > this.bytes.length) throw truncated(`inside the ${this.name} marker`);
    this.pos += n;
  }
}

const SOF_NAMES: Record<number, string> = {
  0xc3: 'lossless',
  0xc5: 'differential sequential',
  0xc6: 'differential progressive',
  0xc7: 'differential lossless',
  0xc8: 'reserved JPG',
  0xcb: 'arithmetic-coded lossless',
  0xcd: 'arithmetic-coded differential sequential',
  0xce: 'arithmetic-coded differential progressive',
  0xcf: 'arithmetic-coded differential lossless',
};

/** True for the SOFn marker codes (C0-CF except DHT C4 and DAC CC). */
export function isFrameMarker(code: number): boolean {
  return code >= 0xc0 && code <= 0xcf && code !== DHT && code !== DAC;
}

/**
 * Parses an SOFn segment with libjpeg's get_sof checks (and initial_setup's, done here rather than
 * at the first scan); `seen` when a frame header came before.
 */
export function parseFrame(code: number, r: SegmentReader, seen: boolean): Frame {
  if (code === 0xc9 || code === 0xca) {
    throw new JpegError(
      'arithmetic coding; re-encode it with Huffman coding, e.g. with jpegtran',
      'unsupported',
    );
  }
  if (SOF_NAMES[code]) {
    throw new JpegError(`${SOF_NAMES[code]} process, SOF${code - 0xc0}`, 'unsupported');
  }
  const length = r.u16();
  const precision = r.byte();
  const height = r.u16();
  const width = r.u16();
  const n = r.byte();
  if (seen) throw new JpegError('it has two frame headers');
  if (height === 0 || width === 0 || n === 0) throw new JpegError('frame declares an empty image');
  if (length !== 8 + n * 3) throw new JpegError('frame header length does not match its components');
  const raw = Array.from({ length: n }, () => {
    const id = r.byte();
    const hv = r.byte();
    return { id, h: hv >> 4, v: hv & 15, tq: r.byte() };
  });
  if (precision !== 8)
    throw new JpegError(`${precision}-bit samples; PIL reads 8-bit JPEGs only`, 'unsupported');
  if (n !== 1 && n !== 3 && n !== 4) {
    throw new JpegError(`${n} components; PIL reads 1, 3 or 4`, 'unsupported');
  }
  if (raw.some((c) => c.h < 1 || c.h > 4 || c.v < 1 || c.v > 4)) {
    throw new JpegError('bad sampling factors: each must be 1 to 4');
  }
  const hmax = Math.max(...raw.map((c) => c.h));
  const vmax = Math.max(...raw.map((c) => c.v));
  if (raw.some((c) => hmax % c.h !== 0 || vmax % c.v !== 0)) {
    throw new JpegError('fractional sampling ratios', 'unsupported');
  }
  const mcusX = Math.ceil(width / (8 * hmax));
  const mcusY = Math.ceil(height / (8 * vmax));
  const components = raw.map((c, index) => ({
    ...c,
    index,
    blocksW: Math.ceil((width * c.h) / (8 * hmax)),
    blocksH: Math.ceil((height * c.v) / (8 * vmax)),
    gridW: mcusX * c.h,
    gridH: mcusY * c.v,
    sampleW: Math.ceil((width * c.h) / hmax),
    sampleH: Math.ceil((height * c.v) / vmax),
    quant: null,
  }));
  return { width, height, progressive: code === 0xc2, components, hmax, vmax, mcusX, mcusY };
}

/** libjpeg's per-image dimension limit, checked after the pixel cap. */
export function checkDimensions(frame: Frame): void {
  if (frame.width > MAX_DIMENSION || frame.height > MAX_DIMENSION) {
    throw new JpegError(
      `image is ${frame.width}x${frame.height}, over libjpeg's limit of ${MAX_DIMENSION} pixels a side`,
    );
  }
}

/** Parses an SOS segment against the frame (libjpeg's get_sos and per_scan_setup checks). */
export function parseScan(r: SegmentReader, frame: Frame): ScanHeader {
  const length = r.u16();
  const n = r.byte();
  if (length !== 6 + n * 2 || n < 1 || n > 4) throw new JpegError('bad scan header length');
  const components: Component[] = [];
  const dcTables: number[] = [];
  const acTables: number[] = [];
  for (let i = 0; i < n; i++) {
    const id = r.byte();
    const tables = r.byte();
    // libjpeg-turbo only matches frame components at or after this scan position (frame order).
    const c = frame.components.find((x) => x.id === id && x.index < 4 && x.index >= i);
    if (!c || components.includes(c)) throw new JpegError(`scan names a bad component id ${id}`);
    components.push(c);
    dcTables.push(tables >> 4);
    acTables.push(tables & 15);
  }
  const ss = r.byte();
  const se = r.byte();
  const a = r.byte();
  if (n > 1 && components.reduce((sum, c) => sum + c.h * c.v, 0) > MAX_BLOCKS_IN_MCU) {
    throw new JpegError(`an MCU holds more than ${MAX_BLOCKS_IN_MCU} blocks`);
  }
  return { components, dcTables, acTables, ss, se, ah: a >> 4, al: a & 15 };
}

/** Parses a DQT segment into `tables` (natural order), as get_dqt. */
export function parseQuantTables(r: SegmentReader, tables: (Uint16Array | null)[]): void {
  let length = r.u16() - 2;
  while (length > 0) {
    const n = r.byte();
    const wide = n >> 4 !== 0;
    const slot = n & 15;
    if (slot >= 4) throw new JpegError(`bad quantization table index ${slot}`);
    const q = new Uint16Array(64);
    for (let k = 0; k < 64; k++) q[NATURAL_ORDER[k]] = wide ? r.u16() : r.byte();
    tables[slot] = q;
    length -= wide ? 129 : 65;
  }
  if (length !== 0) throw new JpegError('quantization table marker has a bad length');
}

/** Parses a DHT segment into the DC/AC slots, as get_dht (full checks wait until a scan uses a table). */
export function parseHuffmanTables(
  r: SegmentReader,
  dc: (HuffmanSpec | null)[],
  ac: (HuffmanSpec | null)[],
): void {
  let length = r.u16() - 2;
  while (length > 16) {
    const index = r.byte();
    const counts = Uint8Array.from({ length: 16 }, () => r.byte());
    const count = counts.reduce((a, b) => a + b, 0);
    length -= 17;
    if (count > 256 || count > length) throw new JpegError('bad Huffman table definition');
    const values = new Uint8Array(256);
    for (let i = 0; i < count; i++) values[i] = r.byte();
    length -= count;
    const slot = index & 0x0f;
    if ((index & 0xe0) !== 0 || slot >= 4) throw new JpegError(`bad Huffman table index ${index}`);
    (index & 0x10 ? ac : dc)[slot] = { counts, values };
  }
  if (length !== 0) throw new JpegError('Huffman table marker has a bad length');
}

/** Parses a DRI segment: the restart interval in MCUs (0 = none). */
export function parseRestartInterval(r: SegmentReader): number {
  if (r.u16() !== 4) throw new JpegError('restart interval marker has a bad length');
  return r.u16();
}

/** Checks a DAC segment as get_dac does (its arithmetic-coding values are of no use to us). */
export function checkArithmeticConditioning(r: SegmentReader): void {
  let length = r.u16() - 2;
  while (length > 0) {
    const index = r.byte();
    const value = r.byte();
    length -= 2;
    if (index >= 32) throw new JpegError(`bad arithmetic table index ${index}`);
    if (index < 16 && (value & 15) > value >> 4)
      throw new JpegError(`bad arithmetic conditioning value ${value}`);
  }
  if (length !== 0) throw new JpegError('arithmetic conditioning marker has a bad length');
}

/** Skips a segment whose contents we do not use (skip_variable). */
export function skipSegment(r: SegmentReader): void {
  const length = r.u16() - 2;
  if (length > 0) r.skip(length);
}

/** What the APP0/APP14 markers say about the colour space (libjpeg's examine_app0/examine_app14). */
export interface ColorMarkers {
  jfif: boolean;
  /** Adobe APP14 transform flag, or -1 without an Adobe marker. */
  adobeTransform: number;
}

/** Reads an APPn segment; returns what a JFIF (APP0) or Adobe (APP14) marker says, as get_interesting_appn. */
export function readAppMarker(code: number, r: SegmentReader): Partial<ColorMarkers> {
  let length = r.u16() - 2;
  const head = Uint8Array.from({ length: Math.max(0, Math.min(length, 14)) }, () => r.byte());
  length -= head.length;
  if (length > 0) r.skip(length);
  const tag = String.fromCharCode(...head.subarray(0, 5));
  if (code === APP0 && head.length >= 14 && tag === 'JFIF\0') return { jfif: true };
  if (code === APP14 && head.length >= 12 && tag === 'Adobe') return { adobeTransform: head[11] };
  return {};
}
