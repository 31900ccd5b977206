/**
 * Reference RoIAlign, torchvision 0.14's CPU kernel (roi_align_kernel.cpp) in float32 step for step.
 * x is (N,C,H,W); rois K rows of (batchIndex, x0, y0, x1, y1); out is (K,C,outH,outW).
 *
 * Per RoI: scale the corners (minus 0.5 when aligned; unaligned RoIs are at least 1×1), split the RoI
 * into outH×outW bins, and put a gridH×gridW lattice of sample points in each bin (samplingRatio, or
 * ceil(bin size) when samplingRatio ≤ 0). A sample more than one pixel outside the map contributes 0;
 * otherwise its coordinates are clamped into the map and it is bilinearly interpolated. Each bin is the
 * sum of its samples divided by their count. The sample positions and weights are shared by all
 * channels, so they are computed once per RoI, as torchvision does.
 */
import { Tensor } from '../../tensor/tensor.js';
const f = Math.fround;
export function roiAlign(x, rois, outH, outW, spatialScale, samplingRatio, aligned) {
    const [, C, H, W] = x.shape;
    const K = rois.length / 5;
    const out = new Float32Array(K * C * outH * outW);
    const scale = f(spatialScale);
    const offset = aligned ? 0.5 : 0;
    for (let k = 0; k < K; k++) {
        const r = rois.subarray(5 * k, 5 * k + 5);
        const n = Math.trunc(r[0]);
        const startW = f(f(r[1] * scale) - offset);
        const startH = f(f(r[2] * scale) - offset);
        let roiW = f(f(f(r[3] * scale) - offset) - startW);
        let roiH = f(f(f(r[4] * scale) - offset) - startH);
        if (!aligned) {
            roiW = Math.max(roiW, 1);
            roiH = Math.max(roiH, 1);
        }
        const binH = f(roiH / outH);
        const binW = f(roiW / outW);
        // an empty (or negative) lattice leaves the bin at 0, as torchvision's loops do
        const gridH = Math.max(samplingRatio > 0 ? samplingRatio : Math.ceil(binH), 0);
        const gridW = Math.max(samplingRatio > 0 ? samplingRatio : Math.ceil(binW), 0);
        const count = Math.max(gridH * gridW, 1);
        const { pos, weight } = sampleWeights(H, W, outH, outW, startH, startW, binH, binW, gridH, gridW);
        for (let c = 0; c < C; c++) {
            const plane = (n * C + c) * H * W;
            const dst = (k * C + c) * outH * outW;
            let s = 0;
            for (let bin = 0; bin < outH * outW; bin++) {
                let sum = 0;
                for (let g = 0; g < gridH * gridW; g++, s += 4) {
                    const v1 = f(weight[s] * x.data[plane + pos[s]]);
                    const v2 = f(weight[s + 1] * x.data[plane + pos[s + 1]]);
                    const v3 = f(weight[s + 2] * x.data[plane + pos[s + 2]]);
                    const v4 = f(weight[s + 3] * x.data[plane + pos[s + 3]]);
                    sum = f(sum + f(f(f(v1 + v2) + v3) + v4));
                }
                out[dst + bin] = sum / count;
            }
        }
    }
    return new Tensor(out, [K, C, outH, outW]);
}
/** Positions and weights of every sample of one RoI, bin-major then row-major within the bin. */
function sampleWeights(H, W, outH, outW, startH, startW, binH, binW, gridH, gridW) {
    const total = outH * outW * gridH * gridW;
    const pos = new Int32Array(4 * total);
    const weight = new Float32Array(4 * total);
    let s = 0;
    for (let ph = 0; ph < outH; ph++) {
        for (let pw = 0; pw < outW; pw++) {
            for (let iy = 0; iy < gridH; iy++) {
                const yy = f(f(startH + f(ph * binH)) + f(f(f(iy + 0.5) * binH) / gridH));
                for (let ix = 0; ix < gridW; ix++, s++) {
                    const xx = f(f(startW + f(pw * binW)) + f(f(f(ix + 0.5) * binW) / gridW));
                    if (yy < -1 || yy > H || xx < -1 || xx > W)
                        continue; // pos and weights stay 0
                    let y = Math.max(yy, 0);
                    let x = Math.max(xx, 0);
                    let yLow = Math.trunc(y);
                    let xLow = Math.trunc(x);
                    let yHigh;
                    let xHigh;
                    if (yLow >= H - 1) {
                        yHigh = yLow = H - 1;
                        y = yLow;
                    }
                    else {
                        yHigh = yLow + 1;
                    }
                    if (xLow >= W - 1) {
                        xHigh = xLow = W - 1;
                        x = xLow;
                    }
                    else {
                        xHigh = xLow + 1;
                    }
                    const ly = f(y - yLow);
                    const lx = f(x - xLow);
                    const hy = f(1 - ly);
                    const hx = f(1 - lx);
                    pos[4 * s] = yLow * W + xLow;
                    pos[4 * s + 1] = yLow * W + xHigh;
                    pos[4 * s + 2] = yHigh * W + xLow;
                    pos[4 * s + 3] = yHigh * W + xHigh;
                    weight[4 * s] = hy * hx;
                    weight[4 * s + 1] = hy * lx;
                    weight[4 * s + 2] = ly * hx;
                    weight[4 * s + 3] = ly * lx;
                }
            }
        }
    }
    return { pos, weight };
}
//# sourceMappingURL=roi_align.js.map