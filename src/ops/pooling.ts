/** Pooling ops: max-pool, adaptive average/max pool, and the zero-padded strided shortcut. */
import type { MaxPool2dParams } from '../backends/backend.js';
import { getBackend } from '../backends/registry.js';
import { ShapeError } from '../errors.js';
import type { Tensor } from '../tensor/tensor.js';
import { convOutputSize } from '../tensor/shapes.js';
import { expectPositiveInt, expectRank } from './validate.js';

export function maxPool2d(x: Tensor, params: MaxPool2dParams): Tensor {
  expectRank('maxPool2d', 'input', x, 4);
  const [KH, KW] = params.kernelSize;
  if (params.padding[0] * 2 > KH || params.padding[1] * 2 > KW) {
    throw new ShapeError(`maxPool2d: padding must be at most half the kernel size.`);
  }
  const OH = convOutputSize(x.shape[2], KH, params.stride[0], params.padding[0]);
  const OW = convOutputSize(x.shape[3], KW, params.stride[1], params.padding[1]);
  if (OH < 1 || OW < 1) throw new ShapeError(`maxPool2d: input ${x.shape[2]}×${x.shape[3]} is too small.`);
  return getBackend().maxPool2d(x, params);
}

export function adaptiveAvgPool2d(x: Tensor, outH: number, outW: number): Tensor {
  expectRank('adaptiveAvgPool2d', 'input', x, 4);
  expectPositiveInt('adaptiveAvgPool2d', 'output size', outH);
  expectPositiveInt('adaptiveAvgPool2d', 'output size', outW);
  return getBackend().adaptiveAvgPool2d(x, outH, outW);
}

export function adaptiveMaxPool2d(x: Tensor, outH: number, outW: number): Tensor {
  expectRank('adaptiveMaxPool2d', 'input', x, 4);
  expectPositiveInt('adaptiveMaxPool2d', 'output size', outH);
  expectPositiveInt('adaptiveMaxPool2d', 'output size', outW);
  return getBackend().adaptiveMaxPool2d(x, outH, outW);
}

export function zeroPadShortcut(x: Tensor, outChannels: number, stride: number): Tensor {
  expectRank('zeroPadShortcut', 'input', x, 4);
  expectPositiveInt('zeroPadShortcut', 'stride', stride);
  if (outChannels < x.shape[1]) {
    throw new ShapeError(`zeroPadShortcut: cannot pad ${x.shape[1]} channels down to ${outChannels}.`);
  }
  return getBackend().zeroPadShortcut(x, outChannels, stride);
}
