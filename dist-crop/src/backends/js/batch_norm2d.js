/**
 * Reference inference batch norm: y = (x - mean) / sqrt(var + eps) * weight + bias per channel.
 * x is (N,C,H,W); mean, variance, weight, bias are (C). Computed per element in float32 like PyTorch's
 * CPU kernel (scale and shift precomputed per channel).
 */
import { Tensor } from '../../tensor/tensor.js';
export function batchNorm2d(x, mean, variance, weight, bias, eps) {
    const [N, C, H, W] = x.shape;
    const plane = H * W;
    const out = new Float32Array(x.size);
    for (let c = 0; c < C; c++) {
        const invStd = 1 / Math.sqrt(variance.data[c] + eps);
        const scale = Math.fround(weight.data[c] * invStd);
        const shift = Math.fround(bias.data[c] - mean.data[c] * scale);
        for (let n = 0; n < N; n++) {
            const base = (n * C + c) * plane;
            for (let i = base; i < base + plane; i++)
                out[i] = x.data[i] * scale + shift;
        }
    }
    return new Tensor(out, x.shape);
}
//# sourceMappingURL=batch_norm2d.js.map