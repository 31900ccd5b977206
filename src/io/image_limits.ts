/**
 * PIL's decompression-bomb guard for every image decoder: an image of more than the limit's pixels
 * (PIL's `Image.MAX_IMAGE_PIXELS`, 89,478,485 by default) is decoded with a warning, one of more than
 * twice the limit is refused, before anything the size implies is allocated. The limit is
 * `setMaxImagePixels`'s value, else $RESNET50_MAX_IMAGE_PIXELS, else PIL's default.
 */
import { FileFormatError, UserError } from '../errors.js';

export const DEFAULT_MAX_IMAGE_PIXELS = 89_478_485;

let configuredLimit: number | undefined;

/** The pixel limit in force. */
export function getMaxImagePixels(): number {
  if (configuredLimit !== undefined) return configuredLimit;
  // `globalThis.process`: a browser has no environment (nor process) and keeps the default.
  const env = globalThis.process?.env.RESNET50_MAX_IMAGE_PIXELS;
  if (env === undefined || env === '') return DEFAULT_MAX_IMAGE_PIXELS;
  if (!/^[1-9]\d*$/.test(env))
    throw new UserError(`RESNET50_MAX_IMAGE_PIXELS must be a positive integer, got '${env}'.`);
  return Number(env);
}

/**
 * Sets the pixel limit for this process: a positive integer, Infinity to decode images of any size,
 * or `undefined` to return to the environment variable or the default.
 */
export function setMaxImagePixels(pixels: number | undefined): void {
  if (!(pixels === undefined || pixels === Infinity || (Number.isSafeInteger(pixels) && pixels > 0)))
    throw new UserError(`The image pixel limit must be a positive integer or Infinity, got ${pixels}.`);
  configuredLimit = pixels;
}

/** Warns (a process warning in Node) above the limit and throws a FileFormatError naming `source` above twice it. */
export function checkImagePixels(width: number, height: number, source: string): void {
  const pixels = width * height;
  const limit = getMaxImagePixels();
  if (pixels > 2 * limit) {
    throw new FileFormatError(
      `${source}: image of ${width}×${height} = ${pixels} pixels exceeds twice the limit of ${limit} ` +
        'pixels (a possible decompression bomb; raise it with $RESNET50_MAX_IMAGE_PIXELS).',
    );
  }
  if (pixels > limit) {
    warn(
      `${source}: image of ${width}×${height} = ${pixels} pixels exceeds the limit of ${limit} pixels ` +
        '(a possible decompression bomb).',
      'DecompressionBombWarning',
    );
  }
}

/** A process warning in Node (stderr, once per listener policy), the console's elsewhere. */
function warn(message: string, type: string): void {
  if (globalThis.process?.emitWarning !== undefined) globalThis.process.emitWarning(message, type);
  else console.warn(`${type}: ${message}`);
}
