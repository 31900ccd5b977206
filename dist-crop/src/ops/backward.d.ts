/** Training ops: batch-statistics batch norm, the loss, and the gradient of every forward op. */
import type { BatchNormGrads, BatchNormStats, Conv2dGrads, Conv2dParams, CrossEntropyResult, LinearGrads, MaxPool2dParams } from '../backends/backend.js';
import { type Tensor } from '../tensor/tensor.js';
export declare function conv2dBackward(x: Tensor, weight: Tensor, dout: Tensor, params: Conv2dParams, needInputGrad?: boolean): Conv2dGrads;
/** Batch norm with batch statistics; with `relu`, relu(batch norm(x)) in the same pass. */
export declare function batchNorm2dTrain(x: Tensor, weight: Tensor, bias: Tensor, eps: number, relu?: boolean): BatchNormStats;
/** Gradient of batchNorm2dTrain; pass the fused output as `reluOut` when it ran with `relu`. */
export declare function batchNorm2dBackward(dout: Tensor, x: Tensor, mean: Tensor, invstd: Tensor, weight: Tensor, reluOut?: Tensor | null): BatchNormGrads;
export declare function reluBackward(dout: Tensor, out: Tensor): Tensor;
export declare function maxPool2dBackward(dout: Tensor, x: Tensor, params: MaxPool2dParams): Tensor;
export declare function adaptiveAvgPool2dBackward(dout: Tensor, inputShape: readonly number[]): Tensor;
export declare function linearBackward(dout: Tensor, x: Tensor, weight: Tensor): LinearGrads;
export declare function zeroPadShortcutBackward(dout: Tensor, inputShape: readonly number[], stride: number): Tensor;
/** Mean softmax cross-entropy of (N, K) logits against class indices, with label smoothing ε. */
export declare function crossEntropy(logits: Tensor, labels: Int32Array, labelSmoothing?: number): CrossEntropyResult;
