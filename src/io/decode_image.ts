/**
 * Image bytes to 8-bit RGB exactly as PIL's `Image.open(f).convert('RGB')`, by the decoder the magic
 * bytes name (never a file extension): PNG by png.ts, JPEG by jpeg/decode.ts. EXIF orientation is
 * not applied (PIL does not apply it either). No file system: Node reads files (image.ts), a browser
 * hands over a Blob's bytes, and both get the same pixels.
 */
import { FileFormatError } from '../errors.js';
import { decodePng, type PngKernels } from './png.js';
import { decodeJpeg } from './jpeg/decode.js';
import type { RgbImage } from './rgb_image.js';

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];

/** The decoder for these bytes, from their first bytes; null for a format we do not decode. */
export function imageFormat(bytes: Uint8Array): 'png' | 'jpeg' | null {
  if (PNG_SIGNATURE.every((b, i) => bytes[i] === b)) return 'png';
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  return null;
}

/**
 * Decodes PNG or JPEG bytes; `source` names the file in error messages. `pngKernels` replace the
 * PNG decoder's TypeScript inflater, CRC and scanline unfilter (Node's readers pass zlib's and,
 * when it is built, the native engine's: same pixels, faster).
 */
export function decodeImage(bytes: Uint8Array, source: string, pngKernels?: Partial<PngKernels>): RgbImage {
  if (bytes.length === 0) throw new FileFormatError(`${source}: file is empty, not a PNG or JPEG image.`);
  const format = imageFormat(bytes);
  if (format === 'png') return decodePng(bytes, source, pngKernels);
  if (format === 'jpeg') return decodeJpeg(bytes, source);
  throw new FileFormatError(`${source}: not a PNG or JPEG image (starts with ${describeStart(bytes)}).`);
}

function describeStart(bytes: Uint8Array): string {
  const head = bytes.subarray(0, 8);
  const printable = head.every((b) => b >= 0x20 && b < 0x7f);
  if (printable) return JSON.stringify(String.fromCharCode(...head));
  return `bytes ${Array.from(head, (b) => b.toString(16).padStart(2, '0')).join(' ')}`;
}
