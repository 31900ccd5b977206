/**
 * Reference adaptive average and max pooling with PyTorch's bin edges
 * (start = floor(i·in/out), end = ceil((i+1)·in/out)). x is (N,C,H,W) → (N,C,outH,outW).
 */
import { Tensor } from '../../tensor/tensor.js';
import { adaptiveBin } from '../../tensor/shapes.js';

type Reduce = (
  data: Float32Array,
  plane: number,
  W: number,
  h: [number, number],
  w: [number, number],
) => number;

function adaptivePool2d(x: Tensor, outH: number, outW: number, reduce: Reduce): Tensor {
  const [N, C, H, W] = x.shape as [number, number, number, number];
  const out = new Float32Array(N * C * outH * outW);
  let dst = 0;
  for (let nc = 0; nc < N * C; nc++) {
    for (let oh = 0; oh < outH; oh++) {
      const hBin = adaptiveBin(oh, H, outH);
      for (let ow = 0; ow < outW; ow++) {
        out[dst++] = reduce(x.data, nc * H * W, W, hBin, adaptiveBin(ow, W, outW));
      }
    }
  }
  return new Tensor(out, [N, C, outH, outW]);
}

const mean: Reduce = (data, plane, W, [h0, h1], [w0, w1]) => {
  let sum = 0;
  for (let ih = h0; ih < h1; ih++) for (let iw = w0; iw < w1; iw++) sum += data[plane + ih * W + iw];
  return sum / ((h1 - h0) * (w1 - w0));
};

const max: Reduce = (data, plane, W, [h0, h1], [w0, w1]) => {
  let m = -Infinity;
  for (let ih = h0; ih < h1; ih++) {
    for (let iw = w0; iw < w1; iw++) {
      const v = data[plane + ih * W + iw];
      if (v > m || Number.isNaN(v)) m = v;
    }
  }
  return m;
};

export function adaptiveAvgPool2d(x: Tensor, outH: number, outW: number): Tensor {
  return adaptivePool2d(x, outH, outW, mean);
}

export function adaptiveMaxPool2d(x: Tensor, outH: number, outW: number): Tensor {
  return adaptivePool2d(x, outH, outW, max);
}
