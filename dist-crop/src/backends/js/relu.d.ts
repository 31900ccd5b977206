/** Reference ReLU: max(x, 0) element-wise, any shape. */
import { Tensor } from '../../tensor/tensor.js';
export declare function relu(x: Tensor): Tensor;
