/**
 * Small modules the detection models are built from, named like torchvision's (ops/misc.py):
 * FrozenBatchNorm2d, Conv2dNormActivation and Flatten.
 */
import { BatchNorm2d, Conv2d, ReLU } from '../../nn/layers.js';
import { Module, Sequential } from '../../nn/module.js';
/**
 * BatchNorm2d with fixed statistics and affine parameters (torchvision.ops.FrozenBatchNorm2d): in
 * eval it computes what BatchNorm2d computes, but its state dict has no `num_batches_tracked`.
 */
export class FrozenBatchNorm2d extends BatchNorm2d {
    bufferNames() {
        return ['running_mean', 'running_var'];
    }
}
/** Replaces every BatchNorm2d below `root` by a FrozenBatchNorm2d with `eps` (torchvision's norm_layer=FrozenBatchNorm2d). */
export function freezeBatchNorm(root, eps) {
    for (const [name, child] of root.children()) {
        if (child instanceof BatchNorm2d) {
            root[name] = new FrozenBatchNorm2d(child.numFeatures, eps);
        }
        else {
            freezeBatchNorm(child, eps);
        }
    }
}
/** A module with several inputs or outputs, run through its own method rather than `call`. */
export class Container extends Module {
    forward(_x) {
        throw new Error(`${this.constructor.name} is run through its own methods, not call()`);
    }
}
/** torchvision.ops.misc.Conv2dNormActivation: Sequential(conv, [BatchNorm2d], [ReLU]); the conv has a bias only without norm. */
export function conv2dNormActivation(inChannels, outChannels, kernelSize, options) {
    const layers = [
        new Conv2d(inChannels, outChannels, kernelSize, {
            padding: (kernelSize - 1) / 2,
            bias: !options.norm,
        }),
    ];
    if (options.norm)
        layers.push(new BatchNorm2d(outChannels));
    if (options.relu)
        layers.push(new ReLU());
    return new Sequential(...layers);
}
/** torch.nn.Flatten: (N, …) → (N, rest). */
export class Flatten extends Module {
    forward(x) {
        return x.reshape([x.shape[0], x.size / x.shape[0]]);
    }
}
//# sourceMappingURL=layers.js.map