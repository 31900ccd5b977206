/**
 * Shape-only backend: every kernel returns a zero tensor of the right output shape without computing.
 * Used by `summary` to walk a model at any input size instantly.
 */
import type { Backend } from './backend.js';
import { Tensor } from '../tensor/tensor.js';
import { convOutputSize } from '../tensor/shapes.js';

const shapesOnly = (): never => {
  throw new Error('the meta backend computes shapes only');
};

export function createMetaBackend(): Backend {
  return {
    conv2dBackward: shapesOnly,
    batchNorm2dTrain: shapesOnly,
    batchNorm2dBackward: shapesOnly,
    reluBackward: shapesOnly,
    maxPool2dBackward: shapesOnly,
    adaptiveAvgPool2dBackward: shapesOnly,
    linearBackward: shapesOnly,
    crossEntropy: shapesOnly,
    zeroPadShortcutBackward: shapesOnly,
    accumulate: shapesOnly,
    sgdStep: shapesOnly,
    name: 'meta',
    conv2d: (x, w, _b, p) =>
      Tensor.zeros([
        x.shape[0],
        w.shape[0],
        convOutputSize(x.shape[2], w.shape[2], p.stride[0], p.padding[0], p.dilation[0]),
        convOutputSize(x.shape[3], w.shape[3], p.stride[1], p.padding[1], p.dilation[1]),
      ]),
    batchNorm2d: (x) => Tensor.zeros(x.shape),
    relu: (x) => Tensor.zeros(x.shape),
    maxPool2d: (x, p) =>
      Tensor.zeros([
        x.shape[0],
        x.shape[1],
        convOutputSize(x.shape[2], p.kernelSize[0], p.stride[0], p.padding[0]),
        convOutputSize(x.shape[3], p.kernelSize[1], p.stride[1], p.padding[1]),
      ]),
    adaptiveAvgPool2d: (x, h, w) => Tensor.zeros([x.shape[0], x.shape[1], h, w]),
    adaptiveMaxPool2d: (x, h, w) => Tensor.zeros([x.shape[0], x.shape[1], h, w]),
    add: (a) => Tensor.zeros(a.shape),
    linear: (x, w) => Tensor.zeros([x.shape[0], w.shape[0]]),
    softmax: (x) => Tensor.zeros(x.shape),
    zeroPadShortcut: (x, c, s) =>
      Tensor.zeros([x.shape[0], c, Math.ceil(x.shape[2] / s), Math.ceil(x.shape[3] / s)]),
    roiAlign: (x, rois, h, w) => Tensor.zeros([rois.length / 5, x.shape[1], h, w]),
  };
}
