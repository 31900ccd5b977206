/** conv2d: validate NCHW input against the weight and parameters, then dispatch to the backend. */
import type { Conv2dParams } from '../backends/backend.js';
import { getBackend } from '../backends/registry.js';
import { ShapeError } from '../errors.js';
import { formatShape, type Tensor } from '../tensor/tensor.js';
import { convOutputSize } from '../tensor/shapes.js';
import { expectPositiveInt, expectRank, expectShape } from './validate.js';

export function conv2d(x: Tensor, weight: Tensor, bias: Tensor | null, params: Conv2dParams): Tensor {
  expectRank('conv2d', 'input', x, 4);
  expectRank('conv2d', 'weight', weight, 4);
  const { groups, stride, padding, dilation } = params;
  expectPositiveInt('conv2d', 'groups', groups);
  for (const v of [...stride, ...dilation]) expectPositiveInt('conv2d', 'stride/dilation', v);
  const [, C, H, W] = x.shape;
  const [OC, CG, KH, KW] = weight.shape;
  if (CG * groups !== C || OC % groups !== 0) {
    throw new ShapeError(
      `conv2d: input ${formatShape(x.shape)} has ${C} channels but weight ${formatShape(weight.shape)} with groups=${groups} expects ${CG * groups}.`,
    );
  }
  if (bias !== null) expectShape('conv2d', 'bias', bias, [OC]);
  const OH = convOutputSize(H, KH, stride[0], padding[0], dilation[0]);
  const OW = convOutputSize(W, KW, stride[1], padding[1], dilation[1]);
  if (OH < 1 || OW < 1) {
    throw new ShapeError(
      `conv2d: input ${H}×${W} is too small for a ${KH}×${KW} kernel (output ${OH}×${OW}).`,
    );
  }
  return getBackend().conv2d(x, weight, bias, params);
}
