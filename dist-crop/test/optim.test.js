/**
 * Optimizers, gradient clipping and LR schedules against torch 1.13 goldens written by
 * test/fixtures/gen_optim.py: parameter values after every step, clip_grad_norm_'s norms, and the
 * lr/momentum of every scheduler step. The optimizers emulate torch's float32 rounding op by op and
 * match bit for bit on the reference machine; the tolerance (1e-6 of max|value|) leaves room for
 * clip_grad_norm_, whose float32 norm reduction order we do not copy (1 ulp in the norm, ≈1e-7 in
 * the parameters), and for torch builds that fuse differently. Lrs come from closed forms where
 * torch recurses, so they match to float64 rounding (1e-12).
 * Also: state-dict round trips continue exactly like an uninterrupted run.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { UserError } from '../src/errors.js';
import { Tensor } from '../src/tensor/tensor.js';
import { AdamW, clipGradNorm, paramGroupsExcludingNoDecay, SGD, } from '../src/train/optim.js';
import { cosineAnnealingLR, LrScheduler, oneCycleLR, sequentialLR, linearLR, stepLR, withWarmup, } from '../src/train/schedules.js';
import { assertClose, errorStats } from './helpers/compare.js';
const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const fixtures = path.join(repoRoot, 'test/fixtures/optim');
const goldens = JSON.parse(readFileSync(path.join(fixtures, 'goldens.json'), 'utf8'));
/** Parameter values, as gen_optim.py: exact in float64, rounded once to float32. */
function makeParams() {
    return goldens.params.map(({ name, shape }, k) => {
        const value = Tensor.zeros(shape);
        for (let i = 0; i < value.size; i++)
            value.data[i] = ((i * 29 + k * 13) % 83) / 41 - 1;
        return { name, value, grad: Tensor.zeros(shape) };
    });
}
/** The gradients of step `step`, as gen_optim.py. */
function setGrads(params, step) {
    params.forEach((p, k) => {
        for (let i = 0; i < p.grad.size; i++) {
            p.grad.data[i] = (((i * 37 + k * 11 + step * 53) % 97) / 48 - 1) * goldens.gradScales[k];
        }
    });
}
const OPTIMIZER_CASES = {
    sgd_plain: (p) => ({ optimizer: new SGD(p, { lr: 0.1 }) }),
    sgd_momentum_wd: (p) => ({ optimizer: new SGD(p, { lr: 0.05, momentum: 0.9, weightDecay: 1e-4 }) }),
    sgd_nesterov: (p) => ({
        optimizer: new SGD(p, { lr: 0.05, momentum: 0.9, nesterov: true, weightDecay: 5e-4 }),
    }),
    sgd_dampening: (p) => ({ optimizer: new SGD(p, { lr: 0.05, momentum: 0.9, dampening: 0.5 }) }),
    adamw_default: (p) => ({ optimizer: new AdamW(p) }),
    adamw_amsgrad: (p) => ({
        optimizer: new AdamW(p, { lr: 0.01, betas: [0.8, 0.99], eps: 1e-6, weightDecay: 0.05, amsgrad: true }),
    }),
    sgd_nodecay_groups: (p) => ({
        optimizer: new SGD(paramGroupsExcludingNoDecay(p, 0.01), { lr: 0.1, momentum: 0.9 }),
    }),
    adamw_nodecay_groups: (p) => ({ optimizer: new AdamW(paramGroupsExcludingNoDecay(p, 0.1), { lr: 0.002 }) }),
    sgd_clip: (p) => ({ optimizer: new SGD(p, { lr: 0.05, momentum: 0.9 }), clip: [1, 2] }),
    adamw_clip_inf: (p) => ({ optimizer: new AdamW(p, { lr: 0.01 }), clip: [0.5, Infinity] }),
    sgd_clip_l1_unclipped: (p) => ({ optimizer: new SGD(p, { lr: 0.01 }), clip: [1000, 1] }),
    adamw_onecycle_clip: (p) => {
        const optimizer = new AdamW(p, { lr: 0.01 });
        return { optimizer, scheduler: new LrScheduler(optimizer, oneCycleLR({ totalSteps: 10 })), clip: [1, 2] };
    },
    sgd_warmup_cosine: (p) => {
        const optimizer = new SGD(p, { lr: 0.1, momentum: 0.9, weightDecay: 1e-4 });
        return { optimizer, scheduler: new LrScheduler(optimizer, withWarmup(cosineAnnealingLR(7), 3, 0.1)) };
    },
};
const SCHEDULE_CASES = {
    step_lr: stepLR(3, 0.5),
    cosine: cosineAnnealingLR(10, 0.001),
    onecycle_cos: oneCycleLR({ totalSteps: 20 }),
    onecycle_linear_three_phase: oneCycleLR({
        maxLr: 0.05,
        totalSteps: 20,
        pctStart: 0.25,
        annealStrategy: 'linear',
        divFactor: 10,
        finalDivFactor: 100,
        threePhase: true,
    }),
    warmup_cosine: withWarmup(cosineAnnealingLR(15, 1e-4), 5, 0.1),
};
const PARAM_RTOL = 1e-6;
const LR_RTOL = 1e-12;
/** Runs steps `from` … `to` − 1 of a case. */
function runSteps(setup, params, from, to) {
    for (let step = from; step < to; step++) {
        setGrads(params, step);
        if (setup.clip !== undefined)
            clipGradNorm(params, setup.clip[0], setup.clip[1]);
        setup.optimizer.step();
        setup.scheduler?.step();
    }
}
test('goldens come from torch 1.13', () => {
    assert.match(goldens.torch, /^1\.13/);
    assert.deepEqual(Object.keys(goldens.optimizers).sort(), Object.keys(OPTIMIZER_CASES).sort());
    assert.deepEqual(Object.keys(goldens.schedules).sort(), Object.keys(SCHEDULE_CASES).sort());
});
for (const [name, build] of Object.entries(OPTIMIZER_CASES)) {
    test(`${name} matches torch step by step`, () => {
        const golden = goldens.optimizers[name];
        const params = makeParams();
        const setup = build(params);
        let worst = 0;
        let exact = 0;
        let total = 0;
        for (let step = 0; step < golden.steps; step++) {
            setGrads(params, step);
            if (setup.clip !== undefined) {
                const norm = clipGradNorm(params, setup.clip[0], setup.clip[1]);
                const expected = golden.norms[step];
                assert.ok(Math.abs(norm - expected) <= 1e-6 * expected, `step ${step}: total norm ${norm} vs torch ${expected}`);
            }
            assertClose(setup.optimizer.paramGroups.map((g) => g.lr), golden.lrs[step], LR_RTOL, `${name} lr at step ${step}`);
            setup.optimizer.step();
            setup.scheduler?.step();
            params.forEach((p, k) => {
                const expected = golden.values[step][k];
                const stats = assertClose(p.value.data, expected, PARAM_RTOL, `${name} ${p.name} after step ${step + 1}`);
                worst = Math.max(worst, stats.rel);
                for (let i = 0; i < expected.length; i++)
                    if (p.value.data[i] === expected[i])
                        exact++;
                total += expected.length;
            });
        }
        console.log(`${name}: ${golden.steps} steps, max relative error ${worst.toExponential(3)}, ${exact}/${total} values bit-identical to torch`);
    });
}
for (const [name, schedule] of Object.entries(SCHEDULE_CASES)) {
    test(`${name} schedule matches torch`, () => {
        const golden = goldens.schedules[name];
        const dummy = (n) => ({ name: n, value: Tensor.zeros([1]), grad: Tensor.zeros([1]) });
        const optimizer = new SGD([
            { params: [dummy('a')], lr: 0.1 },
            { params: [dummy('b')], lr: 0.02 },
        ], { lr: 0.1, momentum: 0.9 });
        const scheduler = new LrScheduler(optimizer, schedule);
        const lrs = [scheduler.lastLr()];
        const momenta = [[optimizer.getMomentum(0), optimizer.getMomentum(1)]];
        for (let step = 0; step < golden.steps; step++) {
            optimizer.step();
            scheduler.step();
            lrs.push(scheduler.lastLr());
            momenta.push([optimizer.getMomentum(0), optimizer.getMomentum(1)]);
        }
        const lrStats = assertClose(lrs.flat(), golden.lrs.flat(), LR_RTOL, `${name} lrs`);
        const momentumStats = assertClose(momenta.flat(), golden.momenta.flat(), LR_RTOL, `${name} momenta`);
        console.log(`${name}: ${golden.steps + 1} lrs, max relative error ${lrStats.rel.toExponential(3)}; momenta ${momentumStats.rel.toExponential(3)}`);
    });
}
/** Snapshot of the parameter values. */
function values(params) {
    return params.map((p) => p.value.data.slice());
}
for (const name of ['sgd_nesterov', 'adamw_amsgrad', 'adamw_onecycle_clip', 'sgd_warmup_cosine']) {
    test(`${name}: state dict after 3 steps + load into a fresh optimizer = uninterrupted run`, () => {
        const total = goldens.optimizers[name].steps;
        const reference = makeParams();
        const referenceSetup = OPTIMIZER_CASES[name](reference);
        runSteps(referenceSetup, reference, 0, total);
        const first = makeParams();
        const firstSetup = OPTIMIZER_CASES[name](first);
        runSteps(firstSetup, first, 0, 3);
        const saved = firstSetup.optimizer.stateDict();
        const savedScheduler = firstSetup.scheduler?.stateDict();
        const savedValues = values(first);
        // later steps must not change the saved state
        runSteps(firstSetup, first, 3, 5);
        const resumed = makeParams();
        resumed.forEach((p, k) => p.value.data.set(savedValues[k]));
        const resumedSetup = OPTIMIZER_CASES[name](resumed);
        resumedSetup.optimizer.loadStateDict(saved);
        if (savedScheduler !== undefined)
            resumedSetup.scheduler?.loadStateDict(savedScheduler);
        runSteps(resumedSetup, resumed, 3, total);
        resumed.forEach((p, k) => assert.deepEqual(p.value.data, reference[k].value.data, `${p.name}`));
        assert.deepEqual(resumedSetup.optimizer.paramGroups.map((g) => g.lr), referenceSetup.optimizer.paramGroups.map((g) => g.lr));
    });
}
test('state dicts are plain data keyed by parameter name', () => {
    const params = makeParams();
    const optimizer = new AdamW(paramGroupsExcludingNoDecay(params, 0.1), { amsgrad: true });
    setGrads(params, 0);
    optimizer.step();
    const state = optimizer.stateDict();
    assert.equal(state.optimizer, 'AdamW');
    assert.deepEqual(Object.keys(state.state).sort(), ['bn.bias', 'conv.weight', 'fc.weight']);
    assert.deepEqual(Object.keys(state.state['conv.weight']).sort(), [
        'expAvg',
        'expAvgSq',
        'maxExpAvgSq',
        'step',
    ]);
    assert.equal(state.state['conv.weight'].step, 1);
    assert.ok(state.state['fc.weight'].expAvg instanceof Float32Array);
    assert.deepEqual(state.paramGroups.map((g) => g.params), [['conv.weight', 'fc.weight'], ['bn.bias']]);
    assert.deepEqual(state.paramGroups[1].hyper.weightDecay, 0);
    const json = JSON.parse(JSON.stringify(state.paramGroups));
    assert.deepEqual(json, state.paramGroups);
    assert.throws(() => new SGD(params, { lr: 0.1 }).loadStateDict(state), /AdamW, not SGD/);
    const other = makeParams().slice(0, 2);
    assert.throws(() => new AdamW(other).loadStateDict(state), /parameter groups/);
});
test('lr is settable for all groups and per group; zeroGrad zeroes', () => {
    const params = makeParams();
    const optimizer = new SGD(paramGroupsExcludingNoDecay(params, 1e-4), { lr: 0.1, momentum: 0.9 });
    assert.equal(optimizer.lr, 0.1);
    optimizer.lr = 0.5;
    assert.deepEqual(optimizer.paramGroups.map((g) => g.lr), [0.5, 0.5]);
    optimizer.paramGroups[1].lr = 0.25;
    assert.deepEqual(optimizer.paramGroups.map((g) => g.lr), [0.5, 0.25]);
    setGrads(params, 1);
    optimizer.zeroGrad();
    for (const p of params)
        assert.ok(p.grad.data.every((g) => g === 0));
});
test('paramGroupsExcludingNoDecay splits by rank', () => {
    const [decay, noDecay] = paramGroupsExcludingNoDecay(makeParams(), 0.05);
    assert.deepEqual(decay.params.map((p) => p.name), ['conv.weight', 'fc.weight']);
    assert.equal(decay.weightDecay, 0.05);
    assert.deepEqual(noDecay.params.map((p) => p.name), ['bn.bias']);
    assert.equal(noDecay.weightDecay, 0);
});
test('clipGradNorm leaves small gradients alone and returns the norm', () => {
    const p = { name: 'w', value: Tensor.zeros([2]), grad: Tensor.from([3, 4], [2]) };
    assert.equal(clipGradNorm([p], 10), 5);
    assert.deepEqual([...p.grad.data], [3, 4]);
    assert.equal(clipGradNorm([p], 1), 5);
    const stats = errorStats(p.grad.data, [0.6, 0.8]);
    assert.ok(stats.maxAbs < 1e-6);
});
test('schedules: closed forms and composition', () => {
    assert.equal(stepLR(2, 0.1)(5, 1), 0.1 ** 2);
    assert.equal(cosineAnnealingLR(10)(10, 0.5), 0);
    assert.equal(linearLR(0.25, 1, 4)(2, 1), 0.625);
    const seq = sequentialLR([linearLR(0.5, 1, 2), stepLR(1, 0.5)], [2]);
    assert.deepEqual([0, 1, 2, 3, 4].map((t) => seq(t, 1)), [0.5, 0.75, 1, 0.5, 0.25]);
    assert.throws(() => oneCycleLR({ totalSteps: 5 })(6, 1), UserError);
    assert.throws(() => stepLR(0), UserError);
});
test('bad hyperparameters are user errors', () => {
    const params = makeParams();
    assert.throws(() => new SGD(params, { lr: -1 }), UserError);
    assert.throws(() => new SGD(params, { lr: 0.1, nesterov: true }), /Nesterov/);
    assert.throws(() => new AdamW(params, { betas: [1, 0.999] }), UserError);
    assert.throws(() => new SGD([...params, params[0]], { lr: 0.1 }), /more than one group/);
});
//# sourceMappingURL=optim.test.js.map