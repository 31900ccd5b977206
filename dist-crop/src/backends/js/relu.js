/** Reference ReLU: max(x, 0) element-wise, any shape. */
import { Tensor } from '../../tensor/tensor.js';
export function relu(x) {
    const out = new Float32Array(x.size);
    const src = x.data;
    for (let i = 0; i < src.length; i++)
        out[i] = src[i] > 0 ? src[i] : 0;
    return new Tensor(out, x.shape);
}
//# sourceMappingURL=relu.js.map