import { Tensor } from '../tensor/tensor.js';
/**
 * torchvision's _infer_scale: the feature map's scale relative to the image, snapped to a power of
 * two, 2^round(log2(featureSize / imageSize)) with the ratio rounded to float32 as torch does.
 * torchvision works the ratio out for both axes but returns the height's without comparing them;
 * so does this (for FPN levels of a batch padded to a multiple of 32 the two always agree).
 */
export declare function inferScale(featureSize: readonly [number, number], imageSize: readonly [number, number]): number;
/**
 * LevelMapper: the 0-based pyramid level of each box, floor(canonicalLevel + log2(√area /
 * canonicalScale) + eps) clamped to [kMin, kMax], minus kMin, in float32 as torch computes it.
 * A box with negative area (x1 < x0 or y1 < y0, not both) has no level in torch (NaN, so it matches
 * none and its pooled features stay 0); it gets −1 here.
 */
export declare function levelMapper(boxes: Float32Array, kMin: number, kMax: number, canonicalScale?: number, canonicalLevel?: number, eps?: number): Int32Array;
/**
 * Pools every proposal to (C, outputSize, outputSize) from the FPN level its size selects.
 *
 * features: the pooled pyramid levels, finest first (Faster R-CNN: '0'..'3', strides 4..32), each
 * (N,C,h,w) for the whole padded batch; proposals: one Float32Array of boxes per image, in resized
 * image coordinates; imageSizes: the resized, unpadded (height, width) of each image. As in
 * torchvision's _setup_scales, each level's scale is inferred against the largest height and the
 * largest width over the images, and the level range [kMin, kMax] from the first and last scale.
 * (torchvision caches the scales on a module's first call; they depend only on the padded size
 * class, which every Faster R-CNN batch of the same transform shares.)
 * Returns (sum of proposals, C, outputSize, outputSize), image by image, proposal by proposal.
 */
export declare function multiScaleRoIAlign(features: readonly Tensor[], proposals: readonly Float32Array[], imageSizes: readonly (readonly [number, number])[], outputSize?: number, samplingRatio?: number): Tensor;
