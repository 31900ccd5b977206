/** Element-wise ops: relu, the residual add, softmax over the last axis. */
import { getBackend } from '../backends/registry.js';
import { ShapeError } from '../errors.js';
import { formatShape, sameShape } from '../tensor/tensor.js';
export function relu(x) {
    return getBackend().relu(x);
}
export function add(a, b) {
    if (!sameShape(a.shape, b.shape)) {
        throw new ShapeError(`add: shapes ${formatShape(a.shape)} and ${formatShape(b.shape)} differ.`);
    }
    return getBackend().add(a, b);
}
export function softmax(x) {
    if (x.rank < 1)
        throw new ShapeError('softmax: input must have at least one dimension.');
    return getBackend().softmax(x);
}
//# sourceMappingURL=elementwise.js.map