import { ShapeError } from '../errors.js';
/** Dense row-major tensor (NCHW for images) over a Float32Array. */
export class Tensor {
    data;
    shape;
    dtype;
    constructor(data, shape, dtype = 'float32') {
        const size = shapeSize(shape);
        if (data.length !== size) {
            throw new ShapeError(`Tensor data has ${data.length} elements but shape [${shape.join(', ')}] needs ${size}.`);
        }
        this.data = data;
        this.shape = Object.freeze([...shape]);
        this.dtype = dtype;
    }
    static zeros(shape) {
        return new Tensor(new Float32Array(shapeSize(shape)), shape);
    }
    static from(values, shape) {
        return new Tensor(Float32Array.from(values), shape);
    }
    get size() {
        return this.data.length;
    }
    get rank() {
        return this.shape.length;
    }
    /** Same storage, new shape (sizes must agree). */
    reshape(shape) {
        return new Tensor(this.data, shape, this.dtype);
    }
    clone() {
        return new Tensor(this.data.slice(), this.shape, this.dtype);
    }
}
export function shapeSize(shape) {
    let size = 1;
    for (const d of shape) {
        if (!Number.isInteger(d) || d < 0)
            throw new ShapeError(`Invalid dimension ${d} in shape [${shape.join(', ')}].`);
        size *= d;
    }
    return size;
}
export function formatShape(shape) {
    return `[${shape.join(', ')}]`;
}
export function sameShape(a, b) {
    return a.length === b.length && a.every((d, i) => d === b[i]);
}
//# sourceMappingURL=tensor.js.map