/**
 * Reference 2-D convolution (im2col + blocked GEMM) in plain TypeScript.
 * x is (N,C,H,W), weight (OC,C/groups,KH,KW), bias (OC) → out (N,OC,OH,OW).
 * Readable first; fast backends are tested against it.
 */
import type { Conv2dParams } from '../backend.js';
import { Tensor } from '../../tensor/tensor.js';
import { convOutputSize } from '../../tensor/shapes.js';
import { im2col } from './im2col.js';

export function conv2d(x: Tensor, weight: Tensor, bias: Tensor | null, params: Conv2dParams): Tensor {
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const [OC, CG, KH, KW] = weight.shape as [number, number, number, number];
  const { stride, padding, dilation, groups } = params;
  const OH = convOutputSize(H, KH, stride[0], padding[0], dilation[0]);
  const OW = convOutputSize(W, KW, stride[1], padding[1], dilation[1]);
  const P = OH * OW;
  const K = CG * KH * KW;
  const OCG = OC / groups;
  const out = new Float32Array(N * OC * P);
  const direct =
    KH === 1 && KW === 1 && stride[0] === 1 && stride[1] === 1 && padding[0] === 0 && padding[1] === 0;
  const col = direct ? null : new Float32Array(K * P);
  for (let n = 0; n < N; n++) {
    for (let g = 0; g < groups; g++) {
      const inOffset = (n * C + g * CG) * H * W;
      let columns: Float32Array;
      if (col === null) {
        columns = x.data.subarray(inOffset, inOffset + K * P);
      } else {
        im2col(x.data, inOffset, CG, H, W, KH, KW, OH, OW, params, col);
        columns = col;
      }
      const outOffset = (n * OC + g * OCG) * P;
      gemm(weight.data, g * OCG * K, columns, out, outOffset, OCG, K, P);
    }
  }
  if (bias !== null) {
    for (let n = 0; n < N; n++) {
      for (let oc = 0; oc < OC; oc++) {
        const b = bias.data[oc];
        const base = (n * OC + oc) * P;
        for (let p = 0; p < P; p++) out[base + p] += b;
      }
    }
  }
  return new Tensor(out, [N, OC, OH, OW]);
}

/** out[o][p] = sum_k w[o][k] * b[k][p] for M rows of w starting at wOffset; four output rows at a time. */
export function gemm(
  w: Float32Array,
  wOffset: number,
  b: Float32Array,
  out: Float32Array,
  outOffset: number,
  M: number,
  K: number,
  P: number,
): void {
  let o = 0;
  for (; o + 4 <= M; o += 4) {
    const w0 = wOffset + o * K;
    const o0 = outOffset + o * P;
    const o1 = o0 + P;
    const o2 = o1 + P;
    const o3 = o2 + P;
    for (let k = 0; k < K; k++) {
      const a0 = w[w0 + k];
      const a1 = w[w0 + K + k];
      const a2 = w[w0 + 2 * K + k];
      const a3 = w[w0 + 3 * K + k];
      const r = k * P;
      for (let p = 0; p < P; p++) {
        const v = b[r + p];
        out[o0 + p] += a0 * v;
        out[o1 + p] += a1 * v;
        out[o2 + p] += a2 * v;
        out[o3 + p] += a3 * v;
      }
    }
  }
  for (; o < M; o++) {
    const w0 = wOffset + o * K;
    const o0 = outOffset + o * P;
    for (let k = 0; k < K; k++) {
      const a0 = w[w0 + k];
      const r = k * P;
      for (let p = 0; p < P; p++) out[o0 + p] += a0 * b[r + p];
    }
  }
}
