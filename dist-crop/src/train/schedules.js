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
function checkPositiveInteger(what, value) {
    if (!Number.isInteger(value) || value <= 0) {
        throw new UserError(`Invalid ${what}: ${value} (expected a positive integer).`);
    }
}
/** torch StepLR: baseLr · gamma^⌊step / stepSize⌋. */
export function stepLR(stepSize, gamma = 0.1) {
    checkPositiveInteger('step size', stepSize);
    return (step, baseLr) => baseLr * gamma ** Math.floor(step / stepSize);
}
/** torch CosineAnnealingLR: etaMin + (baseLr − etaMin)·(1 + cos(π·step / tMax)) / 2. */
export function cosineAnnealingLR(tMax, etaMin = 0) {
    checkPositiveInteger('T_max', tMax);
    return (step, baseLr) => etaMin + ((baseLr - etaMin) * (1 + Math.cos((Math.PI * step) / tMax))) / 2;
}
/** torch LinearLR: the factor goes linearly from startFactor to endFactor over totalIters steps. */
export function linearLR(startFactor = 1 / 3, endFactor = 1, totalIters = 5) {
    if (!(startFactor > 0 && startFactor <= 1) || !(endFactor >= 0 && endFactor <= 1)) {
        throw new UserError(`Invalid LinearLR factors ${startFactor} → ${endFactor} (expected in (0, 1]).`);
    }
    checkPositiveInteger('total iterations', totalIters);
    return (step, baseLr) => baseLr * (startFactor + ((endFactor - startFactor) * Math.min(totalIters, step)) / totalIters);
}
/**
 * torch SequentialLR: schedules[i] runs from milestones[i − 1] on, restarted at its own step 0
 * (the lr at milestone m is schedules[i](0), as torch's `scheduler.step(0)`).
 */
export function sequentialLR(schedules, milestones) {
    if (schedules.length !== milestones.length + 1) {
        throw new UserError(`SequentialLR needs one milestone fewer than schedules, got ${schedules.length} and ${milestones.length}.`);
    }
    return (step, baseLr) => {
        let index = 0;
        while (index < milestones.length && step >= milestones[index])
            index++;
        const start = index === 0 ? 0 : milestones[index - 1];
        return schedules[index](step - start, baseLr);
    };
}
/**
 * Linear warm-up, then `schedule` (started at its step 0 after the warm-up), as torch's
 * SequentialLR([LinearLR(startFactor, 1, warmupSteps), schedule], milestones=[warmupSteps]).
 */
export function withWarmup(schedule, warmupSteps, startFactor = 1 / 3) {
    const combined = sequentialLR([linearLR(startFactor, 1, warmupSteps), schedule], [warmupSteps]);
    if (schedule.momentum !== undefined) {
        const momentum = schedule.momentum;
        combined.momentum = (step) => momentum(Math.max(0, step - warmupSteps));
    }
    return combined;
}
/**
 * torch OneCycleLR: from maxLr / divFactor up to maxLr over the first pctStart of totalSteps, then
 * down to maxLr / divFactor / finalDivFactor at step totalSteps − 1 (three-phase: back to the
 * initial lr first). Stepping past totalSteps is an error, as in torch.
 */
export function oneCycleLR(options) {
    const { totalSteps, pctStart = 0.3, annealStrategy = 'cos', divFactor = 25, finalDivFactor = 1e4, threePhase = false, cycleMomentum = true, baseMomentum = 0.85, maxMomentum = 0.95, } = options;
    checkPositiveInteger('total steps', totalSteps);
    if (!(pctStart >= 0 && pctStart <= 1))
        throw new UserError(`Invalid pctStart ${pctStart} (expected 0..1).`);
    const phases = threePhase
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
    const anneal = annealStrategy === 'cos'
        ? (start, end, pct) => end + ((start - end) / 2) * (Math.cos(Math.PI * pct) + 1)
        : (start, end, pct) => (end - start) * pct + start;
    const locate = (step) => {
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
    const schedule = (step, baseLr) => {
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
/**
 * Sets an optimizer's group lrs (and momenta, for OneCycle) from a schedule. The construction sets
 * step 0's values, each `step()` (called after `optimizer.step()`) the next step's, as torch's
 * schedulers. Base lrs are the groups' `initialLr`, recorded from their lr by the first scheduler.
 */
export class LrScheduler {
    optimizer;
    schedule;
    count = 0;
    constructor(optimizer, schedule) {
        this.optimizer = optimizer;
        this.schedule = schedule;
        for (const group of optimizer.paramGroups)
            group.initialLr ??= group.lr;
        this.apply();
    }
    /** Number of `step()` calls so far. */
    get stepCount() {
        return this.count;
    }
    step() {
        this.count++;
        this.apply();
    }
    /** The lr of every group, as last set. */
    lastLr() {
        return this.optimizer.paramGroups.map((g) => g.lr);
    }
    stateDict() {
        return { step: this.count };
    }
    /** Restores the step counter and sets the lrs (and momenta) for it. */
    loadStateDict(state) {
        if (!Number.isInteger(state.step) || state.step < 0) {
            throw new UserError(`Invalid scheduler step ${state.step} in the state dict.`);
        }
        this.count = state.step;
        this.apply();
    }
    apply() {
        this.optimizer.paramGroups.forEach((group, i) => {
            group.lr = this.schedule(this.count, group.initialLr ?? group.lr);
            if (this.schedule.momentum !== undefined)
                this.optimizer.setMomentum(i, this.schedule.momentum(this.count));
        });
    }
}
//# sourceMappingURL=schedules.js.map