/** Reference ReLU gradient: dout where the forward output was positive, else 0. */
import { Tensor } from '../../tensor/tensor.js';
export declare function reluBackward(dout: Tensor, out: Tensor): Tensor;
