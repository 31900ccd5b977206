import type { MaxPool2dParams } from '../backend.js';
/** Float32 values inside a file (little-endian), which the engine reads itself. */
export interface FileTensor {
    file: string;
    offset: number;
    length: number;
}
export type NativeOp = Record<string, string | number | boolean | Float32Array | FileTensor | null | undefined>;
/** The plan op of a max-pool from its parameters (kernel, stride, padding as [H, W] pairs). */
export declare function maxPoolOp(p: MaxPool2dParams, input: number, output: number): NativeOp;
export interface NativeOutput {
    data: Float32Array;
    shape: number[];
}
export interface NativePlan {
    run(input: Float32Array, n: number, c: number, h: number, w: number): Promise<NativeOutput[]>;
    runSync(input: Float32Array, n: number, c: number, h: number, w: number): NativeOutput[];
    weightBytes(): number;
}
export type Isa = 'avx512' | 'avx2' | 'portable';
export interface NativeAddon {
    Plan: new (ops: NativeOp[], outputs: number[]) => NativePlan;
    /** Convolution (groups 1, dilation 1) on plain NCHW data as a threaded, packed GEMM. */
    convForward(x: Float32Array, xShape: readonly number[], weight: Float32Array, wShape: readonly number[], stride: readonly number[], padding: readonly number[], bias?: Float32Array | null): Float32Array;
    convBackward(x: Float32Array, xShape: readonly number[], weight: Float32Array, wShape: readonly number[], stride: readonly number[], padding: readonly number[], dout: Float32Array, needInputGrad: boolean): {
        dweight: Float32Array;
        dbias: Float32Array;
        dx: Float32Array | null;
    };
    /** RoIAlign as the reference kernel (bit-identical), threaded over RoIs. */
    roiAlign(x: Float32Array, n: number, c: number, h: number, w: number, rois: Float32Array, outH: number, outW: number, spatialScale: number, samplingRatio: number, aligned: boolean): Float32Array;
    /** Max-pool gradient; dims = [planes, h, w, oh, ow, kh, kw, sh, sw, ph, pw]. */
    maxPoolBackward(dout: Float32Array, x: Float32Array, dims: readonly number[]): Float32Array;
    /** target += source, in place. */
    accumulate(target: Float32Array, source: Float32Array): void;
    /** One SGD update in place, bit-identical to the reference kernel. */
    sgdStep(value: Float32Array, grad: Float32Array, buf: Float32Array | null, weightDecay: number, momentum: number, dampening: number, lr: number, nesterov: boolean, firstStep: boolean): void;
    /** (M, N) = op(a) · op(b): a is M×K (K×M when transA), b is K×N (N×K when transB). */
    matmul(a: Float32Array, transA: boolean, b: Float32Array, transB: boolean, m: number, n: number, k: number): Float32Array;
    /** Training batch norm over NCHW planes of `hw` values. */
    bnTrain(x: Float32Array, n: number, c: number, hw: number, weight: Float32Array, bias: Float32Array, eps: number, relu: boolean): {
        out: Float32Array;
        mean: Float32Array;
        variance: Float32Array;
        invstd: Float32Array;
    };
    bnBackward(dout: Float32Array, x: Float32Array, n: number, c: number, hw: number, mean: Float32Array, invstd: Float32Array, weight: Float32Array, reluOut: Float32Array | null): {
        dx: Float32Array;
        dweight: Float32Array;
        dbias: Float32Array;
    };
    /** out = x · scale[c] + shift[c] on NCHW planes. */
    bnAffine(x: Float32Array, n: number, c: number, hw: number, scale: Float32Array, shift: Float32Array): Float32Array;
    elementwise(kind: 'relu', a: Float32Array): Float32Array;
    elementwise(kind: 'add' | 'reluBackward', a: Float32Array, b: Float32Array): Float32Array;
    configure(options?: {
        isa?: Isa | 'auto';
        threads?: number;
    }): {
        isa: Isa;
        threads: number;
    };
}
/** The addon, or null when it is not built or cannot load on this machine. */
export declare function nativeAddon(): NativeAddon | null;
export declare function nativeStatus(): {
    available: boolean;
    isa?: Isa;
    threads?: number;
    reason?: string;
};
