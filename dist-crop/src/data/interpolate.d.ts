import { Tensor } from '../tensor/tensor.js';
/** torch.nn.functional.interpolate(x[None], size=[outH, outW], mode='bilinear', align_corners=False)[0] for x (C, H, W). */
export declare function resizeBilinear(x: Tensor, outH: number, outW: number): Tensor;
