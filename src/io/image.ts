/**
 * Reading images: a file or bytes in memory, decoded by decode_image.ts (the decoder the magic bytes
 * name, never the file extension, into 8-bit RGB exactly as PIL's `Image.open(f).convert('RGB')`).
 * The pixel type (rgb_image.ts) and PNG encoding (png_encode.ts) are re-exported: this module is
 * where the rest of the library gets image I/O from.
 */
import { readFileSync, statSync } from 'node:fs';
import * as zlib from 'node:zlib';
import { FileFormatError } from '../errors.js';
import { decodeImage as decodeWith } from './decode_image.js';
import { inflateZlibNode } from './inflate_node.js';
import type { PngKernels, UnfilterScanlines } from './png.js';
import type { RgbImage } from './rgb_image.js';

export type { RgbImage } from './rgb_image.js';
export { encodePng, writePng } from './png_encode.js';

export type { UnfilterScanlines } from './png.js';

/** Node's zlib for the PNG decoder: its inflate, and its CRC-32 where Node has one (20.15 and later). */
const ZLIB_KERNELS: Partial<PngKernels> = {
  inflate: inflateZlibNode,
  ...(typeof zlib.crc32 === 'function' && { crc32: (bytes: Uint8Array) => zlib.crc32(bytes) }),
};

/**
 * Decodes PNG or JPEG bytes (decode_image.ts) with Node's zlib for PNG data and `unfilter` for its
 * scanlines when given (the native engine's, `nativeUnfilter()`); `source` names them in errors.
 */
export function decodeImage(bytes: Uint8Array, source: string, unfilter?: UnfilterScanlines): RgbImage {
  return decodeWith(
    bytes,
    source,
    unfilter === undefined ? ZLIB_KERNELS : { ...ZLIB_KERNELS, unfilterScanlines: unfilter },
  );
}

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

/**
 * Reads and decodes an image file (or bytes), PNG scanlines through `unfilter` when given; every
 * failure is a FileFormatError naming the source.
 */
export function readImage(source: ImageSource, unfilter?: UnfilterScanlines): RgbImage {
  if (typeof source !== 'string') return decodeImage(source.bytes, source.name, unfilter);
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
  return decodeImage(bytes, path, unfilter);
}
