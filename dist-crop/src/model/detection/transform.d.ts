import type { RgbImage } from '../../io/image.js';
import { Tensor } from '../../tensor/tensor.js';
import { resizeBilinear } from '../../data/interpolate.js';
export { resizeBilinear };
export interface DetectionTransformOptions {
    /** Target length of the short side (default 800). */
    minSize?: number;
    /** Upper bound of the long side (default 1333). */
    maxSize?: number;
    imageMean?: readonly [number, number, number];
    imageStd?: readonly [number, number, number];
    /** The padded batch's height and width are multiples of this (default 32). */
    sizeDivisible?: number;
}
/** A resized, normalized and padded batch. */
export interface ImageBatch {
    /** (N, 3, H, W), H and W multiples of sizeDivisible. */
    tensor: Tensor;
    /** [height, width] of each image after resizing, before padding. */
    imageSizes: [number, number][];
    /** [height, width] of each image as given. */
    originalSizes: [number, number][];
}
/** An 8-bit RGB image as a (3, H, W) float tensor in [0, 1], like torchvision's to_tensor. */
export declare function imageToTensor(img: RgbImage): Tensor;
/** The resized size of an H×W image: torchvision's scale (in float32), then floor(size · scale). */
export declare function resizedSize(H: number, W: number, minSize: number, maxSize: number): [number, number];
export declare class GeneralizedRCNNTransform {
    readonly minSize: number;
    readonly maxSize: number;
    readonly imageMean: readonly [number, number, number];
    readonly imageStd: readonly [number, number, number];
    readonly sizeDivisible: number;
    constructor(options?: DetectionTransformOptions);
    /** (x − mean) / std per channel, in float32 as torch computes it, for x (3, H, W). */
    normalize(x: Tensor): Tensor;
    /** Normalized, resized and padded batch of (3, H, W) float images in [0, 1]. */
    apply(images: readonly Tensor[]): ImageBatch;
}
/** Boxes (x0, y0, x1, y1)·K of a `from`-sized image, scaled to a `to`-sized one as torchvision does (float32 ratios). */
export declare function resizeBoxes(boxes: Float32Array, from: readonly [number, number], to: readonly [number, number]): Float32Array;
