/**
 * torchvision's RoIHeads for boxes (models/detection/roi_heads.py), eval mode: each proposal's 7×7
 * features are pooled from the pyramid (MultiScaleRoIAlign), turned into a 1024-vector by the box
 * head, and classified (91 COCO classes with background) and regressed per class by the predictor.
 * Postprocessing decodes one box per class, drops background, low scores and empty boxes, runs NMS
 * per class and keeps the best `detectionsPerImg`.
 *
 *   v1 box head: TwoMLPHead          flatten → fc6 (12544→1024) → ReLU → fc7 (1024→1024) → ReLU
 *   v2 box head: FastRCNNConvFCHead  4 × (3×3 conv → BN → ReLU) → flatten → fc (12544→1024) → ReLU
 */
import { BoxCoder } from '../../detection/box_ops.js';
import { Linear, ReLU } from '../../nn/layers.js';
import { Sequential } from '../../nn/module.js';
import { Tensor } from '../../tensor/tensor.js';
import { Container } from './layers.js';
/** The v1 box head: two fully connected layers with ReLU. */
export declare class TwoMLPHead extends Container {
    readonly fc6: Linear;
    readonly fc7: Linear;
    readonly relu: ReLU;
    constructor(inChannels: number, representationSize: number);
    run(x: Tensor): Tensor;
}
/** The v2 box head (FastRCNNConvFCHead): a Sequential whose keys are `0..3` (convs), `5` (fc). */
export declare function fastRcnnConvFcHead(inChannels: number, resolution: number, convLayers: readonly number[], fcLayers: readonly number[]): Sequential;
/** Class scores (with background) and per-class box deltas. */
export declare class FastRCNNPredictor extends Container {
    readonly cls_score: Linear;
    readonly bbox_pred: Linear;
    constructor(inChannels: number, numClasses: number);
    run(x: Tensor): {
        classLogits: Tensor;
        boxRegression: Tensor;
    };
}
export interface RoIHeadsOptions {
    /** Detections need a class probability above this (torchvision's box_score_thresh, default 0.05). */
    scoreThresh?: number;
    /** IoU above which NMS (per class) drops a detection (box_nms_thresh, default 0.5). */
    nmsThresh?: number;
    /** Detections kept per image (box_detections_per_img, default 100). */
    detectionsPerImg?: number;
    /** Pooled size (default 7) and bilinear samples per bin side (default 2) of MultiScaleRoIAlign. */
    poolSize?: number;
    samplingRatio?: number;
}
/** Detections of one image: boxes (x0, y0, x1, y1)·K, scores and class indices, best first. */
export interface ImageDetections {
    boxes: Float32Array;
    scores: Float32Array;
    labels: Int32Array;
}
export declare class RoIHeads extends Container {
    readonly box_head: TwoMLPHead | Sequential;
    readonly box_predictor: FastRCNNPredictor;
    readonly boxCoder: BoxCoder;
    readonly options: Required<RoIHeadsOptions>;
    constructor(boxHead: TwoMLPHead | Sequential, boxPredictor: FastRCNNPredictor, options?: RoIHeadsOptions);
    /** Detections per image, in resized-image pixels, from P2..P5 and each image's proposals. */
    run(features: readonly Tensor[], proposals: readonly Float32Array[], imageSizes: readonly (readonly [number, number])[]): ImageDetections[];
    private postprocess;
}
