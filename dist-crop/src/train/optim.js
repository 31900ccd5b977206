/**
 * Optimizers with torch 1.13 semantics (torch.optim.SGD, torch.optim.AdamW, single-tensor code path),
 * parameter groups, the "no weight decay on biases and BatchNorm" recipe and
 * torch.nn.utils.clip_grad_norm_.
 *
 * Parameters are `{ name, value, grad }` triples, so the optimizers do not care how gradients are
 * computed. Values are updated in place. Arithmetic follows torch's float32 CPU kernels op by op:
 * every tensor op result is rounded to float32 (`Math.fround`), Python scalars are cast to float32
 * where torch casts them, and the ops torch's AVX2 kernels fuse (`add(x, alpha)`, the last add of
 * `addcmul`) are computed as one fused multiply-add (exact in float64, then rounded once). With this,
 * the updates match torch bit for bit on the reference machine (see test/optim.test.ts); only
 * clipGradNorm's norm can differ by an ulp, as it is summed in float64 rather than in torch's
 * float32 reduction order.
 */
import { StateDictError, UserError } from '../errors.js';
import { formatShape, sameShape, Tensor } from '../tensor/tensor.js';
import { sgdStep } from '../ops/optim.js';
const f32 = Math.fround;
function isGroupList(items) {
    return items.length > 0 && 'params' in items[0];
}
function checkFinite(what, value, min = 0) {
    if (!Number.isFinite(value) || value < min) {
        throw new UserError(`Invalid ${what}: ${value} (expected a finite number ≥ ${min}).`);
    }
}
/** Base class: groups, lr access, zeroGrad, state dicts. Subclasses implement `updateGroup`. */
export class Optimizer {
    paramGroups;
    defaults;
    /** Per-parameter state by parameter name. */
    state = new Map();
    constructor(groups, defaults) {
        this.defaults = defaults;
        const list = isGroupList(groups) ? groups : [{ params: groups }];
        if (list.length === 0)
            throw new UserError('The optimizer got an empty parameter list.');
        const seen = new Set();
        this.paramGroups = list.map((group) => {
            for (const p of group.params) {
                if (seen.has(p.name))
                    throw new UserError(`Parameter ${p.name} appears in more than one group.`);
                seen.add(p.name);
                if (!sameShape(p.value.shape, p.grad.shape)) {
                    throw new UserError(`Parameter ${p.name} is ${formatShape(p.value.shape)} but its gradient is ${formatShape(p.grad.shape)}.`);
                }
            }
            const resolved = { ...defaults };
            for (const [key, value] of Object.entries(group)) {
                if (value !== undefined)
                    resolved[key] = value;
            }
            resolved.params = [...group.params];
            this.validate(resolved);
            return resolved;
        });
    }
    /** Checks a group's hyperparameters; throws a UserError naming the bad one. */
    validate(group) {
        checkFinite('learning rate', group.lr);
        checkFinite('weight decay', group.weightDecay);
    }
    step() {
        for (const group of this.paramGroups)
            this.updateGroup(group);
    }
    /** Sets every gradient to zero (torch 1.13's `zero_grad()` default, set_to_none=False). */
    zeroGrad() {
        for (const group of this.paramGroups)
            for (const p of group.params)
                p.grad.data.fill(0);
    }
    /** The first group's learning rate. */
    get lr() {
        return this.paramGroups[0].lr;
    }
    /** Sets the learning rate of every group (set `paramGroups[i].lr` for one group). */
    set lr(value) {
        checkFinite('learning rate', value);
        for (const group of this.paramGroups)
            group.lr = value;
    }
    /** All parameters in group order. */
    params() {
        return this.paramGroups.flatMap((g) => g.params);
    }
    /** A copy of the state (buffers are copied, so later steps do not change it). */
    stateDict() {
        const state = {};
        for (const [name, s] of this.state) {
            const copy = {};
            for (const [key, value] of Object.entries(s))
                copy[key] = typeof value === 'number' ? value : value.slice();
            state[name] = copy;
        }
        const paramGroups = this.paramGroups.map((group) => {
            const hyper = {};
            for (const [key, value] of Object.entries(group)) {
                if (key === 'params' || value === undefined)
                    continue;
                hyper[key] = Array.isArray(value) ? [...value] : value;
            }
            return { params: group.params.map((p) => p.name), hyper };
        });
        return { optimizer: this.kind, state, paramGroups };
    }
    /**
     * Restores a state dict saved by the same kind of optimizer over the same parameter names and
     * groups: buffers are copied in, and group hyperparameters (lr, …) are replaced, as torch does.
     */
    loadStateDict(saved) {
        if (saved.optimizer !== this.kind) {
            throw new StateDictError(`The optimizer state is for ${saved.optimizer}, not ${this.kind}.`);
        }
        if (saved.paramGroups.length !== this.paramGroups.length) {
            throw new StateDictError(`The optimizer state has ${saved.paramGroups.length} parameter groups, the optimizer ${this.paramGroups.length}.`);
        }
        const byName = new Map(this.params().map((p) => [p.name, p]));
        saved.paramGroups.forEach((g, i) => {
            const own = this.paramGroups[i].params.map((p) => p.name);
            if (g.params.length !== own.length || g.params.some((name, j) => name !== own[j])) {
                throw new StateDictError(`Parameter group ${i} of the optimizer state holds different parameters (${g.params.slice(0, 3).join(', ')}…) than the optimizer (${own.slice(0, 3).join(', ')}…).`);
            }
        });
        for (const [name, s] of Object.entries(saved.state)) {
            const p = byName.get(name);
            if (p === undefined)
                throw new StateDictError(`The optimizer state has unknown parameter ${name}.`);
            for (const [key, value] of Object.entries(s)) {
                if (typeof value !== 'number' && value.length !== p.value.size) {
                    throw new StateDictError(`Optimizer state ${name}.${key} has ${value.length} elements, the parameter ${p.value.size}.`);
                }
            }
        }
        this.state.clear();
        for (const [name, s] of Object.entries(saved.state)) {
            const copy = {};
            for (const [key, value] of Object.entries(s))
                copy[key] = typeof value === 'number' ? value : value.slice();
            this.state.set(name, copy);
        }
        saved.paramGroups.forEach((g, i) => {
            const group = this.paramGroups[i];
            for (const [key, value] of Object.entries(g.hyper))
                group[key] = Array.isArray(value) ? [...value] : value;
        });
    }
}
/**
 * torch.optim.SGD: g ← grad + wd·p; with momentum, buf ← g on the first step, then
 * buf ← momentum·buf + (1 − dampening)·g; nesterov uses g + momentum·buf; p ← p − lr·(…).
 */
