/**
 * Reference SGD update (torch.optim.SGD, torch 1.13 CPU), bit for bit: every float32 step is computed
 * in double and rounded once, which is how torch's fused `a + alpha·b` kernels round.
 */
import type { SgdStepParams } from '../backend.js';
import type { Tensor } from '../../tensor/tensor.js';
export declare function sgdStep(param: Tensor, grad: Tensor, momentumBuffer: Tensor | null, p: SgdStepParams): void;
