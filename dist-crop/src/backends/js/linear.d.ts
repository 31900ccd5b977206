/** Reference fully connected layer: x (N,IN), weight (OUT,IN), bias (OUT) → (N,OUT) = x·Wᵀ + b. */
import { Tensor } from '../../tensor/tensor.js';
export declare function linear(x: Tensor, weight: Tensor, bias: Tensor | null): Tensor;
