/** conv2d: validate NCHW input against the weight and parameters, then dispatch to the backend. */
import type { Conv2dParams } from '../backends/backend.js';
import { type Tensor } from '../tensor/tensor.js';
export declare function conv2d(x: Tensor, weight: Tensor, bias: Tensor | null, params: Conv2dParams): Tensor;
