/** The input check every executor runs before a batch: rank, channels and the smallest size. */
import { ShapeError } from '../errors.js';
import type { Plan } from './plan.js';

export function checkPlanInput(plan: Plan, data: Float32Array, shape: readonly number[]): void {
  const [N, C, H, W] = shape;
  if (shape.length !== 4 || C !== plan.inputChannels) {
    throw new ShapeError(
      `ResNet expects input of shape [N, ${plan.inputChannels}, H, W], got [${shape.join(', ')}].`,
    );
  }
  if (H < plan.minInputSize || W < plan.minInputSize) {
    const min = plan.minInputSize;
    throw new ShapeError(`Input ${H}×${W} is smaller than the ${min}×${min} minimum of ResNet.`);
  }
  if (data.length !== N * C * H * W) {
    throw new ShapeError(
      `Input data has ${data.length} values but shape [${shape.join(', ')}] needs ${N * C * H * W}.`,
    );
  }
}
