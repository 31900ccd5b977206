/**
 * One image for a model (read, preprocessed, named when it cannot be used) and what the batch
 * functions (classifyFiles, embedFiles, camFiles, detectFiles) report for each image as it is done.
 */
import { nativeNormalize, nativeUnfilter } from '../backends/native/addon.js';
import { preprocess, type Preset, type PresetName } from '../data/transforms.js';
import { imageName, readImage, type ImageSource, type RgbImage } from '../io/image.js';
import { MIN_INPUT_SIZE } from '../model/resnet.js';
import { ShapeError, UserError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';

/**
 * An image read and decoded for a task: PNG scanlines unfiltered by the native engine when it is
 * built (the same pixels, faster); every failure a FileFormatError naming the source.
 */
export function readInputImage(source: ImageSource): RgbImage {
  return readImage(source, nativeUnfilter());
}

/**
 * An image read and preprocessed into a (1, 3, H, W) tensor (in `reuse` when that has exactly its
 * size; the pixels normalized by the native engine when it is built); a ShapeError naming the
 * image when it is smaller than the network's minimum.
 */
export function imageTensor(source: ImageSource, preset: PresetName | Preset, reuse?: Float32Array): Tensor {
  const x = preprocess(readInputImage(source), preset, reuse, nativeNormalize());
  const [, , H, W] = x.shape;
  if (H < MIN_INPUT_SIZE || W < MIN_INPUT_SIZE) {
    throw new ShapeError(
      `${imageName(source)}: the input is ${W}×${H} pixels after preprocessing, smaller than the ${MIN_INPUT_SIZE}×${MIN_INPUT_SIZE} minimum of ResNet.`,
    );
  }
  return x;
}

/** One image's result, reported as soon as it is known. */
export interface ImageEvent<R> {
  /** The image's position in the list given. */
  index: number;
  result: R;
}

/** An image that could not be used (missing, unreadable, not an image, too small). */
export interface ImageFailure {
  index: number;
  file: string;
  /** One sentence naming the file. */
  message: string;
}

/**
 * Per-image callbacks of the batch functions, called in the order of the images, one per image.
 * Without `onFailure` the first image that cannot be used throws its error and the batch stops.
 */
export interface ImageCallbacks<R> {
  onResult?: (event: ImageEvent<R>) => void;
  /** With it, an image that cannot be read or prepared is reported here and skipped; the others go on. */
  onFailure?: (failure: ImageFailure) => void;
}

/**
 * `prepare()` for image `index`; with `onFailure`, a user error there is reported and gives
 * undefined (the image is skipped), anything else is thrown.
 */
export function prepareOrSkip<T>(
  index: number,
  source: ImageSource,
  prepare: () => T,
  onFailure: ImageCallbacks<unknown>['onFailure'],
): T | undefined {
  try {
    return prepare();
  } catch (e) {
    if (onFailure === undefined || !(e instanceof UserError)) throw e;
    onFailure({ index, file: imageName(source), message: e.message });
    return undefined;
  }
}

/** What a batch job in a worker thread posts for each image (failures only when the caller asked). */
export type ImageJobEvent<R> = { image: ImageEvent<R> } | { failure: ImageFailure };

/** The callbacks a worker job calls, posting each event to the caller with `report`. */
export function reportingCallbacks<R>(
  report: ((event: ImageJobEvent<R>) => void) | undefined,
  reportFailures: boolean,
): ImageCallbacks<R> {
  return {
    onResult: report && ((image) => report({ image })),
    onFailure: report && reportFailures ? (failure) => report({ failure }) : undefined,
  };
}

/** The caller's side: each posted event goes to its callback. */
export function dispatchImageEvents<R>(
  onImage: ((event: ImageEvent<R>) => void) | undefined,
  onFailure: ImageCallbacks<R>['onFailure'],
): (event: ImageJobEvent<R>) => void {
  return (event) => ('image' in event ? onImage?.(event.image) : onFailure?.(event.failure));
}

/** Output PNG paths given per input image must match the images one to one; `option` names the field. */
export function checkOnePathPerImage(
  option: string,
  paths: readonly string[] | undefined,
  files: readonly unknown[],
): void {
  if (paths !== undefined && paths.length !== files.length) {
    throw new UserError(
      `${option}: ${paths.length} PNG paths given for ${files.length} images; give one per image.`,
    );
  }
}
