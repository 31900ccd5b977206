/**
 * torchvision's region proposal network (models/detection/rpn.py), eval mode: a shared head scores
 * every anchor of every pyramid level (objectness) and regresses it (4 deltas); per image, the best
 * `preNmsTopN` anchors of each level are decoded, clipped to the image, stripped of tiny boxes,
 * thinned by NMS per level and cut to the best `postNmsTopN` proposals.
 */
import { AnchorGenerator } from '../../detection/anchors.js';
import { BoxCoder } from '../../detection/box_ops.js';
import { Conv2d } from '../../nn/layers.js';
import { Sequential } from '../../nn/module.js';
import type { Tensor } from '../../tensor/tensor.js';
import { Container } from './layers.js';
/** Shared 3×3 conv(s) + ReLU, then a 1×1 objectness conv (A outputs) and a 1×1 box conv (4A). */
export declare class RPNHead extends Container {
    readonly conv: Sequential;
    readonly cls_logits: Conv2d;
    readonly bbox_pred: Conv2d;
    /** convDepth 1 for v1, 2 for v2. */
    constructor(inChannels: number, numAnchors: number, convDepth?: number);
    /** Per level: objectness (N, A, H, W) and deltas (N, 4A, H, W). */
    run(features: readonly Tensor[]): {
        objectness: Tensor[];
        deltas: Tensor[];
    };
}
export interface RpnOptions {
    /** Best anchors kept per level before NMS (torchvision's rpn_pre_nms_top_n_test, default 1000). */
    preNmsTopN?: number;
    /** Proposals kept per image after NMS (rpn_post_nms_top_n_test, default 1000). */
    postNmsTopN?: number;
    /** IoU above which NMS drops a proposal (default 0.7). */
    nmsThresh?: number;
    /** Proposals need sigmoid(objectness) ≥ this (default 0). */
    scoreThresh?: number;
    /** Proposals narrower or lower than this are dropped (default 1e-3). */
    minSize?: number;
}
/** Proposals of each image: boxes (x0, y0, x1, y1)·K in resized-image pixels, best first, with sigmoid scores. */
export interface Proposals {
    boxes: Float32Array;
    scores: Float32Array;
}
export declare class RegionProposalNetwork extends Container {
    readonly head: RPNHead;
    readonly anchorGenerator: AnchorGenerator;
    readonly boxCoder: BoxCoder;
    readonly options: Required<RpnOptions>;
    constructor(head: RPNHead, anchorGenerator: AnchorGenerator, options?: RpnOptions);
    /**
     * Proposals per image from the pyramid levels (N, 256, h, w). `batchSize` is the padded batch's
     * [H, W] (the anchors' frame), `imageSizes` each image's resized [h, w] (the clip bounds).
     */
    run(features: readonly Tensor[], batchSize: readonly [number, number], imageSizes: readonly (readonly [number, number])[]): Proposals[];
}
/** Rows `keep` of boxes (4 per row), scores and groups. */
export declare function gather(boxes: Float32Array, scores: Float32Array, groups: Int32Array, keep: Int32Array): [Float32Array, Float32Array, Int32Array];
