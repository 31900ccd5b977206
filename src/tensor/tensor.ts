import { ShapeError } from '../errors.js';

/**
 * Element types a Tensor can carry. Compute is float32 only; `int64` tags small integer counters
 * such as BatchNorm's `num_batches_tracked` (held exactly in the float32 storage up to 2^24) and
 * `int8` the quantized weights of an int8 file (-128 … 127), so that files keep their dtype.
 */
export type DType = 'float32' | 'int64' | 'int8';

/** Dense row-major tensor (NCHW for images) over a Float32Array. */
export class Tensor {
  readonly data: Float32Array;
  readonly shape: readonly number[];
  readonly dtype: DType;

  constructor(data: Float32Array, shape: readonly number[], dtype: DType = 'float32') {
    const size = shapeSize(shape);
    if (data.length !== size) {
      throw new ShapeError(
        `Tensor data has ${data.length} elements but shape [${shape.join(', ')}] needs ${size}.`,
      );
    }
    this.data = data;
    this.shape = Object.freeze([...shape]);
    this.dtype = dtype;
  }

  static zeros(shape: readonly number[]): Tensor {
    return new Tensor(new Float32Array(shapeSize(shape)), shape);
  }

  static from(values: ArrayLike<number>, shape: readonly number[]): Tensor {
    return new Tensor(Float32Array.from(values), shape);
  }

  get size(): number {
    return this.data.length;
  }

  get rank(): number {
    return this.shape.length;
  }

  /** Same storage, new shape (sizes must agree). */
  reshape(shape: readonly number[]): Tensor {
    return new Tensor(this.data, shape, this.dtype);
  }

  clone(): Tensor {
    return new Tensor(this.data.slice(), this.shape, this.dtype);
  }
}

export function shapeSize(shape: readonly number[]): number {
  let size = 1;
  for (const d of shape) {
    if (!Number.isInteger(d) || d < 0)
      throw new ShapeError(`Invalid dimension ${d} in shape [${shape.join(', ')}].`);
    size *= d;
  }
  return size;
}

export function formatShape(shape: readonly number[]): string {
  return `[${shape.join(', ')}]`;
}

export function sameShape(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}
