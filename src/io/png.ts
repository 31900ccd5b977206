/**
 * PNG decoding into 8-bit RGB exactly as Pillow 9's `Image.open(f).convert('RGB')`, with every size
 * taken from the header and checked before it is allocated: the pixel count against the image
 * limit (image_limits.ts), and the compressed data inflated with an output cap equal to what the
 * header implies (scanlines of all passes with their filter bytes), so that data inflating beyond
 * it is refused rather than buffered.
 *
 * Conversions: grayscale is replicated to R=G=B (1/2/4-bit levels scaled to 0..255), alpha and
 * tRNS are dropped without compositing, palette indices beyond the PLTE entries read Pillow's gray
 * ramp (i, i, i), 16-bit RGB(A)/LA keep the high byte and 16-bit grayscale (mode "I") is clipped to 255.
 */
import { FileFormatError } from '../errors.js';
import { crc32 } from './bytes.js';
import { InflateError, inflateZlib } from './inflate.js';
import { checkImagePixels } from './image_limits.js';
import type { RgbImage } from './rgb_image.js';

const COLOR_GRAY = 0;
const COLOR_RGB = 2;
const COLOR_PALETTE = 3;
const COLOR_GRAY_ALPHA = 4;
const COLOR_RGBA = 6;

/** Samples per pixel and the bit depths the PNG specification allows, by colour type. */
const COLOR_TYPES: Readonly<Record<number, { channels: number; depths: readonly number[] }>> = {
  [COLOR_GRAY]: { channels: 1, depths: [1, 2, 4, 8, 16] },
  [COLOR_RGB]: { channels: 3, depths: [8, 16] },
  [COLOR_PALETTE]: { channels: 1, depths: [1, 2, 4, 8] },
  [COLOR_GRAY_ALPHA]: { channels: 2, depths: [8, 16] },
  [COLOR_RGBA]: { channels: 4, depths: [8, 16] },
};

/** Adam7 passes as [x0, y0, dx, dy]; a non-interlaced image is the single pass [0, 0, 1, 1]. */
const ADAM7 = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
] as const;

interface PngHeader {
  width: number;
  height: number;
  depth: number;
  colorType: number;
  interlaced: boolean;
}

/** One pass's pixel grid (x0 + i·dx, y0 + j·dy) and the bytes of one of its scanlines (no filter byte). */
interface Pass {
  x0: number;
  y0: number;
  dx: number;
  dy: number;
  width: number;
  height: number;
  rowBytes: number;
}

/** Inflates zlib data to at most `maxOutput` bytes, failing with an InflateError (inflate.ts's contract). */
export type Inflate = (data: Uint8Array, maxOutput: number) => Uint8Array;

/**
 * Reverses the filters of `rows` scanlines at `data[start..]` in place (each a filter-type byte and
 * `rowBytes` bytes; `bpp` bytes per complete pixel, at least 1); -1, or the first filter type above
 * 4 (the lines before it are done). unfilterScanlinesTs below, or the native engine's.
 */
export type UnfilterScanlines = (
  data: Uint8Array,
  start: number,
  rows: number,
  rowBytes: number,
  bpp: number,
) => number;

/** A CRC-32 (ISO 3309, as PNG chunks carry it) of the bytes. */
export type Crc32 = (bytes: Uint8Array) => number;

/**
 * The decoder's three hot steps, each replaceable by a faster one with the same contract: the
 * TypeScript ones by default (what a browser runs); Node's readers pass zlib's inflate and CRC and
 * the native engine's unfilter when it is built (image.ts): the same pixels, faster.
 */
export interface PngKernels {
  inflate: Inflate;
  unfilterScanlines: UnfilterScanlines;
  crc32: Crc32;
}

/**
 * Decodes PNG bytes (signature already checked); `source` names the file in errors; `kernels`
 * replaces any of the TypeScript steps.
 */
