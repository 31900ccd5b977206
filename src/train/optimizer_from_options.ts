/**
 * The optimizer and the per-step learning-rate schedule that a run's options describe (the
 * optimizers themselves are in optim.ts, the schedules in schedules.ts).
 */
import type { ParamRef } from '../nn/module.js';
import type { ResolvedTrainOptions } from './options.js';
import { AdamW, paramGroupsExcludingNoDecay, SGD, type Optimizer } from './optim.js';
import {
  cosineAnnealingLR,
  multiStepLR,
  oneCycleLR,
  stepLR,
  withWarmup,
  type LrSchedule,
} from './schedules.js';

/** SGD or AdamW over `params`; biases and BN parameters get no weight decay. */
export function buildOptimizer(o: ResolvedTrainOptions, params: ParamRef[]): Optimizer {
  const groups = paramGroupsExcludingNoDecay(params, o.weightDecay);
  if (o.optimizer === 'adamw')
    return new AdamW(groups, { lr: o.lr, weightDecay: o.weightDecay, betas: [o.momentum, 0.999] });
  return new SGD(groups, { lr: o.lr, momentum: o.momentum, weightDecay: o.weightDecay });
}

/** The per-step schedule over `epochs × stepsPerEpoch` steps, with the warm-up first. */
export function buildSchedule(o: ResolvedTrainOptions, stepsPerEpoch: number): LrSchedule {
  const total = o.epochs * stepsPerEpoch;
  const warmup = o.warmupEpochs * stepsPerEpoch;
  const main = Math.max(1, total - warmup);
  let schedule: LrSchedule;
  if (o.schedule === 'step') schedule = stepLR(Math.max(1, Math.ceil(main / 3)), 0.1);
  else if (o.schedule === 'multistep')
    schedule = multiStepLR([Math.max(1, Math.round(main / 2)), Math.max(1, Math.round((main * 3) / 4))]);
  else if (o.schedule === 'cosine') schedule = cosineAnnealingLR(main);
  else if (o.schedule === 'onecycle') schedule = oneCycleLR({ totalSteps: main });
  else schedule = (_step, baseLr) => baseLr;
  return warmup > 0 ? withWarmup(schedule, warmup, 0.01) : schedule;
}
