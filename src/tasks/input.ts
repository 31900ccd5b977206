/** Reads and preprocesses one image for a model, naming the file when it cannot be used. */
import { preprocess, type Preset, type PresetName } from '../data/transforms.js';
import { readImage } from '../io/image.js';
import { MIN_INPUT_SIZE } from '../model/resnet.js';
import { ShapeError, UserError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';

export function imageTensor(file: string, preset: PresetName | Preset): Tensor {
  const x = preprocess(readImage(file), preset);
  const [, , H, W] = x.shape;
  if (H < MIN_INPUT_SIZE || W < MIN_INPUT_SIZE) {
    throw new ShapeError(
      `${file}: the input is ${W}×${H} pixels after preprocessing, smaller than the ${MIN_INPUT_SIZE}×${MIN_INPUT_SIZE} minimum of ResNet.`,
    );
  }
  return x;
}

/** Output PNG paths given per input image must match the images one to one; `option` names the field. */
export function checkOnePathPerImage(
  option: string,
  paths: readonly string[] | undefined,
  files: readonly string[],
): void {
  if (paths !== undefined && paths.length !== files.length) {
    throw new UserError(
      `${option}: ${paths.length} PNG paths given for ${files.length} images; give one per image.`,
    );
  }
}
