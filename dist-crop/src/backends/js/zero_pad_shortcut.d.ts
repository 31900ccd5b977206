/**
 * Reference parameter-free shortcut (the seed's option A): take every stride-th pixel of x and pad the
 * channels with zeros. x is (N,C,H,W) → (N,outChannels,ceil(H/stride),ceil(W/stride)).
 */
import { Tensor } from '../../tensor/tensor.js';
export declare function zeroPadShortcut(x: Tensor, outChannels: number, stride: number): Tensor;
