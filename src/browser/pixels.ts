/**
 * Images from what a page holds, as the 8-bit RGB the preprocessing takes. PNG and JPEG bytes (a
 * Blob, a File, an ArrayBuffer) go through the library's own decoders, so their pixels, and the
 * tensors made from them, are bit-equal to Node's for the same file. Other encodings (WebP, GIF,
 * AVIF...) and drawn sources (ImageBitmap, a canvas, an <img>) are decoded by the browser
 * (createImageBitmap without colour conversion, then OffscreenCanvas getImageData). RGBA becomes RGB
 * by dropping alpha, as PIL's convert('RGB') does.
 */
import { FileFormatError } from '../errors.js';
import { decodeImage, imageFormat } from '../io/decode_image.js';
import type { RgbImage } from '../io/rgb_image.js';

/** Pixels as a canvas holds them: RGBA rows (ImageData, or anything shaped like it). */
export interface RgbaPixels {
  width: number;
  height: number;
  data: Uint8ClampedArray | Uint8Array;
}

/** RGB of RGBA pixels, alpha dropped. */
export function rgbFromRgba(pixels: RgbaPixels, name = 'image'): RgbImage {
  const { width, height, data } = pixels;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw new FileFormatError(`${name}: image size ${width}×${height} is not a positive size.`);
  }
  if (data.length !== width * height * 4) {
    throw new FileFormatError(
      `${name}: ${data.length} bytes of RGBA for ${width}×${height} pixels (need ${width * height * 4}).`,
    );
  }
  const out = new Uint8Array(width * height * 3);
  for (let i = 0, j = 0; i < out.length; i += 3, j += 4) {
    out[i] = data[j];
    out[i + 1] = data[j + 1];
    out[i + 2] = data[j + 2];
  }
  return { width, height, data: out };
}

/** A source the browser draws: decoded by it, then read back through an OffscreenCanvas. */
export type DrawableImage =
  ImageBitmap | OffscreenCanvas | HTMLCanvasElement | HTMLImageElement | HTMLVideoElement;

/** The RGB of a drawable source at its natural size. */
export function rgbFromDrawable(source: DrawableImage, name = 'image'): RgbImage {
  const width =
    'naturalWidth' in source
      ? source.naturalWidth
      : 'videoWidth' in source
        ? source.videoWidth
        : source.width;
  const height =
    'naturalHeight' in source
      ? source.naturalHeight
      : 'videoHeight' in source
        ? source.videoHeight
        : source.height;
  if (typeof OffscreenCanvas === 'undefined') {
    throw new FileFormatError(`${name}: this runtime has no OffscreenCanvas to read the image's pixels.`);
  }
  const canvas = new OffscreenCanvas(width, height);
  const context = canvas.getContext('2d', { willReadFrequently: true });
  if (context === null)
    throw new FileFormatError(`${name}: no 2D canvas context to read the image's pixels.`);
  context.drawImage(source, 0, 0);
  return rgbFromRgba(context.getImageData(0, 0, width, height, { colorSpace: 'srgb' }), name);
}

/**
 * The RGB of encoded image bytes: PNG and JPEG by our decoders (Node's pixels), anything else by the
 * browser's decoder (createImageBitmap, no colour-space conversion, no premultiplied alpha).
 */
export async function rgbFromBytes(bytes: Uint8Array, name = 'image'): Promise<RgbImage> {
  if (bytes.length === 0 || imageFormat(bytes) !== null || typeof createImageBitmap === 'undefined') {
    return decodeImage(bytes, name);
  }
  let bitmap: ImageBitmap;
  try {
    bitmap = await createImageBitmap(new Blob([bytes as Uint8Array<ArrayBuffer>]), {
      colorSpaceConversion: 'none',
      premultiplyAlpha: 'none',
    });
  } catch {
    throw new FileFormatError(`${name}: not an image this browser can decode.`);
  }
  try {
    return rgbFromDrawable(bitmap, name);
  } finally {
    bitmap.close();
  }
}

/** The RGB of a Blob or File (its name in messages). */
export async function rgbFromBlob(blob: Blob, name?: string): Promise<RgbImage> {
  const label = name ?? (typeof File !== 'undefined' && blob instanceof File ? blob.name : 'image');
  let buffer: ArrayBuffer;
  try {
    buffer = await blob.arrayBuffer();
  } catch (e) {
    throw new FileFormatError(`${label}: cannot be read (${(e as Error).message}).`);
  }
  return rgbFromBytes(new Uint8Array(buffer), label);
}
