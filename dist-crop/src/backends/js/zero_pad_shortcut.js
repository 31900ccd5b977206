/**
 * Reference parameter-free shortcut (the seed's option A): take every stride-th pixel of x and pad the
 * channels with zeros. x is (N,C,H,W) → (N,outChannels,ceil(H/stride),ceil(W/stride)).
 */
import { Tensor } from '../../tensor/tensor.js';
export function zeroPadShortcut(x, outChannels, stride) {
    const [N, C, H, W] = x.shape;
    const OH = Math.ceil(H / stride);
    const OW = Math.ceil(W / stride);
    const out = new Float32Array(N * outChannels * OH * OW);
    for (let n = 0; n < N; n++) {
        for (let c = 0; c < C; c++) {
            const src = (n * C + c) * H * W;
            let dst = (n * outChannels + c) * OH * OW;
            for (let oh = 0; oh < OH; oh++) {
                for (let ow = 0; ow < OW; ow++)
                    out[dst++] = x.data[src + oh * stride * W + ow * stride];
            }
        }
    }
    return new Tensor(out, [N, outChannels, OH, OW]);
}
//# sourceMappingURL=zero_pad_shortcut.js.map