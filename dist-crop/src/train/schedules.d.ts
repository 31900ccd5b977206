import type { Optimizer } from './optim.js';
/** lr as a function of the step and the group's initial lr; may also drive the momentum. */
export interface LrSchedule {
    (step: number, baseLr: number): number;
    /** Momentum at `step` (OneCycle's momentum cycling: SGD's momentum, AdamW's beta1). */
    momentum?: (step: number) => number;
}
/** torch StepLR: baseLr · gamma^⌊step / stepSize⌋. */
export declare function stepLR(stepSize: number, gamma?: number): LrSchedule;
/** torch CosineAnnealingLR: etaMin + (baseLr − etaMin)·(1 + cos(π·step / tMax)) / 2. */
export declare function cosineAnnealingLR(tMax: number, etaMin?: number): LrSchedule;
/** torch LinearLR: the factor goes linearly from startFactor to endFactor over totalIters steps. */
export declare function linearLR(startFactor?: number, endFactor?: number, totalIters?: number): LrSchedule;
/**
 * torch SequentialLR: schedules[i] runs from milestones[i − 1] on, restarted at its own step 0
 * (the lr at milestone m is schedules[i](0), as torch's `scheduler.step(0)`).
 */
export declare function sequentialLR(schedules: LrSchedule[], milestones: number[]): LrSchedule;
/**
 * Linear warm-up, then `schedule` (started at its step 0 after the warm-up), as torch's
 * SequentialLR([LinearLR(startFactor, 1, warmupSteps), schedule], milestones=[warmupSteps]).
 */
export declare function withWarmup(schedule: LrSchedule, warmupSteps: number, startFactor?: number): LrSchedule;
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
/**
 * torch OneCycleLR: from maxLr / divFactor up to maxLr over the first pctStart of totalSteps, then
 * down to maxLr / divFactor / finalDivFactor at step totalSteps − 1 (three-phase: back to the
 * initial lr first). Stepping past totalSteps is an error, as in torch.
 */
export declare function oneCycleLR(options: OneCycleOptions): LrSchedule;
export interface LrSchedulerState {
    step: number;
}
/**
 * Sets an optimizer's group lrs (and momenta, for OneCycle) from a schedule. The construction sets
 * step 0's values, each `step()` (called after `optimizer.step()`) the next step's, as torch's
 * schedulers. Base lrs are the groups' `initialLr`, recorded from their lr by the first scheduler.
 */
export declare class LrScheduler {
    readonly optimizer: Optimizer;
    readonly schedule: LrSchedule;
    private count;
    constructor(optimizer: Optimizer, schedule: LrSchedule);
    /** Number of `step()` calls so far. */
    get stepCount(): number;
    step(): void;
    /** The lr of every group, as last set. */
    lastLr(): number[];
    stateDict(): LrSchedulerState;
    /** Restores the step counter and sets the lrs (and momenta) for it. */
    loadStateDict(state: LrSchedulerState): void;
    private apply;
}
