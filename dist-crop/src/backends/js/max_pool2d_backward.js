import { Tensor } from '../../tensor/tensor.js';
export function maxPool2dBackward(dout, x, params) {
    const [N, C, H, W] = x.shape;
    const [, , OH, OW] = dout.shape;
    const [KH, KW] = params.kernelSize;
    const [sh, sw] = params.stride;
    const [ph, pw] = params.padding;
    const dx = new Float32Array(x.size);
    let src = 0;
    for (let nc = 0; nc < N * C; nc++) {
        const plane = nc * H * W;
        for (let oh = 0; oh < OH; oh++) {
            for (let ow = 0; ow < OW; ow++, src++) {
                let best = -1;
                let m = -Infinity;
                for (let ih = Math.max(oh * sh - ph, 0); ih < Math.min(oh * sh - ph + KH, H); ih++) {
                    for (let iw = Math.max(ow * sw - pw, 0); iw < Math.min(ow * sw - pw + KW, W); iw++) {
                        const v = x.data[plane + ih * W + iw];
                        if (v > m || Number.isNaN(v)) {
                            m = v;
                            best = plane + ih * W + iw;
                        }
                    }
                }
                if (best >= 0)
                    dx[best] += dout.data[src];
            }
        }
    }
    return new Tensor(dx, x.shape);
}
//# sourceMappingURL=max_pool2d_backward.js.map