export function decodePng(bytes: Uint8Array, source: string, kernels: Partial<PngKernels> = {}): RgbImage {
  const { inflate = inflateZlib, unfilterScanlines = unfilterScanlinesTs, crc32: crc = crc32 } = kernels;
  const fail = (what: string) => new FileFormatError(`${source}: invalid or truncated PNG image (${what}).`);
  const { header, palette, data } = readChunks(bytes, source, fail, crc);
  const bitsPerPixel = COLOR_TYPES[header.colorType]!.channels * header.depth;
  const passes: Pass[] = (header.interlaced ? ADAM7 : [[0, 0, 1, 1] as const]).map(([x0, y0, dx, dy]) => {
    const width = Math.ceil((header.width - x0) / dx);
    return {
      x0,
      y0,
      dx,
      dy,
      width,
      height: Math.ceil((header.height - y0) / dy),
      rowBytes: Math.ceil((width * bitsPerPixel) / 8),
    };
  });
  const expected = passes.reduce((n, p) => n + (p.width > 0 ? p.height * (1 + p.rowBytes) : 0), 0);
  const raw = inflateImageData(data, expected, header, fail, inflate);
  const bpp = Math.max(1, bitsPerPixel >> 3);
  const rgb8 = header.colorType === COLOR_RGB && header.depth === 8;
  if (rgb8 && !header.interlaced) {
    // 8-bit RGB scanlines are the output's rows as they are: each moves down over the filter bytes
    // before it, and the image is the start of the inflated buffer (no second buffer, no copy).
    const { height, rowBytes } = passes[0]!;
    const bad = unfilterScanlines(raw, 0, height, rowBytes, bpp);
    if (bad >= 0) throw fail(`unknown scanline filter ${bad}`);
    for (let j = 0, at = 1; j < height; j++, at += 1 + rowBytes)
      raw.copyWithin(j * rowBytes, at, at + rowBytes);
    return { width: header.width, height, data: raw.subarray(0, height * rowBytes) };
  }
  const out = new Uint8Array(header.width * header.height * 3);
  const put = pixelWriter(header, palette);
  let at = 0;
  for (const p of passes) {
    if (p.width === 0) continue;
    const bad = unfilterScanlines(raw, at, p.height, p.rowBytes, bpp);
    if (bad >= 0) throw fail(`unknown scanline filter ${bad}`);
    for (let j = 0; j < p.height; j++) {
      const line = raw.subarray(at + 1, at + 1 + p.rowBytes);
      at += 1 + p.rowBytes;
      const rowStart = (p.y0 + j * p.dy) * header.width;
      if (rgb8 && p.dx === 1) out.set(line, rowStart * 3);
      else for (let i = 0; i < p.width; i++) put(line, i, out, (rowStart + p.x0 + i * p.dx) * 3);
    }
  }
  return { width: header.width, height: header.height, data: out };
}

/** Walks the chunks (CRC-checked): the header, the palette and the concatenated image data. */
function readChunks(
  bytes: Uint8Array,
  source: string,
  fail: (what: string) => FileFormatError,
  crc: Crc32,
): { header: PngHeader; palette: Uint8Array | null; data: Uint8Array } {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let header: PngHeader | null = null;
  let palette: Uint8Array | null = null;
  const data: Uint8Array[] = [];
  for (let pos = 8; pos + 8 <= bytes.length;) {
    const length = view.getUint32(pos);
    const type = String.fromCharCode(...bytes.subarray(pos + 4, pos + 8));
    const end = pos + 12 + length;
    if (end > bytes.length) throw fail('data ends early');
    const body = bytes.subarray(pos + 8, pos + 8 + length);
    if (crc(bytes.subarray(pos + 4, pos + 8 + length)) !== view.getUint32(end - 4))
      throw fail(`CRC error in ${type} chunk`);
    if (header === null && type !== 'IHDR') throw fail('the first chunk is not IHDR');
    if (type === 'IHDR' && header === null) {
      header = parseHeader(body, fail);
      checkImagePixels(header.width, header.height, source);
    } else if (type === 'PLTE') {
      if (length % 3 !== 0 || length > 768) throw fail(`PLTE chunk of ${length} bytes`);
      palette = body;
    } else if (type === 'IDAT') data.push(body);
    else if (type === 'IEND') break;
    pos = end;
  }
  if (header === null) throw fail('data ends early');
  if (data.length === 0) throw fail('no image data');
  if (header.colorType === COLOR_PALETTE && palette === null)
    throw fail('palette image without a PLTE chunk');
  return { header, palette, data: concat(data) };
}

function parseHeader(body: Uint8Array, fail: (what: string) => FileFormatError): PngHeader {
  if (body.length !== 13) throw fail(`IHDR chunk of ${body.length} bytes`);
  const view = new DataView(body.buffer, body.byteOffset, 13);
  const [width, height] = [view.getUint32(0), view.getUint32(4)];
  const [depth, colorType, compression, filter, interlace] = body.subarray(8, 13);
  if (width === 0 || height === 0 || width > 0x7fffffff || height > 0x7fffffff)
    throw fail(`image size ${width}×${height}`);
  if (!COLOR_TYPES[colorType!]?.depths.includes(depth!))
    throw fail(`bit depth ${depth} with colour type ${colorType}`);
  if (compression !== 0 || filter !== 0 || interlace! > 1)
    throw fail(`compression ${compression}, filter ${filter}, interlace ${interlace}`);
  return { width, height, depth: depth!, colorType: colorType!, interlaced: interlace === 1 };
}

/** The largest image data this decoder allocates (Node's Buffer limit, 4 GiB). */
const MAX_IMAGE_DATA_BYTES = 2 ** 32;

