/**
 * Small modules the detection models are built from, named like torchvision's (ops/misc.py):
 * FrozenBatchNorm2d, Conv2dNormActivation and Flatten.
 */
import { BatchNorm2d } from '../../nn/layers.js';
import { Module, Sequential } from '../../nn/module.js';
import { Tensor } from '../../tensor/tensor.js';
/**
 * BatchNorm2d with fixed statistics and affine parameters (torchvision.ops.FrozenBatchNorm2d): in
 * eval it computes what BatchNorm2d computes, but its state dict has no `num_batches_tracked`.
 */
export declare class FrozenBatchNorm2d extends BatchNorm2d {
    protected bufferNames(): readonly string[];
}
/** Replaces every BatchNorm2d below `root` by a FrozenBatchNorm2d with `eps` (torchvision's norm_layer=FrozenBatchNorm2d). */
export declare function freezeBatchNorm(root: Module, eps: number): void;
/** A module with several inputs or outputs, run through its own method rather than `call`. */
export declare abstract class Container extends Module {
    protected forward(_x: Tensor): Tensor;
}
/** torchvision.ops.misc.Conv2dNormActivation: Sequential(conv, [BatchNorm2d], [ReLU]); the conv has a bias only without norm. */
export declare function conv2dNormActivation(inChannels: number, outChannels: number, kernelSize: number, options: {
    norm: boolean;
    relu: boolean;
}): Sequential;
/** torch.nn.Flatten: (N, …) → (N, rest). */
export declare class Flatten extends Module {
    protected forward(x: Tensor): Tensor;
}
