/** In-place optimizer ops: validate, then dispatch to the current backend. */
import { getBackend } from '../backends/registry.js';
import { ShapeError } from '../errors.js';
import { formatShape } from '../tensor/tensor.js';
function expectSameSize(op, what, a, b) {
    if (a.size !== b.size) {
        throw new ShapeError(`${op}: ${what} ${formatShape(b.shape)} does not match ${formatShape(a.shape)}.`);
    }
}
/** target += source, in place. */
export function accumulate(target, source) {
    expectSameSize('accumulate', 'source', target, source);
    getBackend().accumulate(target, source);
}
/** One SGD update of `param` (and its momentum buffer) in place; see Backend.sgdStep. */
export function sgdStep(param, grad, momentumBuffer, p) {
    expectSameSize('sgdStep', 'gradient', param, grad);
    if (momentumBuffer !== null)
        expectSameSize('sgdStep', 'momentum buffer', param, momentumBuffer);
    if (p.momentum !== 0 && momentumBuffer === null) {
        throw new ShapeError('sgdStep: a momentum buffer is required when momentum is not 0.');
    }
    getBackend().sgdStep(param, grad, p.momentum === 0 ? null : momentumBuffer, p);
}
//# sourceMappingURL=optim.js.map