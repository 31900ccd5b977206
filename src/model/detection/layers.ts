/**
 * Small modules the detection models are built from, named like torchvision's (ops/misc.py):
 * FrozenBatchNorm2d, Conv2dNormActivation and Flatten.
 */
import { BatchNorm2d, Conv2d, ReLU } from '../../nn/layers.js';
import { Module, Sequential } from '../../nn/module.js';
import { Tensor } from '../../tensor/tensor.js';

/**
 * BatchNorm2d with fixed statistics and affine parameters (torchvision.ops.FrozenBatchNorm2d): in
 * eval it computes what BatchNorm2d computes, but its state dict has no `num_batches_tracked`.
 */
export class FrozenBatchNorm2d extends BatchNorm2d {
  protected override bufferNames(): readonly string[] {
    return ['running_mean', 'running_var'];
  }
}

/** Replaces every BatchNorm2d below `root` by a FrozenBatchNorm2d with `eps` (torchvision's norm_layer=FrozenBatchNorm2d). */
export function freezeBatchNorm(root: Module, eps: number): void {
  for (const [name, child] of root.children()) {
    if (child instanceof BatchNorm2d) {
      (root as unknown as Record<string, Module>)[name] = new FrozenBatchNorm2d(child.numFeatures, eps);
    } else {
      freezeBatchNorm(child, eps);
    }
  }
}

/** A module with several inputs or outputs, run through its own method rather than `call`. */
export abstract class Container extends Module {
  protected forward(_x: Tensor): Tensor {
    throw new Error(`${this.constructor.name} is run through its own methods, not call()`);
  }
}

/** torchvision.ops.misc.Conv2dNormActivation: Sequential(conv, [BatchNorm2d], [ReLU]); the conv has a bias only without norm. */
export function conv2dNormActivation(
  inChannels: number,
  outChannels: number,
  kernelSize: number,
  options: { norm: boolean; relu: boolean },
): Sequential {
  const layers: Module[] = [
    new Conv2d(inChannels, outChannels, kernelSize, {
      padding: (kernelSize - 1) / 2,
      bias: !options.norm,
    }),
  ];
  if (options.norm) layers.push(new BatchNorm2d(outChannels));
  if (options.relu) layers.push(new ReLU());
  return new Sequential(...layers);
}

/** torch.nn.Flatten: (N, …) → (N, rest). */
export class Flatten extends Module {
  protected forward(x: Tensor): Tensor {
    return x.reshape([x.shape[0], x.size / x.shape[0]]);
  }
}
