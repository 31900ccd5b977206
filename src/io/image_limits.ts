/**
 * The decompression-bomb guard shared by the image decoders, as PIL's `Image.MAX_IMAGE_PIXELS`: a file
 * whose header declares more pixels than the limit decodes with a warning, and one declaring more than
 * twice the limit is refused before any pixel memory is allocated. The limit is PIL's default
 * (89,478,485 pixels); the environment variable RESNET50_MAX_IMAGE_PIXELS overrides it and
 * `setMaxImagePixels` overrides both.
 */
import { FileFormatError, UserError } from '../errors.js';

export const DEFAULT_MAX_IMAGE_PIXELS = 89_478_485;

let configuredLimit: number | undefined;

/** Sets the pixel limit for this process; `undefined` returns to the environment variable/default. */
export function setMaxImagePixels(limit: number | undefined): void {
  if (limit !== undefined && !(Number.isSafeInteger(limit) && limit > 0)) {
    throw new UserError(`Maximum image pixels must be a positive integer, got ${limit}.`);
  }
  configuredLimit = limit;
}

/** The pixel limit in force: `setMaxImagePixels`, else RESNET50_MAX_IMAGE_PIXELS, else PIL's default. */
export function maxImagePixels(): number {
  if (configuredLimit !== undefined) return configuredLimit;
  const env = process.env.RESNET50_MAX_IMAGE_PIXELS;
  if (env === undefined || env === '') return DEFAULT_MAX_IMAGE_PIXELS;
  const limit = Number(env);
  if (!(Number.isSafeInteger(limit) && limit > 0)) {
    throw new UserError(`RESNET50_MAX_IMAGE_PIXELS must be a positive integer, got "${env}".`);
  }
  return limit;
}

/**
 * Checks a declared image size before decoding: warns (DecompressionBombWarning) above the limit and
 * throws a FileFormatError naming `source` above twice the limit.
 */
export function checkImageSize(width: number, height: number, source: string): void {
  const pixels = width * height;
  const limit = maxImagePixels();
  if (pixels > 2 * limit) {
    throw new FileFormatError(
      `${source}: image declares ${width}x${height} = ${pixels} pixels, over twice the limit of ${limit} (a possible decompression bomb; raise RESNET50_MAX_IMAGE_PIXELS to allow it).`,
    );
  }
  if (pixels > limit) {
    process.emitWarning(
      `${source}: image has ${pixels} pixels, over the limit of ${limit} (a possible decompression bomb).`,
      'DecompressionBombWarning',
    );
  }
}
