/**
 * Patch unfolding for convolutions on the reference backend: im2col (forward, weight gradient) and
 * its adjoint col2im (input gradient). Rows are (c, kh, kw), columns output pixels (oh, ow).
 */
import type { Conv2dParams } from '../backend.js';
/** Unfold input patches: col[(c*KH + kh)*KW + kw][oh*OW + ow] = x[c][oh*s - p + kh*d][ow*s - p + kw*d]. */
export declare function im2col(x: Float32Array, offset: number, C: number, H: number, W: number, KH: number, KW: number, OH: number, OW: number, params: Conv2dParams, col: Float32Array): void;
/** Adjoint of im2col: x[c][ih][iw] += col[(c*KH + kh)*KW + kw][oh*OW + ow] for every tap inside the image. */
export declare function col2im(col: Float32Array, C: number, H: number, W: number, KH: number, KW: number, OH: number, OW: number, params: Conv2dParams, x: Float32Array, offset: number): void;