export class SGD extends Optimizer {
    constructor(groups, options) {
        super(groups, { momentum: 0, dampening: 0, nesterov: false, weightDecay: 0, ...options });
    }
    get kind() {
        return 'SGD';
    }
    validate(group) {
        super.validate(group);
        checkFinite('momentum', group.momentum);
        if (group.nesterov && (group.momentum <= 0 || group.dampening !== 0)) {
            throw new UserError('Nesterov momentum requires a momentum and zero dampening.');
        }
    }
    setMomentum(groupIndex, momentum) {
        this.paramGroups[groupIndex].momentum = momentum;
    }
    getMomentum(groupIndex) {
        return this.paramGroups[groupIndex].momentum;
    }
    updateGroup(group) {
        for (const p of group.params) {
            let buf = null;
            let firstStep = false;
            if (group.momentum !== 0) {
                const existing = this.state.get(p.name)?.momentumBuffer;
                if (existing instanceof Float32Array)
                    buf = new Tensor(existing, p.value.shape);
                else {
                    buf = Tensor.zeros(p.value.shape);
                    this.state.set(p.name, { momentumBuffer: buf.data });
                    firstStep = true;
                }
            }
            sgdStep(p.value, p.grad, buf, {
                lr: group.lr,
                momentum: group.momentum,
                dampening: group.dampening,
                weightDecay: group.weightDecay,
                nesterov: group.nesterov,
                firstStep,
            });
        }
    }
}
/**
 * torch.optim.AdamW: p ← p·(1 − lr·wd); m ← β1·m + (1−β1)·g; v ← β2·v + (1−β2)·g²;
 * p ← p − (lr / (1 − β1^t)) · m / (√v / √(1 − β2^t) + eps), with v replaced by its running maximum
 * under amsgrad.
 */
