/**
 * Image file I/O: decode PNG/JPEG bytes into 8-bit RGB pixels exactly as PIL's
 * `Image.open(f).convert('RGB')` does, and encode RGB pixels as PNG.
 *
 * Format is detected from magic bytes, never from the file extension. Conversions follow Pillow 9:
 * grayscale is replicated to R=G=B, alpha is dropped without compositing, palettes are looked up,
 * 16-bit RGB(A)/LA keep the high byte, and 16-bit grayscale (Pillow mode "I") is clipped to 255.
 * JPEGs are decoded bit-exactly like PIL's libjpeg-turbo by src/io/jpeg/ (baseline, progressive,
 * restart intervals, CMYK/YCCK). EXIF orientation is not applied (PIL does not apply it either).
 */
import { readFileSync, statSync } from 'node:fs';
import { writeFileAtomic } from './atomic_write.js';
import { PNG } from 'pngjs';
import { FileFormatError } from '../errors.js';
import { decodeJpeg } from './jpeg/decode.js';

/** An 8-bit RGB image, pixels stored row-major as HWC (`data.length === width * height * 3`). */
export interface RgbImage {
  width: number;
  height: number;
  data: Uint8Array;
}

const PNG_SIGNATURE = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
const PNG_GRAY = 0;

/** Reads and decodes an image file; every failure is a FileFormatError naming the file. */
export function readImage(path: string): RgbImage {
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

function decodePng(bytes: Uint8Array, source: string): RgbImage {
  const depth = bytes[24];
  const colorType = bytes[25];
  let decoded: { width: number; height: number; data: ArrayLike<number> };
  try {
    decoded = PNG.sync.read(Buffer.from(withoutTransparencyChunks(bytes)), { skipRescale: depth === 16 });
  } catch (err) {
    const reason = (err as Error).message;
    const detail = /read requests|unexpected end/i.test(reason) ? 'data ends early' : reason;
    throw new FileFormatError(`${source}: invalid or truncated PNG image (${detail}).`);
  }
  const { width, height, data: rgba } = decoded;
  const out = new Uint8Array(width * height * 3);
  // pngjs yields RGBA (gray replicated); 16-bit samples stay raw when skipRescale is set.
  const convert =
    depth !== 16
      ? (v: number) => v
      : colorType === PNG_GRAY
        ? (v: number) => Math.min(v, 255)
        : (v: number) => v >> 8;
  for (let p = 0, q = 0; q < out.length; p += 4, q += 3) {
    out[q] = convert(rgba[p]);
    out[q + 1] = convert(rgba[p + 1]);
    out[q + 2] = convert(rgba[p + 2]);
  }
  return { width, height, data: out };
}

/**
 * Drops tRNS chunks: pngjs would blank pixels matching a gray/RGB transparent colour, while PIL's
 * convert('RGB') keeps their colour. Alpha is discarded anyway, so the chunk is irrelevant to us.
 */
function withoutTransparencyChunks(bytes: Uint8Array): Uint8Array {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const parts: Uint8Array[] = [bytes.subarray(0, 8)];
  let pos = 8;
  while (pos + 12 <= bytes.length) {
    const end = pos + 12 + view.getUint32(pos);
    if (end > bytes.length) break;
    const type = String.fromCharCode(...bytes.subarray(pos + 4, pos + 8));
    if (type !== 'tRNS') parts.push(bytes.subarray(pos, end));
    pos = end;
  }
  if (pos < bytes.length) parts.push(bytes.subarray(pos));
  return Buffer.concat(parts);
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
