/**
 * Reading images: a file or bytes in memory, decoded by the decoder its magic bytes name (never the
 * file extension) into 8-bit RGB exactly as PIL's `Image.open(f).convert('RGB')`: PNG by png.ts,
 * JPEG by jpeg/decode.ts. EXIF orientation is not applied (PIL does not apply it either).
 * The pixel type (rgb_image.ts) and PNG encoding (png_encode.ts) are re-exported: this module is
 * where the rest of the library gets image I/O from.
 */
import { readFileSync, statSync } from 'node:fs';
import { FileFormatError } from '../errors.js';
import { decodePng } from './png.js';
import { decodeJpeg } from './jpeg/decode.js';
import type { RgbImage } from './rgb_image.js';

export type { RgbImage } from './rgb_image.js';
export { encodePng, writePng } from './png_encode.js';

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
