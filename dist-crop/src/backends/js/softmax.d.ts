/** Reference softmax over the last axis, max-subtracted for stability. */
import { Tensor } from '../../tensor/tensor.js';
export declare function softmax(x: Tensor): Tensor;
