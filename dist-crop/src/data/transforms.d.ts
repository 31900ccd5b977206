import type { RgbImage } from '../io/image.js';
import { Tensor } from '../tensor/tensor.js';
export declare const IMAGENET_MEAN: readonly [number, number, number];
export declare const IMAGENET_STD: readonly [number, number, number];
export interface Preset {
    /** Target length of the shorter side (torchvision `Resize(int)`), or null to keep the size. */
    resize: number | null;
    /** Square center crop size, or null for no crop. */
    crop: number | null;
    mean: readonly [number, number, number];
    std: readonly [number, number, number];
}
/**
 * `imagenet-v1`: Resize(256) + CenterCrop(224) (torchvision's IMAGENET1K_V1 weights).
 * `imagenet-v2`: Resize(232) + CenterCrop(224) (IMAGENET1K_V2 weights).
 * `none`: no resize or crop; pixels are scaled to [0, 1] and normalized with the ImageNet mean/std.
 */
export declare const PRESETS: {
    readonly 'imagenet-v1': {
        readonly resize: 256;
        readonly crop: 224;
        readonly mean: readonly [number, number, number];
        readonly std: readonly [number, number, number];
    };
    readonly 'imagenet-v2': {
        readonly resize: 232;
        readonly crop: 224;
        readonly mean: readonly [number, number, number];
        readonly std: readonly [number, number, number];
    };
    readonly none: {
        readonly resize: null;
        readonly crop: null;
        readonly mean: readonly [number, number, number];
        readonly std: readonly [number, number, number];
    };
};
export type PresetName = keyof typeof PRESETS;
/** Runs a preset's full pipeline, returning a (1, 3, H, W) float32 tensor. */
export declare function preprocess(img: RgbImage, preset: PresetName): Tensor;
/** torchvision 0.14 `Resize(size)`: shorter side becomes `size`, longer side `int(size * long / short)`. */
export declare function resizeShorter(img: RgbImage, size: number): RgbImage;
/**
 * Exact port of Pillow's `ImagingResample` (8-bit, BILINEAR, no box): horizontal pass into an
 * 8-bit intermediate, then vertical; each pass runs only if that dimension changes.
 */
export declare function resizePil(img: RgbImage, outW: number, outH: number): RgbImage;
/**
 * torchvision 0.14 `CenterCrop(size)`: offsets `int(round((H - size) / 2.0))`; a crop larger than
 * the image is zero-padded first (left/top pad `(size - W) // 2`).
 */
export declare function centerCrop(img: RgbImage, size: number): RgbImage;
/**
 * torchvision `ToTensor()` + `Normalize(mean, std)` in float32: `((v / 255) - mean) / std`, each
 * step rounded to float32 as torch does. Returns shape (1, 3, H, W).
 */
export declare function toNormalizedTensor(img: RgbImage, mean?: readonly number[], std?: readonly number[]): Tensor;
/** Stacks (1, 3, H, W) tensors into one (N, 3, H, W) batch; all must share the same shape. */
export declare function batchTensors(tensors: readonly Tensor[]): Tensor;
