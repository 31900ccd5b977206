/**
 * Reference adaptive average and max pooling with PyTorch's bin edges
 * (start = floor(i·in/out), end = ceil((i+1)·in/out)). x is (N,C,H,W) → (N,C,outH,outW).
 */
import { Tensor } from '../../tensor/tensor.js';
export declare function adaptiveAvgPool2d(x: Tensor, outH: number, outW: number): Tensor;
export declare function adaptiveMaxPool2d(x: Tensor, outH: number, outW: number): Tensor;
