/**
 * torch.nn.functional.interpolate(mode='bilinear', align_corners=False) with output sizes given, in
 * float32 step for step as torch 1.13's CPU kernel: the detection transform resizes images with it
 * and CAM upsamples heatmaps with it.
 */
import { ShapeError } from '../errors.js';
import { formatShape, Tensor } from '../tensor/tensor.js';
const f32 = Math.fround;
/**
 * Source indices and weights of one axis for torch's bilinear upsampling (align_corners=False,
 * sizes given): ratio = in/out in float32, src = ratio·(dst + ½) − ½ in double, clamped at 0, and
 * the weights rounded to float32 (measured against torch 1.13's CPU kernel).
 */
function linearTaps(inSize, outSize) {
    const i0 = new Int32Array(outSize);
    const i1 = new Int32Array(outSize);
    const w0 = new Float32Array(outSize);
    const w1 = new Float32Array(outSize);
    const ratio = f32(inSize / outSize);
    for (let d = 0; d < outSize; d++) {
        if (inSize === outSize) {
            i0[d] = i1[d] = d;
            w0[d] = 1;
            continue;
        }
        const src = Math.max(ratio * (d + 0.5) - 0.5, 0);
        const lo = Math.floor(src);
        i0[d] = lo;
        i1[d] = lo + (lo < inSize - 1 ? 1 : 0);
        w1[d] = Math.min(Math.max(src - lo, 0), 1);
        w0[d] = 1 - w1[d];
    }
    return { i0, i1, w0, w1 };
}
/** torch.nn.functional.interpolate(x[None], size=[outH, outW], mode='bilinear', align_corners=False)[0] for x (C, H, W). */
export function resizeBilinear(x, outH, outW) {
    if (x.rank !== 3)
        throw new ShapeError(`resizeBilinear expects (C, H, W), got ${formatShape(x.shape)}.`);
    const [C, H, W] = x.shape;
    const ys = linearTaps(H, outH);
    const xs = linearTaps(W, outW);
    const out = new Float32Array(C * outH * outW);
    for (let c = 0; c < C; c++) {
        const plane = x.data.subarray(c * H * W, (c + 1) * H * W);
        for (let oy = 0; oy < outH; oy++) {
            const r0 = ys.i0[oy] * W;
            const r1 = ys.i1[oy] * W;
            const h0 = ys.w0[oy];
            const h1 = ys.w1[oy];
            const o = (c * outH + oy) * outW;
            for (let ox = 0; ox < outW; ox++) {
                const a = xs.i0[ox];
                const b = xs.i1[ox];
                const top = f32(f32(xs.w0[ox] * plane[r0 + a]) + f32(xs.w1[ox] * plane[r0 + b]));
                const bottom = f32(f32(xs.w0[ox] * plane[r1 + a]) + f32(xs.w1[ox] * plane[r1 + b]));
                out[o + ox] = f32(f32(h0 * top) + f32(h1 * bottom));
            }
        }
    }
    return new Tensor(out, [C, outH, outW]);
}
//# sourceMappingURL=interpolate.js.map