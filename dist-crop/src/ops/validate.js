/** Shape checks shared by ops; each failure is a ShapeError naming the op and both shapes. */
import { ShapeError } from '../errors.js';
import { formatShape, sameShape } from '../tensor/tensor.js';
export function expectRank(op, name, t, rank) {
    if (t.rank !== rank) {
        throw new ShapeError(`${op}: ${name} must have ${rank} dimensions, got shape ${formatShape(t.shape)}.`);
    }
}
export function expectShape(op, name, t, shape) {
    if (!sameShape(t.shape, shape)) {
        throw new ShapeError(`${op}: ${name} must have shape ${formatShape(shape)}, got ${formatShape(t.shape)}.`);
    }
}
export function expectPositiveInt(op, name, value) {
    if (!Number.isInteger(value) || value < 1) {
        throw new ShapeError(`${op}: ${name} must be a positive integer, got ${value}.`);
    }
}
//# sourceMappingURL=validate.js.map