import { Tensor } from '../../tensor/tensor.js';
export function batchNorm2dTrain(x, weight, bias, eps, relu = false) {
    const [N, C, H, W] = x.shape;
    const plane = H * W;
    const M = N * plane;
    const out = new Float32Array(x.size);
    const mean = new Float32Array(C);
    const variance = new Float32Array(C);
    const invstd = new Float32Array(C);
    for (let c = 0; c < C; c++) {
        let sum = 0;
        for (let n = 0; n < N; n++) {
            const base = (n * C + c) * plane;
            for (let i = base; i < base + plane; i++)
                sum += x.data[i];
        }
        const m = sum / M;
        let sq = 0;
        for (let n = 0; n < N; n++) {
            const base = (n * C + c) * plane;
            for (let i = base; i < base + plane; i++)
                sq += (x.data[i] - m) * (x.data[i] - m);
        }
        const v = sq / M;
        const is = 1 / Math.sqrt(v + eps);
        mean[c] = m;
        variance[c] = v;
        invstd[c] = is;
        const scale = weight.data[c] * is;
        const shift = bias.data[c] - m * scale;
        for (let n = 0; n < N; n++) {
            const base = (n * C + c) * plane;
            for (let i = base; i < base + plane; i++) {
                const y = x.data[i] * scale + shift;
                out[i] = relu && !(y > 0) ? 0 : y; // as ops.relu: 0 unless y > 0
            }
        }
    }
    return {
        out: new Tensor(out, x.shape),
        mean: new Tensor(mean, [C]),
        variance: new Tensor(variance, [C]),
        invstd: new Tensor(invstd, [C]),
    };
}
/**
 * dx = weight·invstd/M · (M·dout − Σdout − x̂·Σ(dout·x̂)), dweight = Σ dout·x̂, dbias = Σ dout; with
 * `reluOut`, dout is first zeroed where reluOut ≤ 0 (the ReLU's gradient).
 */
export function batchNorm2dBackward(dout, x, mean, invstd, weight, reluOut = null) {
    const [N, C, H, W] = x.shape;
    const g = reluOut === null ? dout.data : dout.data.map((d, i) => (reluOut.data[i] > 0 ? d : 0));
    const plane = H * W;
    const M = N * plane;
    const dx = new Float32Array(x.size);
    const dweight = new Float32Array(C);
    const dbias = new Float32Array(C);
    for (let c = 0; c < C; c++) {
        const m = mean.data[c];
        const is = invstd.data[c];
        let sumD = 0;
        let sumDX = 0;
        for (let n = 0; n < N; n++) {
            const base = (n * C + c) * plane;
            for (let i = base; i < base + plane; i++) {
                sumD += g[i];
                sumDX += g[i] * (x.data[i] - m) * is;
            }
        }
        dbias[c] = sumD;
        dweight[c] = sumDX;
        const k = (weight.data[c] * is) / M;
        for (let n = 0; n < N; n++) {
            const base = (n * C + c) * plane;
            for (let i = base; i < base + plane; i++) {
                const xhat = (x.data[i] - m) * is;
                dx[i] = k * (M * g[i] - sumD - xhat * sumDX);
            }
        }
    }
    return { dx: new Tensor(dx, x.shape), dweight: new Tensor(dweight, [C]), dbias: new Tensor(dbias, [C]) };
}
//# sourceMappingURL=batch_norm2d_train.js.map