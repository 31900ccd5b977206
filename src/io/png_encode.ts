/** RGB pixels to an 8-bit truecolour PNG (pngjs), in memory or written atomically to a file. */
import { PNG } from 'pngjs';
import { writeFileAtomic } from './atomic_write.js';
import type { RgbImage } from './rgb_image.js';

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
