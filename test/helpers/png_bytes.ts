/**
 * PNG files written chunk by chunk, for tests that need every color type, bit depth and filter, or
 * files no encoder would write (fuzz seeds, the hostile corpus).
 */
import { deflateSync } from 'node:zlib';
import { crc32 } from '../../src/io/bytes.js';

export const PNG_SIGNATURE = Uint8Array.of(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a);

/** Samples per pixel by colour type. */
export const CHANNELS: Readonly<Record<number, number>> = { 0: 1, 2: 3, 3: 1, 4: 2, 6: 4 };

/** Adam7's passes as [x0, y0, dx, dy] (PNG specification 8.2). */
export const ADAM7: readonly (readonly [number, number, number, number])[] = [
  [0, 0, 8, 8],
  [4, 0, 8, 8],
  [0, 4, 4, 8],
  [2, 0, 4, 4],
  [0, 2, 2, 4],
  [1, 0, 2, 2],
  [0, 1, 1, 2],
];

/** One chunk: length, type, data and the CRC of type and data. */
export function pngChunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'latin1');
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/** The IHDR chunk's data. */
export function ihdr(
  width: number,
  height: number,
  bitDepth: number,
  colorType: number,
  interlace = 0,
): Buffer {
  const d = Buffer.alloc(13);
  d.writeUInt32BE(width >>> 0, 0);
  d.writeUInt32BE(height >>> 0, 4);
  d.set([bitDepth, colorType, 0, 0, interlace], 8);
  return d;
}

export interface PngSpec {
  width: number;
  height: number;
  bitDepth: number;
  colorType: number;
  /** Chunks to put before IDAT (PLTE, tRNS, ...), as [type, data]. */
  before?: [string, Uint8Array][];
  /** Byte that starts each scanline (a filter type; any value in 0..4 decodes). Default: row % 5. */
  filter?: number;
}

/** A non-interlaced PNG whose pixels are a deterministic pattern (palette indices stay in range). */
export function buildPng(spec: PngSpec): Buffer {
  const { width, height, bitDepth, colorType } = spec;
  const rowBytes = Math.ceil((width * CHANNELS[colorType]! * bitDepth) / 8);
  const raw = Buffer.alloc(height * (rowBytes + 1));
  for (let y = 0; y < height; y++) {
    const row = y * (rowBytes + 1);
    raw[row] = spec.filter ?? y % 5;
    for (let x = 0; x < rowBytes; x++)
      raw[row + 1 + x] = colorType === 3 ? (x * 7 + y) & 0x11 : (x * 37 + y * 11) & 0xff;
  }
  return Buffer.concat([
    PNG_SIGNATURE,
    pngChunk('IHDR', ihdr(width, height, bitDepth, colorType)),
    ...(spec.before ?? []).map(([type, data]) => pngChunk(type, data)),
    pngChunk('IDAT', deflateSync(raw)),
    pngChunk('IEND', new Uint8Array(0)),
  ]);
}

/** Recomputes every chunk's CRC (so a mutated header gets past the CRC check to the parser). */
export function fixPngCrcs(bytes: Uint8Array): Uint8Array {
  const out = Buffer.from(bytes);
  for (let at = 8; at + 12 <= out.length;) {
    const length = out.readUInt32BE(at);
    if (at + 12 + length > out.length) break;
    out.writeUInt32BE(crc32(out.subarray(at + 4, at + 8 + length)), at + 8 + length);
    at += 12 + length;
  }
  return out;
}
