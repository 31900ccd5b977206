import type { Tensor } from '../tensor/tensor.js';
export declare function batchNorm2d(x: Tensor, mean: Tensor, variance: Tensor, weight: Tensor, bias: Tensor, eps: number): Tensor;
