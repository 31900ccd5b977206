import type { RgbImage } from '../io/image.js';
import type { Rng } from '../tensor/random.js';
import { type PresetName } from './transforms.js';
type Triple = readonly [number, number, number];
/** Normalization of a transform: defaults to ImageNet's (or the preset's) mean and std. */
export interface NormalizeOptions {
    mean?: Triple;
    std?: Triple;
}
/**
 * `standard`: RandomResizedCrop(size, scale, ratio) + RandomHorizontalFlip(flipProbability).
 * `crop`: RandomCrop(the image's own size, padding, zero fill) + RandomHorizontalFlip(flipProbability)
 * on the source image, then the evaluation preprocessing as `none` (the small-image recipe of CIFAR
 * and Fashion-MNIST: pad 4, crop 28 or 32, flip).
 * `none`: the evaluation preprocessing: a preset's resize + center crop, or a plain resize to
 * `size`×`size` (for small images such as 28×28 → 32×32), or nothing when neither is given.
 */
export type TrainTransform = ({
    kind: 'standard';
    size: number;
    scale?: readonly [number, number];
    ratio?: readonly [number, number];
    flipProbability?: number;
} & NormalizeOptions) | ({
    kind: 'crop';
    preset?: PresetName;
    size?: number;
    padding?: number;
    flipProbability?: number;
} & NormalizeOptions) | ({
    kind: 'none';
    preset?: PresetName;
    size?: number;
} & NormalizeOptions);
/** Default zero padding of the `crop` transform, in source pixels (torchvision's CIFAR recipe). */
export declare const DEFAULT_CROP_PADDING = 4;
/** A crop box in pixels. */
export interface CropBox {
    top: number;
    left: number;
    height: number;
    width: number;
}
/**
 * torchvision `RandomResizedCrop.get_params`: up to 10 draws of an area fraction in `scale` and a
 * log-uniform aspect ratio in `ratio`; the first box that fits is placed uniformly at random.
 * Otherwise a center crop whose ratio is clamped to `ratio`.
 */
export declare function randomResizedCropBox(width: number, height: number, rng: Rng, scale?: readonly [number, number], ratio?: readonly [number, number]): CropBox;
/** Copies a box that lies inside the image (PIL `Image.crop`). */
export declare function crop(img: RgbImage, box: CropBox): RgbImage;
/** torchvision `RandomResizedCrop(size)` on a PIL image: sampled box, then bilinear resize. */
export declare function randomResizedCrop(img: RgbImage, size: number, rng: Rng, scale?: readonly [number, number], ratio?: readonly [number, number]): RgbImage;
/**
 * torchvision `RandomCrop(size=(H, W), padding)` with zero fill: the image padded by `padding` black
 * pixels on every side, and an H×W window of it at a uniformly drawn offset (top, then left).
 */
export declare function randomPaddedCrop(img: RgbImage, padding: number, rng: Rng): RgbImage;
/** Mirrors an image left–right. */
export declare function horizontalFlip(img: RgbImage): RgbImage;
/** torchvision `RandomHorizontalFlip(p)`: one draw; flips when it is below `p`. */
export declare function randomHorizontalFlip(img: RgbImage, rng: Rng, p?: number): RgbImage;
/** A one-channel H×W u8 array (e.g. an IDX image) as RGB with R = G = B. */
export declare function grayToRgb(gray: Uint8Array, width: number, height: number): RgbImage;
/** Resizes to exactly `width`×`height` (Pillow bilinear); a copy when the size already matches. */
export declare function resize(img: RgbImage, width: number, height: number): RgbImage;
/** Checks a transform config; throws a UserError naming the bad field. */
export declare function validateTransform(t: TrainTransform): void;
/** Output height/width of a transform, or null when it keeps the input size. */
export declare function transformOutputSize(t: TrainTransform): {
    height: number;
    width: number;
} | null;
/** A transformed sample: normalized CHW float32 pixels. */
export interface TransformedImage {
    data: Float32Array;
    height: number;
    width: number;
}
/** Runs a TrainTransform on one image, then ToTensor + Normalize into a CHW Float32Array. */
export declare function applyTransform(img: RgbImage, t: TrainTransform, rng: Rng): TransformedImage;
export {};
