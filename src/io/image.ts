/**
 * Reading images: a file or bytes in memory, decoded by decode_image.ts (the decoder the magic bytes
 * name, never the file extension, into 8-bit RGB exactly as PIL's `Image.open(f).convert('RGB')`).
 * The pixel type (rgb_image.ts) and PNG encoding (png_encode.ts) are re-exported: this module is
 * where the rest of the library gets image I/O from.
 */
import { readFileSync, statSync } from 'node:fs';
import { FileFormatError } from '../errors.js';
import { decodeImage as decodeWith } from './decode_image.js';
import { inflateZlibNode } from './inflate_node.js';
import type { RgbImage } from './rgb_image.js';

export type { RgbImage } from './rgb_image.js';
export { encodePng, writePng } from './png_encode.js';

/** Decodes PNG or JPEG bytes (decode_image.ts) with Node's zlib for PNG data; `source` names them in errors. */
export function decodeImage(bytes: Uint8Array, source: string): RgbImage {
  return decodeWith(bytes, source, inflateZlibNode);
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
