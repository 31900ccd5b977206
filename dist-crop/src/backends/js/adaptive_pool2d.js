/**
 * Reference adaptive average and max pooling with PyTorch's bin edges
 * (start = floor(i·in/out), end = ceil((i+1)·in/out)). x is (N,C,H,W) → (N,C,outH,outW).
 */
import { Tensor } from '../../tensor/tensor.js';
import { adaptiveBin } from '../../ops/shapes.js';
function adaptivePool2d(x, outH, outW, reduce) {
    const [N, C, H, W] = x.shape;
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
const mean = (data, plane, W, [h0, h1], [w0, w1]) => {
    let sum = 0;
    for (let ih = h0; ih < h1; ih++)
        for (let iw = w0; iw < w1; iw++)
            sum += data[plane + ih * W + iw];
    return sum / ((h1 - h0) * (w1 - w0));
};
const max = (data, plane, W, [h0, h1], [w0, w1]) => {
    let m = -Infinity;
    for (let ih = h0; ih < h1; ih++) {
        for (let iw = w0; iw < w1; iw++) {
            const v = data[plane + ih * W + iw];
            if (v > m || Number.isNaN(v))
                m = v;
        }
    }
    return m;
};
export function adaptiveAvgPool2d(x, outH, outW) {
    return adaptivePool2d(x, outH, outW, mean);
}
export function adaptiveMaxPool2d(x, outH, outW) {
    return adaptivePool2d(x, outH, outW, max);
}
//# sourceMappingURL=adaptive_pool2d.js.map