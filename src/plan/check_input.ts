/** The input check every executor runs before a batch: rank, channels and the smallest size. */
import { ShapeError } from '../errors.js';
import type { Plan } from './plan.js';

/** Checks a batch's shape [N, C, H, W]: rank, channels and the smallest size. */
function checkPlanShape(plan: Plan, shape: readonly number[]): void {
  const [, C, H, W] = shape;
  if (shape.length !== 4 || C !== plan.inputChannels) {
    throw new ShapeError(
      `ResNet expects input of shape [N, ${plan.inputChannels}, H, W], got [${shape.join(', ')}].`,
    );
  }
  if (H < plan.minInputSize || W < plan.minInputSize) {
    const min = plan.minInputSize;
    throw new ShapeError(`Input ${H}×${W} is smaller than the ${min}×${min} minimum of ResNet.`);
  }
}

export function checkPlanInput(plan: Plan, data: Float32Array, shape: readonly number[]): void {
  checkPlanShape(plan, shape);
  const [N, C, H, W] = shape;
  if (data.length !== N * C * H * W) {
    throw new ShapeError(
      `Input data has ${data.length} values but shape [${shape.join(', ')}] needs ${N * C * H * W}.`,
    );
  }
}

/** The same check for a batch given image by image (CompiledPlan.runImages): each image C·H·W values. */
export function checkPlanImages(
  plan: Plan,
  images: readonly Float32Array[],
  [C, H, W]: readonly [number, number, number],
): void {
  if (images.length === 0) throw new ShapeError('Cannot run an empty list of images.');
  checkPlanShape(plan, [images.length, C, H, W]);
  const wrong = images.findIndex((image) => image.length !== C * H * W);
  if (wrong >= 0) {
    throw new ShapeError(
      `Input image ${wrong} has ${images[wrong].length} values but shape [${C}, ${H}, ${W}] needs ${C * H * W}.`,
    );
  }
}