/** The chunks' bytes one after another (a view when there is one). */
function concat(parts: readonly Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0]!;
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** Inflates the image data, refusing any that inflates beyond the `expected` bytes the header implies. */
function inflateImageData(
  data: Uint8Array,
  expected: number,
  header: PngHeader,
  fail: (what: string) => FileFormatError,
  inflate: Inflate,
): Uint8Array {
  if (expected > MAX_IMAGE_DATA_BYTES)
    throw fail(`${header.width}×${header.height} image is too large to decode`);
  let raw: Uint8Array;
  try {
    raw = inflate(data, expected);
  } catch (err) {
    if (!(err instanceof InflateError)) throw err;
    if (err.reason === 'too-large') {
      throw fail(
        `image data inflates beyond the ${expected} bytes a ${header.width}×${header.height} image needs`,
      );
    }
    throw fail(err.reason === 'truncated' ? 'data ends early' : err.message);
  }
  if (raw.length < expected) throw fail('data ends early');
  return raw;
}

/**
 * Reverses one scanline's filter in place; `prev` is the previous (already unfiltered) line of the pass.
 * False for a filter type above 4.
 */
function unfilter(filter: number, line: Uint8Array, prev: Uint8Array | null, bpp: number): boolean {
  const n = line.length;
  const first = Math.min(bpp, n);
  switch (filter) {
    case 0:
      return true;
    case 1:
      for (let i = bpp; i < n; i++) line[i] += line[i - bpp];
      return true;
    case 2:
      if (prev !== null) for (let i = 0; i < n; i++) line[i] += prev[i];
      return true;
    case 3:
      if (prev === null) {
        for (let i = bpp; i < n; i++) line[i] += line[i - bpp] >> 1;
      } else {
        for (let i = 0; i < first; i++) line[i] += prev[i] >> 1;
        for (let i = bpp; i < n; i++) line[i] += (line[i - bpp] + prev[i]) >> 1;
      }
      return true;
    case 4:
      // Paeth with no line above predicts from the left neighbour (b = c = 0 always picks a).
      if (prev === null) {
        for (let i = bpp; i < n; i++) line[i] += line[i - bpp];
        return true;
      }
      for (let i = 0; i < first; i++) line[i] += prev[i]; // a = c = 0: picks b
      for (let i = bpp; i < n; i++) {
        const a = line[i - bpp];
        const b = prev[i];
        const c = prev[i - bpp];
        const pa = Math.abs(b - c); // |p - a| with p = a + b - c
        const pb = Math.abs(a - c);
        const pc = Math.abs(a + b - 2 * c);
        line[i] += pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      }
      return true;
    default:
      return false;
  }
}

/** The TypeScript UnfilterScanlines: each line against the one above it, in order. */
export const unfilterScanlinesTs: UnfilterScanlines = (data, start, rows, rowBytes, bpp) => {
  let prev: Uint8Array | null = null;
  for (let j = 0, at = start; j < rows; j++, at += 1 + rowBytes) {
    const line = data.subarray(at + 1, at + 1 + rowBytes);
    if (!unfilter(data[at]!, line, prev, bpp)) return data[at]!;
    prev = line;
  }
  return -1;
};

/** Writes pixel `i` of an unfiltered scanline as RGB at `out[at..at+2]`, converted as Pillow does. */
type PixelWriter = (line: Uint8Array, i: number, out: Uint8Array, at: number) => void;

function pixelWriter({ depth, colorType }: PngHeader, palette: Uint8Array | null): PixelWriter {
  const channels = COLOR_TYPES[colorType]!.channels;
  // The 8-bit value of sample c of pixel i: high byte of 16-bit samples, packed levels scaled.
  const sample =
    depth === 8
      ? (line: Uint8Array, i: number, c: number) => line[i * channels + c]!
      : depth === 16
        ? (line: Uint8Array, i: number, c: number) => line[(i * channels + c) * 2]!
        : (line: Uint8Array, i: number) =>
            (line[(i * depth) >> 3]! >> (8 - depth - ((i * depth) & 7))) & ((1 << depth) - 1);
  const rgb = (out: Uint8Array, at: number, r: number, g: number, b: number) => {
    out[at] = r;
    out[at + 1] = g;
    out[at + 2] = b;
  };
  if (colorType === COLOR_PALETTE) {
    const entries = palette!.length / 3;
    return (line, i, out, at) => {
      const k = sample(line, i, 0);
      if (k < entries) rgb(out, at, palette![k * 3]!, palette![k * 3 + 1]!, palette![k * 3 + 2]!);
      else rgb(out, at, k, k, k);
    };
  }
  if (colorType === COLOR_RGB || colorType === COLOR_RGBA)
    return (line, i, out, at) => rgb(out, at, sample(line, i, 0), sample(line, i, 1), sample(line, i, 2));
  if (colorType === COLOR_GRAY && depth === 16) {
    return (line, i, out, at) => {
      const v = Math.min((line[i * 2]! << 8) | line[i * 2 + 1]!, 255);
      rgb(out, at, v, v, v);
    };
  }
  const scale = depth < 8 ? 255 / ((1 << depth) - 1) : 1;
  return (line, i, out, at) => {
    const v = sample(line, i, 0) * scale;
    rgb(out, at, v, v, v);
  };
}
