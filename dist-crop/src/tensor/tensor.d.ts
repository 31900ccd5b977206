/**
 * Element types a Tensor can carry. Compute is float32 only; `int64` tags small integer counters
 * such as BatchNorm's `num_batches_tracked` (held exactly in the float32 storage up to 2^24) so that
 * files we write keep torch's dtype.
 */
export type DType = 'float32' | 'int64';
/** Dense row-major tensor (NCHW for images) over a Float32Array. */
export declare class Tensor {
    readonly data: Float32Array;
    readonly shape: readonly number[];
    readonly dtype: DType;
    constructor(data: Float32Array, shape: readonly number[], dtype?: DType);
    static zeros(shape: readonly number[]): Tensor;
    static from(values: ArrayLike<number>, shape: readonly number[]): Tensor;
    get size(): number;
    get rank(): number;
    /** Same storage, new shape (sizes must agree). */
    reshape(shape: readonly number[]): Tensor;
    clone(): Tensor;
}
export declare function shapeSize(shape: readonly number[]): number;
export declare function formatShape(shape: readonly number[]): string;
export declare function sameShape(a: readonly number[], b: readonly number[]): boolean;
