/**
 * Reference convolution gradients. x (N,C,H,W), weight (OC,C/groups,KH,KW), dout (N,OC,OH,OW):
 * dweight[o][k] = Σ_{n,p} dout[n][o][p] · col[k][p], dbias[o] = Σ_{n,p} dout[n][o][p],
 * dx = col2im(weightᵀ · dout) (skipped when the input gradient is not needed, e.g. the stem).
 */
import type { Conv2dParams, Conv2dGrads } from '../backend.js';
import { Tensor } from '../../tensor/tensor.js';
export declare function conv2dBackward(x: Tensor, weight: Tensor, dout: Tensor, params: Conv2dParams, needInputGrad: boolean): Conv2dGrads;
