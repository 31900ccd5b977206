/**
 * torchvision's MultiScaleRoIAlign (ops/poolers.py): each RoI is pooled from one FPN level, chosen by
 * its size (LevelMapper, eq. 1 of the FPN paper), with RoIAlign (aligned=false) at that level's scale.
 */
import { ShapeError, UserError } from '../errors.js';
import { roiAlign } from '../ops/roi_align.js';
import { Tensor } from '../tensor/tensor.js';
import { boxArea } from './box_ops.js';
import { roundHalfEven } from './torch_math.js';
const f = Math.fround;
/**
 * torchvision's _infer_scale: the feature map's scale relative to the image, snapped to a power of
 * two, 2^round(log2(featureSize / imageSize)) with the ratio rounded to float32 as torch does.
 * torchvision works the ratio out for both axes but returns the height's without comparing them;
 * so does this (for FPN levels of a batch padded to a multiple of 32 the two always agree).
 */
export function inferScale(featureSize, imageSize) {
    const approx = f(featureSize[0] / imageSize[0]);
    return 2 ** roundHalfEven(f(Math.log2(approx)));
}
/**
 * LevelMapper: the 0-based pyramid level of each box, floor(canonicalLevel + log2(√area /
 * canonicalScale) + eps) clamped to [kMin, kMax], minus kMin, in float32 as torch computes it.
 * A box with negative area (x1 < x0 or y1 < y0, not both) has no level in torch (NaN, so it matches
 * none and its pooled features stay 0); it gets −1 here.
 */
export function levelMapper(boxes, kMin, kMax, canonicalScale = 224, canonicalLevel = 4, eps = 1e-6) {
    const areas = boxArea(boxes);
    const levels = new Int32Array(areas.length);
    const scale = f(canonicalScale);
    const epsilon = f(eps);
    for (let i = 0; i < areas.length; i++) {
        const s = f(Math.sqrt(areas[i]));
        const level = Math.floor(f(f(canonicalLevel + f(Math.log2(f(s / scale)))) + epsilon));
        levels[i] = Number.isNaN(level) ? -1 : Math.min(Math.max(level, kMin), kMax) - kMin;
    }
    return levels;
}
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
export function multiScaleRoIAlign(features, proposals, imageSizes, outputSize = 7, samplingRatio = 2) {
    if (features.length === 0)
        throw new UserError('multiScaleRoIAlign: no feature maps to pool from.');
    if (imageSizes.length === 0)
        throw new UserError('multiScaleRoIAlign: the list of image sizes is empty.');
    const [N, C] = features[0].shape;
    for (const [level, feature] of features.entries()) {
        if (feature.rank !== 4 || feature.shape[0] !== N || feature.shape[1] !== C) {
            throw new ShapeError(`multiScaleRoIAlign: feature map ${level} has shape [${feature.shape.join(', ')}], expected [${N}, ${C}, h, w].`);
        }
    }
    if (proposals.length !== N || imageSizes.length !== N) {
        throw new ShapeError(`multiScaleRoIAlign: a batch of ${N} images needs ${N} proposal sets and image sizes, got ${proposals.length} and ${imageSizes.length}.`);
    }
    const maxSize = [0, 0];
    for (const [h, w] of imageSizes) {
        maxSize[0] = Math.max(maxSize[0], h);
        maxSize[1] = Math.max(maxSize[1], w);
    }
    const scales = features.map((x) => inferScale([x.shape[2], x.shape[3]], maxSize));
    const rois = toRoiFormat(proposals);
    const K = rois.length / 5;
    if (features.length === 1) {
        return roiAlign(features[0], rois, outputSize, outputSize, scales[0], samplingRatio, false);
    }
    const kMin = Math.trunc(-f(Math.log2(scales[0])));
    const kMax = Math.trunc(-f(Math.log2(scales[scales.length - 1])));
    const boxes = new Float32Array(4 * K);
    for (let k = 0; k < K; k++)
        boxes.set(rois.subarray(5 * k + 1, 5 * k + 5), 4 * k);
    const levels = levelMapper(boxes, kMin, kMax);
    const binsPerRoi = C * outputSize * outputSize;
    const out = new Float32Array(K * binsPerRoi);
    features.forEach((feature, level) => {
        const members = [];
        for (let k = 0; k < K; k++)
            if (levels[k] === level)
                members.push(k);
        if (members.length === 0)
            return;
        const levelRois = new Float32Array(5 * members.length);
        members.forEach((k, i) => levelRois.set(rois.subarray(5 * k, 5 * k + 5), 5 * i));
        const pooled = roiAlign(feature, levelRois, outputSize, outputSize, scales[level], samplingRatio, false);
        members.forEach((k, i) => out.set(pooled.data.subarray(i * binsPerRoi, (i + 1) * binsPerRoi), k * binsPerRoi));
    });
    return new Tensor(out, [K, C, outputSize, outputSize]);
}
/** Per-image boxes → rows of (imageIndex, x0, y0, x1, y1), images in order. */
function toRoiFormat(proposals) {
    let total = 0;
    for (const [i, boxes] of proposals.entries()) {
        if (boxes.length % 4 !== 0) {
            throw new ShapeError(`multiScaleRoIAlign: proposals of image ${i} must hold 4 values per box, got ${boxes.length} values.`);
        }
        total += boxes.length / 4;
    }
    const rois = new Float32Array(5 * total);
    let k = 0;
    proposals.forEach((boxes, i) => {
        for (let b = 0; b < boxes.length; b += 4, k++) {
            rois[5 * k] = i;
            rois.set(boxes.subarray(b, b + 4), 5 * k + 1);
        }
    });
    return rois;
}
//# sourceMappingURL=poolers.js.map