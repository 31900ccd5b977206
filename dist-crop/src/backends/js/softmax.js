/** Reference softmax over the last axis, max-subtracted for stability. */
import { Tensor } from '../../tensor/tensor.js';
export function softmax(x) {
    const D = x.shape[x.rank - 1];
    const out = new Float32Array(x.size);
    for (let row = 0; row < x.size; row += D) {
        let m = -Infinity;
        for (let i = row; i < row + D; i++)
            m = Math.max(m, x.data[i]);
        let sum = 0;
        for (let i = row; i < row + D; i++)
            sum += Math.exp(x.data[i] - m);
        for (let i = row; i < row + D; i++)
            out[i] = Math.exp(x.data[i] - m) / sum;
    }
    return new Tensor(out, x.shape);
}
//# sourceMappingURL=softmax.js.map