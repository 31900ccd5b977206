/** Reference adaptive average-pool gradient: each output's gradient spread evenly over its bin. */
import { Tensor } from '../../tensor/tensor.js';
export declare function adaptiveAvgPool2dBackward(dout: Tensor, inputShape: readonly number[]): Tensor;
