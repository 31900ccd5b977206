/**
 * Image file I/O: decode PNG/JPEG bytes into 8-bit RGB pixels exactly as PIL's
 * `Image.open(f).convert('RGB')` does, and encode RGB pixels as PNG.
 *
 * Format is detected from magic bytes, never from the file extension. PNG decoding (png.ts) and its
 * conversions follow Pillow 9; image sizes are checked against the pixel limit (image_limits.ts).
 * Baseline JPEGs are decoded here bit-exactly like libjpeg-turbo (see the JPEG section below);
 * progressive ones fall back to jpeg-js (within a few levels). EXIF orientation is not applied
 * (PIL does not apply it either).
 */
import { readFileSync, statSync } from 'node:fs';
import { writeFileAtomic } from './atomic_write.js';
import { PNG } from 'pngjs';
import jpeg from 'jpeg-js';
import { FileFormatError } from '../errors.js';
import { decodePng } from './png.js';

/** An 8-bit RGB image, pixels stored row-major as HWC (`data.length === width * height * 3`). */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** Image bytes already in memory (e.g. read from standard input); `name` is what errors call them. */
export interface ImageBytes {
  name: string;
  bytes: Uint8Array;
}

/** An image to read: a file path, or bytes already in memory. */
export type ImageSource = string | ImageBytes;

/** The name results and errors give an image source. */
export function imageName(source: ImageSource): string {
  return typeof source === 'string' ? source : source.name;
}

