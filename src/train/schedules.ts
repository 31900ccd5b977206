/**
 * Learning-rate schedules with torch 1.13's formulas (torch.optim.lr_scheduler), written as pure
 * functions of the step: `schedule(step, baseLr)` is the lr after `step` calls of
 * `scheduler.step()`, for a group whose initial lr is `baseLr`. `LrScheduler` applies one to an
 * optimizer's groups.
 *
 * torch computes StepLR, CosineAnnealingLR and LinearLR recursively from the previous lr; these are
 * their closed forms (torch's `_get_closed_form_lr`), equal up to float64 rounding (≈1e-16 relative).
 */
import { UserError } from '../errors.js';
import type { Optimizer } from './optim.js';

/** lr as a function of the step and the group's initial lr; may also drive the momentum. */
export interface LrSchedule {
  (step: number, baseLr: number): number;
  /** Momentum at `step` (OneCycle's momentum cycling: SGD's momentum, AdamW's beta1). */
  momentum?: (step: number) => number;
}

function checkPositiveInteger(what: string, value: number): void {
  if (!Number.isInteger(value) || value <= 0) {
    throw new UserError(`Invalid ${what}: ${value} (expected a positive integer).`);
  }
}

/** torch StepLR: baseLr · gamma^⌊step / stepSize⌋. */
export function stepLR(stepSize: number, gamma = 0.1): LrSchedule {
  checkPositiveInteger('step size', stepSize);
  return (step, baseLr) => baseLr * gamma ** Math.floor(step / stepSize);
}

/** torch MultiStepLR: baseLr · gamma^(number of milestones ≤ step). */
export function multiStepLR(milestones: readonly number[], gamma = 0.1): LrSchedule {
  for (const m of milestones) checkPositiveInteger('milestone', m);
  return (step, baseLr) => baseLr * gamma ** milestones.filter((m) => m <= step).length;
}

/** torch CosineAnnealingLR: etaMin + (baseLr − etaMin)·(1 + cos(π·step / tMax)) / 2. */
export function cosineAnnealingLR(tMax: number, etaMin = 0): LrSchedule {
  checkPositiveInteger('T_max', tMax);
  return (step, baseLr) => etaMin + ((baseLr - etaMin) * (1 + Math.cos((Math.PI * step) / tMax))) / 2;
}

/** torch LinearLR: the factor goes linearly from startFactor to endFactor over totalIters steps. */
export function linearLR(startFactor = 1 / 3, endFactor = 1, totalIters = 5): LrSchedule {
  if (!(startFactor > 0 && startFactor <= 1) || !(endFactor >= 0 && endFactor <= 1)) {
    throw new UserError(`Invalid LinearLR factors ${startFactor} → ${endFactor} (expected in (0, 1]).`);
  }
  checkPositiveInteger('total iterations', totalIters);
  return (step, baseLr) =>
    baseLr * (startFactor + ((endFactor - startFactor) * Math.min(totalIters, step)) / totalIters);
}

/**
 * torch SequentialLR: schedules[i] runs from milestones[i − 1] on, restarted at its own step 0
 * (the lr at milestone m is schedules[i](0), as torch's `scheduler.step(0)`).
 */
export function sequentialLR(schedules: LrSchedule[], milestones: number[]): LrSchedule {
  if (schedules.length !== milestones.length + 1) {
    throw new UserError(
      `SequentialLR needs one milestone fewer than schedules, got ${schedules.length} and ${milestones.length}.`,
    );
  }
  return (step, baseLr) => {
    let index = 0;
    while (index < milestones.length && step >= milestones[index]) index++;
    const start = index === 0 ? 0 : milestones[index - 1];
    return schedules[index](step - start, baseLr);
  };
}

/**
 * Linear warm-up, then `schedule` (started at its step 0 after the warm-up), as torch's
 * SequentialLR([LinearLR(startFactor, 1, warmupSteps), schedule], milestones=[warmupSteps]).
 */
export function withWarmup(schedule: LrSchedule, warmupSteps: number, startFactor = 1 / 3): LrSchedule {
  const combined: LrSchedule = sequentialLR([linearLR(startFactor, 1, warmupSteps), schedule], [warmupSteps]);
  if (schedule.momentum !== undefined) {
    const momentum = schedule.momentum;
    combined.momentum = (step) => momentum(Math.max(0, step - warmupSteps));
  }
  return combined;
}

export interface OneCycleOptions {
  /** Peak lr; defaults to the group's initial lr. */
  maxLr?: number;
  totalSteps: number;
  pctStart?: number;
  annealStrategy?: 'cos' | 'linear';
  divFactor?: number;
  finalDivFactor?: number;
  threePhase?: boolean;
  /** Cycle the momentum inversely to the lr, between baseMomentum and maxMomentum (torch: true). */
  cycleMomentum?: boolean;
  baseMomentum?: number;
  maxMomentum?: number;
}

interface Phase {
  endStep: number;
  startLr: 'initial' | 'max' | 'min';
  endLr: 'initial' | 'max' | 'min';
  startMomentum: 'base' | 'max';
  endMomentum: 'base' | 'max';
}

