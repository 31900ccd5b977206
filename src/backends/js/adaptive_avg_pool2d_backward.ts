/** Reference adaptive average-pool gradient: each output's gradient spread evenly over its bin. */
import { Tensor } from '../../tensor/tensor.js';
import { adaptiveBin } from '../../tensor/shapes.js';

export function adaptiveAvgPool2dBackward(dout: Tensor, inputShape: readonly number[]): Tensor {
  const [N, C, H, W] = inputShape;
  const [, , OH, OW] = dout.shape;
  const dx = new Float32Array(N * C * H * W);
  let src = 0;
  for (let nc = 0; nc < N * C; nc++) {
    for (let oh = 0; oh < OH; oh++) {
      const [h0, h1] = adaptiveBin(oh, H, OH);
      for (let ow = 0; ow < OW; ow++, src++) {
        const [w0, w1] = adaptiveBin(ow, W, OW);
        const g = dout.data[src] / ((h1 - h0) * (w1 - w0));
        for (let ih = h0; ih < h1; ih++) for (let iw = w0; iw < w1; iw++) dx[nc * H * W + ih * W + iw] += g;
      }
    }
  }
  return new Tensor(dx, inputShape);
}
