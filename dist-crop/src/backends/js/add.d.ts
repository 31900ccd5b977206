/** Reference element-wise addition of two tensors of the same shape (the residual add). */
import { Tensor } from '../../tensor/tensor.js';
export declare function add(a: Tensor, b: Tensor): Tensor;
