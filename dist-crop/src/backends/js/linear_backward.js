import { Tensor } from '../../tensor/tensor.js';
export function linearBackward(dout, x, weight) {
    const [N, IN] = x.shape;
    const OUT = weight.shape[0];
    const dx = new Float32Array(N * IN);
    const dweight = new Float32Array(OUT * IN);
    const dbias = new Float32Array(OUT);
    for (let n = 0; n < N; n++) {
        for (let o = 0; o < OUT; o++) {
            const g = dout.data[n * OUT + o];
            dbias[o] += g;
            if (g === 0)
                continue;
            for (let i = 0; i < IN; i++) {
                dx[n * IN + i] += g * weight.data[o * IN + i];
                dweight[o * IN + i] += g * x.data[n * IN + i];
            }
        }
    }
    return {
        dx: new Tensor(dx, x.shape),
        dweight: new Tensor(dweight, weight.shape),
        dbias: new Tensor(dbias, [OUT]),
    };
}
//# sourceMappingURL=linear_backward.js.map