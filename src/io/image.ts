/**
 * Image file I/O: decode PNG/JPEG bytes into 8-bit RGB pixels exactly as PIL's
 * `Image.open(f).convert('RGB')` does, and encode RGB pixels as PNG.
 *
 * Format is detected from magic bytes, never from the file extension. PNG decoding (png.ts) and its
 * conversions follow Pillow 9; image sizes are checked against the pixel limit (image_limits.ts).
 * JPEGs are decoded bit-exactly like PIL's libjpeg-turbo by src/io/jpeg/ (baseline, progressive,
 * restart intervals, CMYK/YCCK). EXIF orientation is not applied (PIL does not apply it either).
 */
import { readFileSync, statSync } from 'node:fs';
import { writeFileAtomic } from './atomic_write.js';
import { PNG } from 'pngjs';
import { FileFormatError } from '../errors.js';
import { decodePng } from './png.js';
import { decodeJpeg } from './jpeg/decode.js';

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
