/** Pooling ops: max-pool, adaptive average/max pool, and the zero-padded strided shortcut. */
import type { MaxPool2dParams } from '../backends/backend.js';
import type { Tensor } from '../tensor/tensor.js';
export declare function maxPool2d(x: Tensor, params: MaxPool2dParams): Tensor;
export declare function adaptiveAvgPool2d(x: Tensor, outH: number, outW: number): Tensor;
export declare function adaptiveMaxPool2d(x: Tensor, outH: number, outW: number): Tensor;
export declare function zeroPadShortcut(x: Tensor, outChannels: number, stride: number): Tensor;
