import { type Tensor } from '../tensor/tensor.js';
export declare function relu(x: Tensor): Tensor;
export declare function add(a: Tensor, b: Tensor): Tensor;
export declare function softmax(x: Tensor): Tensor;
