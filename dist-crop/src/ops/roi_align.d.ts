import type { Tensor } from '../tensor/tensor.js';
/**
 * x (N,C,H,W); rois K rows of (batchIndex, x0, y0, x1, y1) in the coordinates of the image x was
 * computed from, which spatialScale maps onto x (1/stride for a feature map). Returns (K,C,outH,outW).
 * samplingRatio is the samples per bin and axis (≤ 0: adaptive); aligned=false is the legacy form
 * Faster R-CNN uses.
 */
export declare function roiAlign(x: Tensor, rois: Float32Array, outH: number, outW: number, spatialScale: number, samplingRatio: number, aligned: boolean): Tensor;
