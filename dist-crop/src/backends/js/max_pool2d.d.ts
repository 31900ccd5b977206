/**
 * Reference 2-D max pooling, floor mode, padding treated as -Infinity (PyTorch semantics).
 * x is (N,C,H,W) → (N,C,OH,OW).
 */
import type { MaxPool2dParams } from '../backend.js';
import { Tensor } from '../../tensor/tensor.js';
export declare function maxPool2d(x: Tensor, params: MaxPool2dParams): Tensor;
