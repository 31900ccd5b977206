/**
 * Reference inference batch norm: y = (x - mean) / sqrt(var + eps) * weight + bias per channel.
 * x is (N,C,H,W); mean, variance, weight, bias are (C). Computed per element in float32 like PyTorch's
 * CPU kernel (scale and shift precomputed per channel).
 */
import { Tensor } from '../../tensor/tensor.js';
export declare function batchNorm2d(x: Tensor, mean: Tensor, variance: Tensor, weight: Tensor, bias: Tensor, eps: number): Tensor;
