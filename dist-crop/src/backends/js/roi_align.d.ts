/**
 * Reference RoIAlign, torchvision 0.14's CPU kernel (roi_align_kernel.cpp) in float32 step for step.
 * x is (N,C,H,W); rois K rows of (batchIndex, x0, y0, x1, y1); out is (K,C,outH,outW).
 *
 * Per RoI: scale the corners (minus 0.5 when aligned; unaligned RoIs are at least 1×1), split the RoI
 * into outH×outW bins, and put a gridH×gridW lattice of sample points in each bin (samplingRatio, or
 * ceil(bin size) when samplingRatio ≤ 0). A sample more than one pixel outside the map contributes 0;
 * otherwise its coordinates are clamped into the map and it is bilinearly interpolated. Each bin is the
 * sum of its samples divided by their count. The sample positions and weights are shared by all
 * channels, so they are computed once per RoI, as torchvision does.
 */
import { Tensor } from '../../tensor/tensor.js';
export declare function roiAlign(x: Tensor, rois: Float32Array, outH: number, outW: number, spatialScale: number, samplingRatio: number, aligned: boolean): Tensor;
