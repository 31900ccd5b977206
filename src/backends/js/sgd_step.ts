/**
 * Reference SGD update (torch.optim.SGD, torch 1.13 CPU), bit for bit: every float32 step is computed
 * in double and rounded once, which is how torch's fused `a + alpha·b` kernels round.
 */
import type { SgdStepParams } from '../backend.js';
import type { Tensor } from '../../tensor/tensor.js';

const f32 = Math.fround;

export function sgdStep(param: Tensor, grad: Tensor, momentumBuffer: Tensor | null, p: SgdStepParams): void {
  const value = param.data;
  const g = grad.data;
  const buf = momentumBuffer?.data;
  const wd = f32(p.weightDecay);
  const momentum = f32(p.momentum);
  const oneMinusDampening = f32(1 - p.dampening);
  const negLr = f32(-p.lr);
  for (let i = 0; i < value.length; i++) {
    let d = g[i];
    if (wd !== 0) d = f32(d + wd * value[i]);
    if (buf !== undefined) {
      buf[i] = p.firstStep ? d : f32(f32(buf[i] * momentum) + oneMinusDampening * d);
      d = p.nesterov ? f32(d + momentum * buf[i]) : buf[i];
    }
    value[i] = f32(value[i] + negLr * d);
  }
}
