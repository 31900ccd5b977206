import type { ParamRef } from '../nn/module.js';
export type { ParamRef };
/** Hyperparameters every optimizer has. */
export interface BaseHyper {
    lr: number;
    weightDecay: number;
    /** The lr the schedules start from (torch's `initial_lr`), set by the first LrScheduler. */
    initialLr?: number;
}
/** A group as passed to a constructor: parameters plus optional per-group hyperparameters. */
export type ParamGroup<H extends BaseHyper = SgdOptions & AdamWOptions> = {
    params: ParamRef[];
} & Partial<H>;
/** A group as held by an optimizer: every hyperparameter resolved. */
export type ResolvedGroup<H extends BaseHyper> = H & {
    params: ParamRef[];
};
/** Per-parameter optimizer state: buffers and counters. */
export type ParamState = Record<string, Float32Array | number>;
/** Hyperparameter values as stored in a state dict. */
export type HyperValue = number | boolean | number[];
/**
 * A JSON-serializable snapshot (apart from the Float32Arrays) of an optimizer: per-parameter state
 * keyed by parameter name, and the groups' hyperparameters with their parameter names.
 */
export interface OptimizerState {
    optimizer: string;
    state: Record<string, ParamState>;
    paramGroups: {
        params: string[];
        hyper: Record<string, HyperValue>;
    }[];
}
/** Base class: groups, lr access, zeroGrad, state dicts. Subclasses implement `updateGroup`. */
export declare abstract class Optimizer<H extends BaseHyper = BaseHyper> {
    readonly paramGroups: ResolvedGroup<H>[];
    readonly defaults: H;
    /** Per-parameter state by parameter name. */
    protected readonly state: Map<string, ParamState>;
    constructor(groups: ParamGroup<H>[] | ParamRef[], defaults: H);
    /** Checks a group's hyperparameters; throws a UserError naming the bad one. */
    protected validate(group: ResolvedGroup<H>): void;
    /** Updates every parameter of one group from its gradient. */
    protected abstract updateGroup(group: ResolvedGroup<H>): void;
    /** Name of the optimizer in state dicts. */
    protected abstract get kind(): string;
    /** Sets the momentum a OneCycle schedule cycles (SGD's momentum, AdamW's beta1). */
    abstract setMomentum(groupIndex: number, momentum: number): void;
    /** The momentum of a group (SGD's momentum, AdamW's beta1). */
    abstract getMomentum(groupIndex: number): number;
    step(): void;
    /** Sets every gradient to zero (torch 1.13's `zero_grad()` default, set_to_none=False). */
    zeroGrad(): void;
    /** The first group's learning rate. */
    get lr(): number;
    /** Sets the learning rate of every group (set `paramGroups[i].lr` for one group). */
    set lr(value: number);
    /** All parameters in group order. */
    params(): ParamRef[];
    /** A copy of the state (buffers are copied, so later steps do not change it). */
    stateDict(): OptimizerState;
    /**
     * Restores a state dict saved by the same kind of optimizer over the same parameter names and
     * groups: buffers are copied in, and group hyperparameters (lr, …) are replaced, as torch does.
     */
    loadStateDict(saved: OptimizerState): void;
}
export interface SgdOptions extends BaseHyper {
    momentum: number;
    dampening: number;
    nesterov: boolean;
}
/**
 * torch.optim.SGD: g ← grad + wd·p; with momentum, buf ← g on the first step, then
 * buf ← momentum·buf + (1 − dampening)·g; nesterov uses g + momentum·buf; p ← p − lr·(…).
 */
export declare class SGD extends Optimizer<SgdOptions> {
    constructor(groups: ParamGroup<SgdOptions>[] | ParamRef[], options: Partial<SgdOptions> & {
        lr: number;
    });
    protected get kind(): string;
    protected validate(group: ResolvedGroup<SgdOptions>): void;
    setMomentum(groupIndex: number, momentum: number): void;
    getMomentum(groupIndex: number): number;
    protected updateGroup(group: ResolvedGroup<SgdOptions>): void;
}
export interface AdamWOptions extends BaseHyper {
    betas: [number, number];
    eps: number;
    amsgrad: boolean;
}
/**
 * torch.optim.AdamW: p ← p·(1 − lr·wd); m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²;
 * p ← p − (lr / (1 − β1^t)) · m / (√v / √(1 − β2^t) + eps), with v replaced by its running maximum
 * under amsgrad.
 */
export declare class AdamW extends Optimizer<AdamWOptions> {
    constructor(groups: ParamGroup<AdamWOptions>[] | ParamRef[], options?: Partial<AdamWOptions>);
    protected get kind(): string;
    protected validate(group: ResolvedGroup<AdamWOptions>): void;
    setMomentum(groupIndex: number, momentum: number): void;
    getMomentum(groupIndex: number): number;
    protected updateGroup(group: ResolvedGroup<AdamWOptions>): void;
}
/**
 * The usual recipe: weight decay on conv and linear weights (rank ≥ 2) only, none on biases and
 * BatchNorm weights/biases (rank ≤ 1). Returns [decayed, not decayed] (empty groups are kept so the
 * group order is fixed).
 */
export declare function paramGroupsExcludingNoDecay(params: ParamRef[], weightDecay: number): [{
    params: ParamRef[];
    weightDecay: number;
}, {
    params: ParamRef[];
    weightDecay: number;
}];
/**
 * torch.nn.utils.clip_grad_norm_: the norm of all gradients together (p = normType, Infinity for
 * the max norm); gradients are scaled by min(1, maxNorm / (total + 1e-6)) (a NaN norm makes them NaN,
 * as in torch). Returns the total norm before clipping (rounded to float32, as torch's tensor).
 */
export declare function clipGradNorm(params: ParamRef[], maxNorm: number, normType?: number): number;
