/**
 * Reference max-pool gradient: each output's gradient goes to the first maximum of its window (the
 * element PyTorch's CPU kernel records), accumulating where windows overlap. x is (N,C,H,W).
 */
import type { MaxPool2dParams } from '../backend.js';
import { Tensor } from '../../tensor/tensor.js';
export declare function maxPool2dBackward(dout: Tensor, x: Tensor, params: MaxPool2dParams): Tensor;
