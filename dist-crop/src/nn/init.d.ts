/** Weight initialization with PyTorch's formulas, driven by a seeded Rng. */
import type { Rng } from '../tensor/random.js';
import type { Tensor } from '../tensor/tensor.js';
/** fan_in and fan_out of a conv (OC,C,KH,KW) or linear (OUT,IN) weight, as torch.nn.init computes them. */
export declare function fans(weight: Tensor): {
    fanIn: number;
    fanOut: number;
};
/** kaiming_normal_(mode='fan_out', nonlinearity='relu'): N(0, 2 / fan_out). */
export declare function kaimingNormalFanOut(weight: Tensor, rng: Rng): void;
/** U(-bound, bound). */
export declare function uniform(t: Tensor, bound: number, rng: Rng): void;
export declare function fill(t: Tensor, value: number): void;