export class AdamW extends Optimizer {
    constructor(groups, options = {}) {
        super(groups, {
            lr: 1e-3,
            betas: [0.9, 0.999],
            eps: 1e-8,
            weightDecay: 1e-2,
            amsgrad: false,
            ...options,
        });
    }
    get kind() {
        return 'AdamW';
    }
    validate(group) {
        super.validate(group);
        checkFinite('eps', group.eps);
        for (const beta of group.betas) {
            if (!(beta >= 0 && beta < 1))
                throw new UserError(`Invalid beta ${beta} (expected 0 ≤ beta < 1).`);
        }
    }
    setMomentum(groupIndex, momentum) {
        const group = this.paramGroups[groupIndex];
        group.betas = [momentum, group.betas[1]];
    }
    getMomentum(groupIndex) {
        return this.paramGroups[groupIndex].betas[0];
    }
    updateGroup(group) {
        const [beta1, beta2] = group.betas;
        const decay = f32(1 - group.lr * group.weightDecay);
        const beta1f = f32(beta1);
        const beta2f = f32(beta2);
        const oneMinusBeta1 = f32(1 - beta1);
        const oneMinusBeta2 = f32(1 - beta2);
        const eps = f32(group.eps);
        for (const p of group.params) {
            const value = p.value.data;
            const grad = p.grad.data;
            let s = this.state.get(p.name);
            if (s === undefined) {
                s = { step: 0, expAvg: new Float32Array(value.length), expAvgSq: new Float32Array(value.length) };
                if (group.amsgrad)
                    s.maxExpAvgSq = new Float32Array(value.length);
                this.state.set(p.name, s);
            }
            // torch keeps the step count in a float32 tensor
            const step = f32(s.step + 1);
            s.step = step;
            const m = s.expAvg;
            const v = s.expAvgSq;
            const vMax = group.amsgrad ? s.maxExpAvgSq : undefined;
            if (group.amsgrad && vMax === undefined) {
                throw new StateDictError(`AdamW with amsgrad has no maxExpAvgSq state for ${p.name}.`);
            }
            const biasCorrection1 = 1 - beta1 ** step;
            const biasCorrection2Sqrt = f32(Math.sqrt(1 - beta2 ** step));
            const negStepSize = f32(-(group.lr / biasCorrection1));
            for (let i = 0; i < value.length; i++) {
                const g = grad[i];
                value[i] = f32(value[i] * decay);
                m[i] = f32(f32(m[i] * beta1f) + oneMinusBeta1 * g);
                v[i] = f32(f32(v[i] * beta2f) + f32(oneMinusBeta2 * g) * g);
                let second = v[i];
                if (vMax !== undefined) {
                    if (v[i] > vMax[i] || Number.isNaN(v[i]))
                        vMax[i] = v[i];
                    second = vMax[i];
                }
                const denom = f32(f32(f32(Math.sqrt(second)) / biasCorrection2Sqrt) + eps);
                value[i] = f32(value[i] + f32(f32(negStepSize * m[i]) / denom));
            }
        }
    }
}
/**
 * The usual recipe: weight decay on conv and linear weights (rank ≥ 2) only, none on biases and
 * BatchNorm weights/biases (rank ≤ 1). Returns [decayed, not decayed] (empty groups are kept so the
 * group order is fixed).
 */
export function paramGroupsExcludingNoDecay(params, weightDecay) {
    return [
        { params: params.filter((p) => p.value.rank >= 2), weightDecay },
        { params: params.filter((p) => p.value.rank < 2), weightDecay: 0 },
    ];
}
/**
 * torch.nn.utils.clip_grad_norm_: the norm of all gradients together (p = normType, Infinity for
 * the max norm); gradients are scaled by min(1, maxNorm / (total + 1e-6)) (a NaN norm makes them NaN,
 * as in torch). Returns the total norm before clipping (rounded to float32, as torch's tensor).
 */
export function clipGradNorm(params, maxNorm, normType = 2) {
    if (!(normType > 0))
        throw new UserError(`Invalid norm type ${normType} (expected > 0 or Infinity).`);
    if (params.length === 0)
        return 0;
    let total;
    if (normType === Infinity) {
        total = 0;
        for (const p of params)
            for (const g of p.grad.data)
                total = Math.max(total, Math.abs(g));
    }
    else {
        const norms = params.map((p) => f32(pNorm(p.grad.data, normType)));
        total = f32(pNorm(norms, normType));
    }
    // torch: clip_coef = max_norm / (total + 1e-6), where scalar / tensor is reciprocal() * scalar
    const coef = f32(f32(1 / f32(total + f32(1e-6))) * f32(maxNorm));
    if (!(coef >= 1)) {
        for (const p of params) {
            const g = p.grad.data;
            for (let i = 0; i < g.length; i++)
                g[i] = f32(g[i] * coef);
        }
    }
    return total;
}
/** The p-norm accumulated in float64. */
function pNorm(values, p) {
    let sum = 0;
    if (p === 2) {
        for (let i = 0; i < values.length; i++)
            sum += values[i] * values[i];
        return Math.sqrt(sum);
    }
    if (p === 1) {
        for (let i = 0; i < values.length; i++)
            sum += Math.abs(values[i]);
        return sum;
    }
    for (let i = 0; i < values.length; i++)
        sum += Math.abs(values[i]) ** p;
    return sum ** (1 / p);
}
//# sourceMappingURL=optim.js.map