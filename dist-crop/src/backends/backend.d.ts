import type { Tensor } from '../tensor/tensor.js';
/** Parameters of a 2-D convolution, per spatial axis as [H, W]. */
export interface Conv2dParams {
    stride: readonly [number, number];
    padding: readonly [number, number];
    dilation: readonly [number, number];
    groups: number;
}
export interface MaxPool2dParams {
    kernelSize: readonly [number, number];
    stride: readonly [number, number];
    padding: readonly [number, number];
}
export interface Conv2dGrads {
    /** Null when the input gradient was not requested. */
    dx: Tensor | null;
    dweight: Tensor;
    dbias: Tensor;
}
export interface BatchNormStats {
    out: Tensor;
    /** Batch mean and biased batch variance per channel, and 1/sqrt(variance + eps). */
    mean: Tensor;
    variance: Tensor;
    invstd: Tensor;
}
export interface BatchNormGrads {
    dx: Tensor;
    dweight: Tensor;
    dbias: Tensor;
}
export interface LinearGrads {
    dx: Tensor;
    dweight: Tensor;
    dbias: Tensor;
}
/** Hyperparameters of one SGD update (torch.optim.SGD), as float32 values. */
export interface SgdStepParams {
    lr: number;
    momentum: number;
    dampening: number;
    weightDecay: number;
    nesterov: boolean;
    /** The momentum buffer is new: it takes the gradient instead of being updated (torch's first step). */
    firstStep: boolean;
}
export interface CrossEntropyResult {
    /** Mean over the batch. */
    loss: number;
    dlogits: Tensor;
}
/**
 * The kernel interface every compute backend implements. Kernels only compute: ops/ validates shapes
 * and arguments before calling them, so a kernel may assume its inputs are consistent.
 * Layout is NCHW float32 throughout.
 */
export interface Backend {
    readonly name: string;
    /** x (N,C,H,W), weight (OC,C/groups,KH,KW), bias (OC) or null → (N,OC,OH,OW). */
    conv2d(x: Tensor, weight: Tensor, bias: Tensor | null, params: Conv2dParams): Tensor;
    /** Inference batch norm with running statistics: x (N,C,H,W), the rest (C). */
    batchNorm2d(x: Tensor, mean: Tensor, variance: Tensor, weight: Tensor, bias: Tensor, eps: number): Tensor;
    relu(x: Tensor): Tensor;
    /** x (N,C,H,W) → (N,C,OH,OW), padding counts as -Infinity as in PyTorch. */
    maxPool2d(x: Tensor, params: MaxPool2dParams): Tensor;
    /** x (N,C,H,W) → (N,C,outH,outW) with PyTorch's adaptive bin edges. */
    adaptiveAvgPool2d(x: Tensor, outH: number, outW: number): Tensor;
    /** x (N,C,H,W) → (N,C,outH,outW) with PyTorch's adaptive bin edges. */
    adaptiveMaxPool2d(x: Tensor, outH: number, outW: number): Tensor;
    /** Element-wise a + b, same shapes. */
    add(a: Tensor, b: Tensor): Tensor;
    /** x (N,IN), weight (OUT,IN), bias (OUT) or null → (N,OUT). */
    linear(x: Tensor, weight: Tensor, bias: Tensor | null): Tensor;
    /** Softmax over the last axis. */
    softmax(x: Tensor): Tensor;
    /** Parameter-free shortcut: x[:, :, ::stride, ::stride] with channels zero-padded to outChannels. */
    zeroPadShortcut(x: Tensor, outChannels: number, stride: number): Tensor;
    /**
     * RoIAlign (torchvision.ops.roi_align): x (N,C,H,W); rois K rows of (batchIndex, x0, y0, x1, y1) in
     * input coordinates, multiplied by spatialScale to reach x's; result (K,C,outH,outW), each bin the
     * mean of samplingRatio² bilinear samples (adaptive ceil(roi size / out size) when ≤ 0). aligned
     * shifts the RoI by −0.5 pixel; without it RoIs are at least 1×1 (the legacy Faster R-CNN form).
     */
    roiAlign(x: Tensor, rois: Float32Array, outH: number, outW: number, spatialScale: number, samplingRatio: number, aligned: boolean): Tensor;
    conv2dBackward(x: Tensor, weight: Tensor, dout: Tensor, params: Conv2dParams, needInputGrad: boolean): Conv2dGrads;
    /** Training-mode batch norm: normalize with batch statistics (biased variance). */
    /** With `relu`, `out` is relu(batch norm(x)) (one pass; the statistics are those of x). */
    batchNorm2dTrain(x: Tensor, weight: Tensor, bias: Tensor, eps: number, relu: boolean): BatchNormStats;
    /**
     * With `reluOut` (the output of a fused batch norm + ReLU), the gradient of relu(batch norm(x)):
     * dout counts only where reluOut > 0.
     */
    batchNorm2dBackward(dout: Tensor, x: Tensor, mean: Tensor, invstd: Tensor, weight: Tensor, reluOut: Tensor | null): BatchNormGrads;
    /** `out` is the forward output of the ReLU. */
    reluBackward(dout: Tensor, out: Tensor): Tensor;
    maxPool2dBackward(dout: Tensor, x: Tensor, params: MaxPool2dParams): Tensor;
    adaptiveAvgPool2dBackward(dout: Tensor, inputShape: readonly number[]): Tensor;
    linearBackward(dout: Tensor, x: Tensor, weight: Tensor): LinearGrads;
    /** Softmax cross-entropy with label smoothing, mean over the batch, and its gradient. */
    crossEntropy(logits: Tensor, labels: Int32Array, labelSmoothing: number): CrossEntropyResult;
    zeroPadShortcutBackward(dout: Tensor, inputShape: readonly number[], stride: number): Tensor;
    /** target += source, element-wise (gradient accumulation). */
    accumulate(target: Tensor, source: Tensor): void;
    /**
     * One torch.optim.SGD update of `param` in place, with float32 arithmetic as torch 1.13 (a product
     * plus a sum rounds once): d = g (+ wd·p); buf = first ? d : m·buf + (1 − dampening)·d;
     * d = nesterov ? d + m·buf : buf; p = p − lr·d. `momentumBuffer` is null when momentum is 0.
     */
    sgdStep(param: Tensor, grad: Tensor, momentumBuffer: Tensor | null, p: SgdStepParams): void;
}
