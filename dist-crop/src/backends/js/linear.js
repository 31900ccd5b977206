/** Reference fully connected layer: x (N,IN), weight (OUT,IN), bias (OUT) → (N,OUT) = x·Wᵀ + b. */
import { Tensor } from '../../tensor/tensor.js';
export function linear(x, weight, bias) {
    const [N, IN] = x.shape;
    const OUT = weight.shape[0];
    const out = new Float32Array(N * OUT);
    for (let n = 0; n < N; n++) {
        for (let o = 0; o < OUT; o++) {
            let sum = 0;
            const w = o * IN;
            const xi = n * IN;
            for (let i = 0; i < IN; i++)
                sum += x.data[xi + i] * weight.data[w + i];
            out[n * OUT + o] = bias === null ? sum : sum + bias.data[o];
        }
    }
    return new Tensor(out, [N, OUT]);
}
//# sourceMappingURL=linear.js.map