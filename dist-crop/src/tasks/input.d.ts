/** Reads and preprocesses one image for a model, naming the file when it cannot be used. */
import { type PresetName } from '../data/transforms.js';
import type { Tensor } from '../tensor/tensor.js';
export declare function imageTensor(file: string, preset: PresetName): Tensor;
