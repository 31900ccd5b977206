import type { SgdStepParams } from '../backends/backend.js';
import { type Tensor } from '../tensor/tensor.js';
/** target += source, in place. */
export declare function accumulate(target: Tensor, source: Tensor): void;
/** One SGD update of `param` (and its momentum buffer) in place; see Backend.sgdStep. */
export declare function sgdStep(param: Tensor, grad: Tensor, momentumBuffer: Tensor | null, p: SgdStepParams): void;
