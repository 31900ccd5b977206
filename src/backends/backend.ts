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
}
