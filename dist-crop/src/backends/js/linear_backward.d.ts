/** Reference linear gradients: dx = dout·W (N,IN), dweight = doutᵀ·x (OUT,IN), dbias = Σ_n dout. */
import type { LinearGrads } from '../backend.js';
import { Tensor } from '../../tensor/tensor.js';
export declare function linearBackward(dout: Tensor, x: Tensor, weight: Tensor): LinearGrads;
