/** batchNorm2d (inference, running statistics): validate per-channel tensors, dispatch. */
import { getBackend } from '../backends/registry.js';
import { expectRank, expectShape } from './validate.js';
export function batchNorm2d(x, mean, variance, weight, bias, eps) {
    expectRank('batchNorm2d', 'input', x, 4);
    const C = x.shape[1];
    expectShape('batchNorm2d', 'running_mean', mean, [C]);
    expectShape('batchNorm2d', 'running_var', variance, [C]);
    expectShape('batchNorm2d', 'weight', weight, [C]);
    expectShape('batchNorm2d', 'bias', bias, [C]);
    return getBackend().batchNorm2d(x, mean, variance, weight, bias, eps);
}
//# sourceMappingURL=batch_norm.js.map