/** Reads and decodes an image file (or bytes); every failure is a FileFormatError naming the source. */
export function readImage(source: ImageSource): RgbImage {
  if (typeof source !== 'string') return decodeImage(source.bytes, source.name);
  const path = source;
  let bytes: Uint8Array;
  try {
    if (statSync(path).isDirectory())
      throw new FileFormatError(`${path}: is a directory, not an image file.`);
    bytes = readFileSync(path);
  } catch (err) {
    if (err instanceof FileFormatError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new FileFormatError(`${path}: file not found.`);
    throw new FileFormatError(`${path}: cannot read file (${(err as Error).message}).`);
  }
  return decodeImage(bytes, path);
}

/** Decodes PNG or JPEG bytes; `source` names the file in error messages. */
export function decodeImage(bytes: Uint8Array, source: string): RgbImage {
  if (bytes.length === 0) throw new FileFormatError(`${source}: file is empty, not a PNG or JPEG image.`);
  if (PNG_SIGNATURE.every((b, i) => bytes[i] === b)) return decodePng(bytes, source);
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return decodeJpeg(bytes, source);
  throw new FileFormatError(`${source}: not a PNG or JPEG image (starts with ${describeStart(bytes)}).`);
}

function describeStart(bytes: Uint8Array): string {
  const head = bytes.subarray(0, 8);
  const printable = head.every((b) => b >= 0x20 && b < 0x7f);
  if (printable) return JSON.stringify(String.fromCharCode(...head));
  return `bytes ${Array.from(head, (b) => b.toString(16).padStart(2, '0')).join(' ')}`;
}

function decodeJpeg(bytes: Uint8Array, source: string): RgbImage {
  try {
    const exact = decodeBaselineJpeg(bytes);
    if (exact) return exact;
    const { width, height, data } = jpeg.decode(bytes, {
      useTArray: true,
      formatAsRGBA: false,
      tolerantDecoding: false,
      maxMemoryUsageInMB: 2048,
    });
    if (data.length !== width * height * 3) throw new Error('unexpected pixel count');
    return { width, height, data };
  } catch (err) {
    throw new FileFormatError(`${source}: invalid or truncated JPEG image (${(err as Error).message}).`);
  }
}

/** Encodes an RGB image as an 8-bit truecolour PNG. */
export function encodePng(img: RgbImage): Uint8Array {
  if (img.data.length !== img.width * img.height * 3) {
    throw new Error(
      `encodePng: ${img.width}x${img.height} RGB image needs ${img.width * img.height * 3} bytes.`,
    );
  }
  const png = new PNG({ width: img.width, height: img.height });
  png.data = Buffer.from(img.data.buffer, img.data.byteOffset, img.data.byteLength);
  return PNG.sync.write(png, { colorType: 2, inputColorType: 2, inputHasAlpha: false, bitDepth: 8 });
}

/** Writes an RGB image as PNG atomically (temporary file, then rename). */
export function writePng(path: string, img: RgbImage): void {
  writeFileAtomic(path, [encodePng(img)]);
}

// ---------------------------------------------------------------------------------------------
// Baseline JPEG decoding that reproduces libjpeg-turbo (as used by PIL) exactly: the ISLOW integer
// IDCT (jidctint.c), "fancy" triangle chroma upsampling (jdsample.c) and the fixed-point
// YCbCr->RGB tables (jdcolor.c). Progressive/arithmetic/CMYK files fall back to jpeg-js.
// ---------------------------------------------------------------------------------------------

/** Zigzag index -> natural (row-major) index. */
const NATURAL_ORDER = [
  0, 1, 8, 16, 9, 2, 3, 10, 17, 24, 32, 25, 18, 11, 4, 5, 12, 19, 26, 33, 40, 48, 41, 34, 27, 20, 13, 6, 7,
  14, 21, 28, 35, 42, 49, 56, 57, 50, 43, 36, 29, 22, 15, 23, 30, 37, 44, 51, 58, 59, 52, 45, 38, 31, 39, 46,
  53, 60, 61, 54, 47, 55, 62, 63,
];

interface HuffTable {
  maxcode: Int32Array; // by code length 1..16; -1 if no codes of that length
  valptr: Int32Array;
  mincode: Int32Array;
  values: Uint8Array;
}

interface JpegComponent {
  id: number;
  h: number;
  v: number;
  tq: number;
  stride: number;
  plane: Uint8Array;
  blocksW: number; // block grid of a non-interleaved scan
  blocksH: number;
  pred: number;
  dc?: HuffTable;
  ac?: HuffTable;
}

function buildHuffTable(counts: Uint8Array, values: Uint8Array): HuffTable {
  const maxcode = new Int32Array(18).fill(-1);
  const valptr = new Int32Array(17);
  const mincode = new Int32Array(17);
  let code = 0;
  let k = 0;
  for (let len = 1; len <= 16; len++) {
    const n = counts[len - 1];
    if (n > 0) {
      valptr[len] = k;
      mincode[len] = code;
      code += n;
      k += n;
      maxcode[len] = code - 1;
    }
    code <<= 1;
  }
  return { maxcode, valptr, mincode, values };
}

class BitReader {
  private buf = 0;
  private count = 0;
  constructor(
    private readonly bytes: Uint8Array,
    public pos: number,
  ) {}

  bit(): number {
    if (this.count === 0) {
      if (this.pos >= this.bytes.length) throw new Error('unexpected end of file in image data');
      const byte = this.bytes[this.pos++];
      if (byte === 0xff) {
        if (this.bytes[this.pos] !== 0) throw new Error('unexpected marker in image data');
        this.pos++;
      }
      this.buf = byte;
      this.count = 8;
    }
    this.count--;
    return (this.buf >> this.count) & 1;
  }

  /** Reads `n` bits and applies JPEG's EXTEND (sign) rule. */
  signed(n: number): number {
    let v = 0;
    for (let i = 0; i < n; i++) v = (v << 1) | this.bit();
    return v < 1 << (n - 1) ? v - (1 << n) + 1 : v;
  }

  decode(t: HuffTable): number {
    let code = this.bit();
    let len = 1;
    while (code > t.maxcode[len]) {
      if (++len > 16) throw new Error('bad Huffman code');
      code = (code << 1) | this.bit();
    }
    return t.values[t.valptr[len] + code - t.mincode[len]];
  }

  restart(): void {
    this.count = 0;
    const m = this.bytes[this.pos + 1];
    if (this.bytes[this.pos] !== 0xff || m < 0xd0 || m > 0xd7) throw new Error('missing restart marker');
    this.pos += 2;
  }
}

const CONST_BITS = 13;
const PASS1_BITS = 2;

/** One 1-D pass of jidctint.c's islow IDCT (products exceed 32 bits, so plain doubles are used). */
function idct1d(s: Float64Array, i: number, step: number, out: Float64Array, shift: number): void {
  const at = (k: number) => s[i + k * step];
  let z2 = at(2);
  let z3 = at(6);
  let z1 = (z2 + z3) * 4433;
  const t2e = z1 + z3 * -15137;
  const t3e = z1 + z2 * 6270;
  const t0e = (at(0) + at(4)) * 8192;
  const t1e = (at(0) - at(4)) * 8192;
  const t10 = t0e + t3e;
  const t13 = t0e - t3e;
  const t11 = t1e + t2e;
  const t12 = t1e - t2e;
  let t0 = at(7);
  let t1 = at(5);
  let t2 = at(3);
  let t3 = at(1);
  z1 = t0 + t3;
  z2 = t1 + t2;
  z3 = t0 + t2;
  let z4 = t1 + t3;
  const z5 = (z3 + z4) * 9633;
  t0 *= 2446;
  t1 *= 16819;
  t2 *= 25172;
  t3 *= 12299;
  z1 *= -7373;
  z2 *= -20995;
  z3 = z3 * -16069 + z5;
  z4 = z4 * -3196 + z5;
  t0 += z1 + z3;
  t1 += z2 + z4;
  t2 += z2 + z3;
  t3 += z1 + z4;
  const d = 2 ** shift;
  const descale = (x: number) => Math.floor((x + d / 2) / d);
  out[0] = descale(t10 + t3);
  out[7] = descale(t10 - t3);
  out[1] = descale(t11 + t2);
  out[6] = descale(t11 - t2);
  out[2] = descale(t12 + t1);
  out[5] = descale(t12 - t1);
  out[3] = descale(t13 + t0);
  out[4] = descale(t13 - t0);
}

/** Dequantized natural-order coefficients -> 8x8 samples (libjpeg's wrapping range limit). */
function idctBlock(coef: Float64Array, plane: Uint8Array, offset: number, stride: number): void {
  const ws = new Float64Array(64);
  const line = new Float64Array(8);
  for (let col = 0; col < 8; col++) {
    idct1d(coef, col, 8, line, CONST_BITS - PASS1_BITS);
    for (let r = 0; r < 8; r++) ws[r * 8 + col] = line[r];
  }
  for (let row = 0; row < 8; row++) {
    idct1d(ws, row * 8, 1, line, CONST_BITS + PASS1_BITS + 3);
    for (let c = 0; c < 8; c++) {
      const v = ((line[c] + 512) & 1023) - 512 + 128;
      plane[offset + row * stride + c] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
  }
}

interface JpegFrame {
  width: number;
  height: number;
  comps: JpegComponent[];
  hmax: number;
  vmax: number;
  mcusX: number;
  mcusY: number;
}

function parseFrame(seg: Uint8Array): JpegFrame | null {
  const height = (seg[1] << 8) | seg[2];
  const width = (seg[3] << 8) | seg[4];
  const n = seg[5];
  if (seg[0] !== 8 || height === 0 || width === 0 || (n !== 1 && n !== 3)) return null;
  const raw = Array.from({ length: n }, (_, i) => ({
    id: seg[6 + i * 3],
    h: seg[7 + i * 3] >> 4,
    v: seg[7 + i * 3] & 15,
    tq: seg[8 + i * 3],
  }));
  const hmax = Math.max(...raw.map((c) => c.h));
  const vmax = Math.max(...raw.map((c) => c.v));
  if (raw.some((c) => c.h < 1 || c.v < 1 || hmax % c.h !== 0 || vmax % c.v !== 0)) return null;
  const mcusX = Math.ceil(width / (8 * hmax));
  const mcusY = Math.ceil(height / (8 * vmax));
  const comps = raw.map((c) => ({
    ...c,
    stride: mcusX * c.h * 8,
    plane: new Uint8Array(mcusX * c.h * 8 * mcusY * c.v * 8),
    blocksW: Math.ceil(Math.ceil((width * c.h) / hmax) / 8),
    blocksH: Math.ceil(Math.ceil((height * c.v) / vmax) / 8),
    pred: 0,
  }));
  return { width, height, comps, hmax, vmax, mcusX, mcusY };
}

function decodeScan(
  bytes: Uint8Array,
  pos: number,
  frame: JpegFrame,
  comps: JpegComponent[],
  quant: Int32Array[],
  restartInterval: number,
): number {
  const reader = new BitReader(bytes, pos);
  const coef = new Float64Array(64);
  const block = (c: JpegComponent, bx: number, by: number) => {
    const q = quant[c.tq];
    if (!q || !c.dc || !c.ac) throw new Error('missing quantization or Huffman table');
    coef.fill(0);
    const t = reader.decode(c.dc);
    c.pred += t === 0 ? 0 : reader.signed(t);
    coef[0] = c.pred * q[0];
    for (let k = 1; k < 64; k++) {
      const rs = reader.decode(c.ac);
      const s = rs & 15;
      if (s === 0) {
        if (rs !== 0xf0) break;
        k += 15;
        continue;
      }
      k += rs >> 4;
      if (k > 63) throw new Error('bad AC coefficient index');
      coef[NATURAL_ORDER[k]] = reader.signed(s) * q[NATURAL_ORDER[k]];
    }
    idctBlock(coef, c.plane, by * 8 * c.stride + bx * 8, c.stride);
  };
  let mcu = 0;
  const nextMcu = () => {
    if (restartInterval > 0 && mcu > 0 && mcu % restartInterval === 0) {
      reader.restart();
      for (const c of comps) c.pred = 0;
    }
    mcu++;
  };
  if (comps.length === 1) {
    const c = comps[0];
    for (let by = 0; by < c.blocksH; by++) {
      for (let bx = 0; bx < c.blocksW; bx++) {
        nextMcu();
        block(c, bx, by);
      }
    }
  } else {
    for (let my = 0; my < frame.mcusY; my++) {
      for (let mx = 0; mx < frame.mcusX; mx++) {
        nextMcu();
        for (const c of comps) {
          for (let v = 0; v < c.v; v++) for (let h = 0; h < c.h; h++) block(c, mx * c.h + h, my * c.v + v);
        }
      }
    }
  }
  return reader.pos;
}

/** Upsamples a component to full size like libjpeg-turbo's jdsample.c (fancy where it applies). */
function upsample(c: JpegComponent, f: JpegFrame): Uint8Array {
  const { width: W, height: H } = f;
  const hr = f.hmax / c.h;
  const vr = f.vmax / c.v;
  const dw = Math.ceil((W * c.h) / f.hmax);
  const dh = Math.ceil((H * c.v) / f.vmax);
  const at = (x: number, y: number) =>
    c.plane[Math.min(Math.max(y, 0), dh - 1) * c.stride + Math.min(Math.max(x, 0), dw - 1)];
  const out = new Uint8Array(W * H);
  for (let y = 0; y < H; y++) {
    const r = Math.floor(y / vr);
    const near = y % 2 === 0 ? r - 1 : r + 1;
    for (let x = 0; x < W; x++) {
      const i = x >> 1;
      const side = x % 2 === 0 ? i - 1 : i + 1;
      let v: number;
      if (hr === 1 && vr === 1) v = at(x, y);
      else if (hr === 2 && vr === 1 && dw > 2) v = (3 * at(i, y) + at(side, y) + 1 + (x % 2)) >> 2;
      else if (hr === 1 && vr === 2) v = (3 * at(x, r) + at(x, near) + 1 + (y % 2)) >> 2;
      else if (hr === 2 && vr === 2 && dw > 2) {
        const sum = (col: number) => 3 * at(col, r) + at(col, near);
        v = (3 * sum(i) + sum(side) + 8 - (x % 2)) >> 4;
      } else v = at(Math.floor(x / hr), r);
      out[y * W + x] = v;
    }
  }
  return out;
}

/** Baseline JPEG -> RGB, or null for files this decoder does not handle (jpeg-js then decodes). */
function decodeBaselineJpeg(bytes: Uint8Array): RgbImage | null {
  const quant: Int32Array[] = [];
  const tables = new Map<number, HuffTable>();
  let frame: JpegFrame | null = null;
  let restartInterval = 0;
  let sawJfif = false;
  let adobeTransform = -1;
  let pos = 2;
  while (pos < bytes.length) {
    if (bytes[pos] !== 0xff) {
      pos++;
      continue;
    }
    const marker = bytes[pos + 1];
    if (marker === 0xff || marker === 0 || (marker >= 0xd0 && marker <= 0xd7)) {
      pos++;
      continue;
    }
    if (marker === 0xd9) break;
    if (pos + 4 > bytes.length) throw new Error('unexpected end of file');
    const len = (bytes[pos + 2] << 8) | bytes[pos + 3];
    const seg = bytes.subarray(pos + 4, pos + 2 + len);
    if (len < 2 || pos + 2 + len > bytes.length) throw new Error('unexpected end of file');
    pos += 2 + len;
    const tag = String.fromCharCode(...seg.subarray(0, 5));
    if (marker === 0xe0 && tag === 'JFIF\0') sawJfif = true;
    else if (marker === 0xee && tag === 'Adobe' && seg.length >= 12) adobeTransform = seg[11];
    else if (marker === 0xdd) restartInterval = (seg[0] << 8) | seg[1];
    else if (marker === 0xc0 || marker === 0xc1) frame = parseFrame(seg);
    else if (marker >= 0xc2 && marker <= 0xcf && marker !== 0xc4 && marker !== 0xc8 && marker !== 0xcc)
      return null;
    else if (marker === 0xdb) {
      for (let p = 0; p < seg.length;) {
        const wide = seg[p] >> 4;
        const q = new Int32Array(64);
        for (let k = 0; k < 64; k++)
          q[NATURAL_ORDER[k]] = wide ? (seg[p + 1 + 2 * k] << 8) | seg[p + 2 + 2 * k] : seg[p + 1 + k];
        quant[seg[p] & 15] = q;
        p += 1 + 64 * (wide ? 2 : 1);
      }
    } else if (marker === 0xc4) {
      for (let p = 0; p < seg.length;) {
        const counts = seg.subarray(p + 1, p + 17);
        const n = counts.reduce((a, b) => a + b, 0);
        tables.set(seg[p], buildHuffTable(counts, seg.subarray(p + 17, p + 17 + n)));
        p += 17 + n;
      }
    } else if (marker === 0xda) {
      if (!frame) return null;
      const f = frame;
      const comps = Array.from({ length: seg[0] }, (_, i) => {
        const c = f.comps.find((x) => x.id === seg[1 + i * 2]);
        if (!c) throw new Error('scan refers to an unknown component');
        c.dc = tables.get(seg[2 + i * 2] >> 4);
        c.ac = tables.get(0x10 | (seg[2 + i * 2] & 15));
        c.pred = 0;
        return c;
      });
      pos = decodeScan(bytes, pos, f, comps, quant, restartInterval);
    }
  }
  if (!frame) throw new Error('no image frame found');
  return toRgb(frame, !sawJfif && (adobeTransform >= 0 ? adobeTransform === 0 : isRgbIds(frame)));
}

function isRgbIds(f: JpegFrame): boolean {
  return f.comps.length === 3 && f.comps.every((c, i) => c.id === [0x52, 0x47, 0x42][i]);
}

/** jdcolor.c's fixed-point YCbCr -> RGB (SCALEBITS 16), or plain copies for gray/RGB files. */
function toRgb(f: JpegFrame, isRgb: boolean): RgbImage {
  const planes = f.comps.map((c) => upsample(c, f));
  const n = f.width * f.height;
  const out = new Uint8Array(n * 3);
  const fix = (x: number) => Math.floor(x * 65536 + 0.5);
  const clamp = (v: number) => (v < 0 ? 0 : v > 255 ? 255 : v);
  const [y, cb, cr] = planes.length === 1 ? [planes[0], planes[0], planes[0]] : planes;
  for (let i = 0; i < n; i++) {
    if (planes.length === 1 || isRgb) {
      out[i * 3] = y[i];
      out[i * 3 + 1] = cb[i];
      out[i * 3 + 2] = cr[i];
      continue;
    }
    const b = cb[i] - 128;
    const r = cr[i] - 128;
    out[i * 3] = clamp(y[i] + ((fix(1.402) * r + 32768) >> 16));
    out[i * 3 + 1] = clamp(y[i] + ((-fix(0.34414) * b - fix(0.71414) * r + 32768) >> 16));
    out[i * 3 + 2] = clamp(y[i] + ((fix(1.772) * b + 32768) >> 16));
  }
  return { width: f.width, height: f.height, data: out };
}
