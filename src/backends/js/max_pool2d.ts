/**
 * Reference 2-D max pooling, floor mode, padding treated as -Infinity (PyTorch semantics).
 * x is (N,C,H,W) → (N,C,OH,OW).
 */
import type { MaxPool2dParams } from '../backend.js';
import { Tensor } from '../../tensor/tensor.js';
import { convOutputSize } from '../../tensor/shapes.js';

export function maxPool2d(x: Tensor, params: MaxPool2dParams): Tensor {
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const [KH, KW] = params.kernelSize;
  const [sh, sw] = params.stride;
  const [ph, pw] = params.padding;
  const OH = convOutputSize(H, KH, sh, ph);
  const OW = convOutputSize(W, KW, sw, pw);
  const out = new Float32Array(N * C * OH * OW);
  let dst = 0;
  for (let nc = 0; nc < N * C; nc++) {
    const plane = nc * H * W;
    for (let oh = 0; oh < OH; oh++) {
      const h0 = Math.max(oh * sh - ph, 0);
      const h1 = Math.min(oh * sh - ph + KH, H);
      for (let ow = 0; ow < OW; ow++) {
        const w0 = Math.max(ow * sw - pw, 0);
        const w1 = Math.min(ow * sw - pw + KW, W);
        let m = -Infinity;
        for (let ih = h0; ih < h1; ih++) {
          for (let iw = w0; iw < w1; iw++) {
            const v = x.data[plane + ih * W + iw];
            if (v > m || Number.isNaN(v)) m = v;
          }
        }
        out[dst++] = m;
      }
    }
  }
  return new Tensor(out, [N, C, OH, OW]);
}
