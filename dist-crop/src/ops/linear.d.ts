import { type Tensor } from '../tensor/tensor.js';
export declare function linear(x: Tensor, weight: Tensor, bias: Tensor | null): Tensor;
