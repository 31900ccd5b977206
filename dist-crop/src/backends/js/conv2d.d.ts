/**
 * Reference 2-D convolution (im2col + blocked GEMM) in plain TypeScript.
 * x is (N,C,H,W), weight (OC,C/groups,KH,KW), bias (OC) → out (N,OC,OH,OW).
 * Readable first; fast backends are tested against it.
 */
import type { Conv2dParams } from '../backend.js';
import { Tensor } from '../../tensor/tensor.js';
export declare function conv2d(x: Tensor, weight: Tensor, bias: Tensor | null, params: Conv2dParams): Tensor;
/** out[o][p] = sum_k w[o][k] * b[k][p] for M rows of w starting at wOffset; four output rows at a time. */
export declare function gemm(w: Float32Array, wOffset: number, b: Float32Array, out: Float32Array, outOffset: number, M: number, K: number, P: number): void;
