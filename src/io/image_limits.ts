/**
 * PIL's decompression-bomb guard for every image decoder: an image of more than the limit's pixels
 * (PIL's `Image.MAX_IMAGE_PIXELS`, 89,478,485 by default) is decoded with a warning, one of more than
 * twice the limit is refused, before anything the size implies is allocated. The limit is read once
 * from $RESNET50_MAX_IMAGE_PIXELS and can be set with setMaxImagePixels.
 */
import { FileFormatError, UserError } from '../errors.js';

export const DEFAULT_MAX_IMAGE_PIXELS = 89_478_485;

let maxImagePixels: number | undefined;
let warned = false;

/** The pixel limit in force. */
export function getMaxImagePixels(): number {
  if (maxImagePixels === undefined) {
    const env = process.env['RESNET50_MAX_IMAGE_PIXELS'];
    if (env !== undefined && !/^[1-9]\d*$/.test(env))
      throw new UserError(`RESNET50_MAX_IMAGE_PIXELS must be a positive integer, got '${env}'.`);
    maxImagePixels = env === undefined ? DEFAULT_MAX_IMAGE_PIXELS : Number(env);
  }
  return maxImagePixels;
}

/** Sets the pixel limit (a positive integer, or Infinity to decode images of any size). */
export function setMaxImagePixels(pixels: number): void {
  if (!(pixels === Infinity || (Number.isSafeInteger(pixels) && pixels > 0)))
    throw new UserError(`The image pixel limit must be a positive integer or Infinity, got ${pixels}.`);
  maxImagePixels = pixels;
}

/** Warns once (on stderr) above the limit and throws a FileFormatError naming `source` above twice it. */
export function checkImagePixels(width: number, height: number, source: string): void {
  const pixels = width * height;
  const limit = getMaxImagePixels();
  if (pixels > 2 * limit) {
    throw new FileFormatError(
      `${source}: image of ${width}×${height} = ${pixels} pixels exceeds twice the limit of ${limit} ` +
        'pixels (a possible decompression bomb; raise it with $RESNET50_MAX_IMAGE_PIXELS).',
    );
  }
  if (pixels > limit && !warned) {
    warned = true;
    process.emitWarning(
      `${source}: image of ${width}×${height} = ${pixels} pixels exceeds the limit of ${limit} pixels ` +
        '(a possible decompression bomb).',
      'DecompressionBombWarning',
    );
  }
}
