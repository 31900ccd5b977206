/** linear: x (N,IN) · weight (OUT,IN)ᵀ + bias (OUT). */
import { getBackend } from '../backends/registry.js';
import { ShapeError } from '../errors.js';
import { formatShape } from '../tensor/tensor.js';
import { expectRank, expectShape } from './validate.js';
export function linear(x, weight, bias) {
    expectRank('linear', 'input', x, 2);
    expectRank('linear', 'weight', weight, 2);
    if (x.shape[1] !== weight.shape[1]) {
        throw new ShapeError(`linear: input ${formatShape(x.shape)} has ${x.shape[1]} features but weight ${formatShape(weight.shape)} expects ${weight.shape[1]}.`);
    }
    if (bias !== null)
        expectShape('linear', 'bias', bias, [weight.shape[0]]);
    return getBackend().linear(x, weight, bias);
}
//# sourceMappingURL=linear.js.map