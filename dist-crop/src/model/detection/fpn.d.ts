import { Tensor } from '../../tensor/tensor.js';
import { Sequential } from '../../nn/module.js';
import { Container } from './layers.js';
/**
 * torch.nn.functional.interpolate(x, size=[outH, outW], mode='nearest') for x (N, C, H, W):
 * source index min(floor(dst · in/out), in − 1) with the scale in float32 (exact halving for 2×).
 */
export declare function upsampleNearest(x: Tensor, outH: number, outW: number): Tensor;
export interface FpnOptions {
    /** Channels of C2..C5 (default ResNet-50's 256, 512, 1024, 2048). */
    inChannelsList?: readonly number[];
    outChannels?: number;
    /** BatchNorm after each conv (v2); without it the convs have biases (v1). */
    norm?: boolean;
}
export declare class FeaturePyramidNetwork extends Container {
    readonly inner_blocks: Sequential;
    readonly layer_blocks: Sequential;
    readonly outChannels: number;
    constructor(options?: FpnOptions);
    /** C2..C5 → P2..P6 ('0', '1', '2', '3', 'pool' in torchvision), finest first. */
    run(features: readonly Tensor[]): Tensor[];
}
