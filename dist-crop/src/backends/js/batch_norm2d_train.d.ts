/**
 * Reference batch norm in training mode (PyTorch semantics): normalize with the batch mean and the
 * biased batch variance; the backward pass of that normalization. x and dout are (N,C,H,W).
 */
import type { BatchNormStats, BatchNormGrads } from '../backend.js';
import { Tensor } from '../../tensor/tensor.js';
export declare function batchNorm2dTrain(x: Tensor, weight: Tensor, bias: Tensor, eps: number, relu?: boolean): BatchNormStats;
/**
 * dx = weight·invstd/M · (M·dout − Σdout − x̂·Σ(dout·x̂)), dweight = Σ dout·x̂, dbias = Σ dout; with
 * `reluOut`, dout is first zeroed where reluOut ≤ 0 (the ReLU's gradient).
 */
export declare function batchNorm2dBackward(dout: Tensor, x: Tensor, mean: Tensor, invstd: Tensor, weight: Tensor, reluOut?: Tensor | null): BatchNormGrads;
