/** (x1 − x0)·(y1 − y0) per box, in float32. */
export declare function boxArea(boxes: Float32Array): Float32Array;
/** Pairwise intersection over union, (NA, NB) row-major, with torchvision's float32 rounding. */
export declare function boxIou(a: Float32Array, b: Float32Array): Float32Array;
/**
 * Non-maximum suppression as torchvision.ops.nms: indices of the kept boxes, by decreasing score;
 * a box is dropped when a higher-scoring kept box has IoU > iouThreshold with it.
 */
export declare function nms(boxes: Float32Array, scores: Float32Array, iouThreshold: number): Int32Array;
/**
 * NMS within each group (class, FPN level) as torchvision.ops.batched_nms, by decreasing score.
 * Both of 0.14's CPU strategies are reproduced, since they can differ in the last bit and in the
 * order of tied scores: up to 4000 coordinates, boxes are shifted by group·(max coordinate + 1) in
 * float32 and go through one NMS; above, NMS runs per group and the kept indices are re-sorted by
 * score with torch's (unstable) default sort.
 */
export declare function batchedNms(boxes: Float32Array, scores: Float32Array, groups: Int32Array, iouThreshold: number): Int32Array;
/** Boxes clamped to [0, width] × [0, height], as a new array. */
export declare function clipBoxesToImage(boxes: Float32Array, height: number, width: number): Float32Array;
/** Indices of the boxes whose width and height are both ≥ minSize (compared in float32). */
export declare function removeSmallBoxes(boxes: Float32Array, minSize: number): Int32Array;
/**
 * torchvision's BoxCoder: box regression deltas (dx, dy, dw, dh) relative to reference boxes,
 * divided by `weights` (1, 1, 1, 1 for the RPN; 10, 10, 5, 5 for the box head). dw and dh are
 * clamped to `bboxXformClip` = log(1000/16) before exp, so no box grows beyond 62.5× its anchor.
 * exp is torch's own float32 exp (torch_math.ts), so decoded boxes are torchvision's to the bit.
 */
export declare class BoxCoder {
    readonly weights: readonly [number, number, number, number];
    readonly bboxXformClip: number;
    constructor(weights: readonly [number, number, number, number], bboxXformClip?: number);
    /**
     * relCodes has N rows of codesPerBox·4 deltas, boxes N rows of 4; returns N·codesPerBox boxes, row
     * n·codesPerBox + k decoded from delta group k of row n (torchvision's decode(...).reshape(N, -1, 4)).
     */
    decode(relCodes: Float32Array, boxes: Float32Array, codesPerBox: number): Float32Array;
    /**
     * The regression targets that decode(targets, proposals, 1) would turn back into `reference`
     * (torchvision's encode_single): N rows of (dx, dy, dw, dh) for N reference/proposal pairs.
     */
    encode(reference: Float32Array, proposals: Float32Array): Float32Array;
}
