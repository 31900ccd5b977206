/** Reference gradient of the zero-pad shortcut: the first C channels of dout go back to the strided pixels. */
import { Tensor } from '../../tensor/tensor.js';
export function zeroPadShortcutBackward(dout, inputShape, stride) {
    const [N, C, H, W] = inputShape;
    const [, OC, OH, OW] = dout.shape;
    const dx = new Float32Array(N * C * H * W);
    for (let n = 0; n < N; n++) {
        for (let c = 0; c < C; c++) {
            let src = (n * OC + c) * OH * OW;
            const dst = (n * C + c) * H * W;
            for (let oh = 0; oh < OH; oh++) {
                for (let ow = 0; ow < OW; ow++)
                    dx[dst + oh * stride * W + ow * stride] = dout.data[src++];
            }
        }
    }
    return new Tensor(dx, inputShape);
}
//# sourceMappingURL=zero_pad_shortcut_backward.js.map