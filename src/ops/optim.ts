/** In-place optimizer ops: validate, then dispatch to the current backend. */
import { getBackend } from '../backends/registry.js';
import type { SgdStepParams } from '../backends/backend.js';
import { ShapeError } from '../errors.js';
import { formatShape, type Tensor } from '../tensor/tensor.js';

function expectSameSize(op: string, what: string, a: Tensor, b: Tensor): void {
  if (a.size !== b.size) {
    throw new ShapeError(`${op}: ${what} ${formatShape(b.shape)} does not match ${formatShape(a.shape)}.`);
  }
}

/** target += source, in place. */
export function accumulate(target: Tensor, source: Tensor): void {
  expectSameSize('accumulate', 'source', target, source);
  getBackend().accumulate(target, source);
}

/** One SGD update of `param` (and its momentum buffer) in place; see Backend.sgdStep. */
export function sgdStep(param: Tensor, grad: Tensor, momentumBuffer: Tensor | null, p: SgdStepParams): void {
  expectSameSize('sgdStep', 'gradient', param, grad);
  if (momentumBuffer !== null) expectSameSize('sgdStep', 'momentum buffer', param, momentumBuffer);
  if (p.momentum !== 0 && momentumBuffer === null) {
    throw new ShapeError('sgdStep: a momentum buffer is required when momentum is not 0.');
  }
  getBackend().sgdStep(param, grad, p.momentum === 0 ? null : momentumBuffer, p);
}
