/** Reference gradient accumulation: target += source. */
import type { Tensor } from '../../tensor/tensor.js';
export declare function accumulate(target: Tensor, source: Tensor): void;