/**
 * torch OneCycleLR: from maxLr / divFactor up to maxLr over the first pctStart of totalSteps, then
 * down to maxLr / divFactor / finalDivFactor at step totalSteps − 1 (three-phase: back to the
 * initial lr first). Stepping past totalSteps is an error, as in torch.
 */
export function oneCycleLR(options: OneCycleOptions): LrSchedule {
  const {
    totalSteps,
    pctStart = 0.3,
    annealStrategy = 'cos',
    divFactor = 25,
    finalDivFactor = 1e4,
    threePhase = false,
    cycleMomentum = true,
    baseMomentum = 0.85,
    maxMomentum = 0.95,
  } = options;
  checkPositiveInteger('total steps', totalSteps);
  if (!(pctStart >= 0 && pctStart <= 1)) throw new UserError(`Invalid pctStart ${pctStart} (expected 0..1).`);
  const phases: Phase[] = threePhase
    ? [
        {
          endStep: pctStart * totalSteps - 1,
          startLr: 'initial',
          endLr: 'max',
          startMomentum: 'max',
          endMomentum: 'base',
        },
        {
          endStep: 2 * pctStart * totalSteps - 2,
          startLr: 'max',
          endLr: 'initial',
          startMomentum: 'base',
          endMomentum: 'max',
        },
        {
          endStep: totalSteps - 1,
          startLr: 'initial',
          endLr: 'min',
          startMomentum: 'max',
          endMomentum: 'max',
        },
      ]
    : [
        {
          endStep: pctStart * totalSteps - 1,
          startLr: 'initial',
          endLr: 'max',
          startMomentum: 'max',
          endMomentum: 'base',
        },
        { endStep: totalSteps - 1, startLr: 'max', endLr: 'min', startMomentum: 'base', endMomentum: 'max' },
      ];
  const anneal =
    annealStrategy === 'cos'
      ? (start: number, end: number, pct: number) => end + ((start - end) / 2) * (Math.cos(Math.PI * pct) + 1)
      : (start: number, end: number, pct: number) => (end - start) * pct + start;

  const locate = (step: number): { phase: Phase; pct: number } => {
    if (step > totalSteps) {
      throw new UserError(`OneCycleLR was stepped ${step} times but totalSteps is ${totalSteps}.`);
    }
    let startStep = 0;
    for (let i = 0; i < phases.length; i++) {
      const phase = phases[i];
      if (step <= phase.endStep || i === phases.length - 1) {
        return { phase, pct: (step - startStep) / (phase.endStep - startStep) };
      }
      startStep = phase.endStep;
    }
    throw new Error('unreachable');
  };

  const schedule: LrSchedule = (step, baseLr) => {
    const maxLr = options.maxLr ?? baseLr;
    const initial = maxLr / divFactor;
    const lrs = { initial, max: maxLr, min: initial / finalDivFactor };
    const { phase, pct } = locate(step);
    return anneal(lrs[phase.startLr], lrs[phase.endLr], pct);
  };
  if (cycleMomentum) {
    const momenta = { base: baseMomentum, max: maxMomentum };
    schedule.momentum = (step) => {
      const { phase, pct } = locate(step);
      return anneal(momenta[phase.startMomentum], momenta[phase.endMomentum], pct);
    };
  }
  return schedule;
}

export interface LrSchedulerState {
  step: number;
}

/**
 * Sets an optimizer's group lrs (and momenta, for OneCycle) from a schedule. The construction sets
 * step 0's values, each `step()` (called after `optimizer.step()`) the next step's, as torch's
 * schedulers. Base lrs are the groups' `initialLr`, recorded from their lr by the first scheduler.
 */
export class LrScheduler {
  private count = 0;

  constructor(
    readonly optimizer: Optimizer,
    readonly schedule: LrSchedule,
  ) {
    for (const group of optimizer.paramGroups) group.initialLr ??= group.lr;
    this.apply();
  }

  /** Number of `step()` calls so far. */
  get stepCount(): number {
    return this.count;
  }

  step(): void {
    this.count++;
    this.apply();
  }

  /** The lr of every group, as last set. */
  lastLr(): number[] {
    return this.optimizer.paramGroups.map((g) => g.lr);
  }

  stateDict(): LrSchedulerState {
    return { step: this.count };
  }

  /** Restores the step counter and sets the lrs (and momenta) for it. */
  loadStateDict(state: LrSchedulerState): void {
    if (!Number.isInteger(state.step) || state.step < 0) {
      throw new UserError(`Invalid scheduler step ${state.step} in the state dict.`);
    }
    this.count = state.step;
    this.apply();
  }

  private apply(): void {
    this.optimizer.paramGroups.forEach((group, i) => {
      group.lr = this.schedule(this.count, group.initialLr ?? group.lr);
      if (this.schedule.momentum !== undefined)
        this.optimizer.setMomentum(i, this.schedule.momentum(this.count));
    });
  }
}
