/** Reference ReLU gradient: dout where the forward output was positive, else 0. */
import { Tensor } from '../../tensor/tensor.js';
export function reluBackward(dout, out) {
    const dx = new Float32Array(dout.size);
    for (let i = 0; i < dx.length; i++)
        dx[i] = out.data[i] > 0 ? dout.data[i] : 0;
    return new Tensor(dx, dout.shape);
}
//# sourceMappingURL=relu_backward.js.map