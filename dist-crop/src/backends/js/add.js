/** Reference element-wise addition of two tensors of the same shape (the residual add). */
import { Tensor } from '../../tensor/tensor.js';
export function add(a, b) {
    const out = new Float32Array(a.size);
    for (let i = 0; i < out.length; i++)
        out[i] = a.data[i] + b.data[i];
    return new Tensor(out, a.shape);
}
//# sourceMappingURL=add.js.map