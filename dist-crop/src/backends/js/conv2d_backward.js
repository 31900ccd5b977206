import { Tensor } from '../../tensor/tensor.js';
import { col2im, im2col } from './im2col.js';
export function conv2dBackward(x, weight, dout, params, needInputGrad) {
    const [N, C, H, W] = x.shape;
    const [OC, CG, KH, KW] = weight.shape;
    const [, , OH, OW] = dout.shape;
    const { groups } = params;
    const P = OH * OW;
    const K = CG * KH * KW;
    const OCG = OC / groups;
    const dweight = new Float32Array(weight.size);
    const dbias = new Float32Array(OC);
    const dx = needInputGrad ? new Float32Array(x.size) : null;
    const col = new Float32Array(K * P);
    const dcol = new Float32Array(K * P);
    for (let n = 0; n < N; n++) {
        for (let g = 0; g < groups; g++) {
            const inOffset = (n * C + g * CG) * H * W;
            im2col(x.data, inOffset, CG, H, W, KH, KW, OH, OW, params, col);
            for (let o = 0; o < OCG; o++) {
                const oc = g * OCG + o;
                const d = dout.data.subarray((n * OC + oc) * P, (n * OC + oc + 1) * P);
                let sum = 0;
                for (let p = 0; p < P; p++)
                    sum += d[p];
                dbias[oc] += sum;
                const wRow = oc * K;
                for (let k = 0; k < K; k++) {
                    const c = col.subarray(k * P, (k + 1) * P);
                    let acc = 0;
                    for (let p = 0; p < P; p++)
                        acc += d[p] * c[p];
                    dweight[wRow + k] += acc;
                }
            }
            if (dx !== null) {
                dcol.fill(0);
                for (let o = 0; o < OCG; o++) {
                    const oc = g * OCG + o;
                    const d = dout.data.subarray((n * OC + oc) * P, (n * OC + oc + 1) * P);
                    for (let k = 0; k < K; k++) {
                        const w = weight.data[oc * K + k];
                        if (w === 0)
                            continue;
                        const row = k * P;
                        for (let p = 0; p < P; p++)
                            dcol[row + p] += w * d[p];
                    }
                }
                col2im(dcol, CG, H, W, KH, KW, OH, OW, params, dx, inOffset);
            }
        }
    }
    return {
        dx: dx === null ? null : new Tensor(dx, x.shape),
        dweight: new Tensor(dweight, weight.shape),
        dbias: new Tensor(dbias, [OC]),
    };
}
//# sourceMappingURL=conv2d_backward.js.map