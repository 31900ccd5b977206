/**
 * Where a training step's time goes: wraps every kernel of the chosen backend with a timer and runs
 * a few ResNet-50 training steps (zeroGrad, forward, cross-entropy, backward, SGD).
 *
 *   npx tsc -p tsconfig.json && node dist/bench/profile_train.js [--size 224] [--batch 8] [--steps 2]
 *       [--backend native|js]
 *
 * Prints per-kernel total milliseconds over the timed steps (after one warm-up step), the time of
 * zeroGrad and of the optimizer step, and the time spent outside kernels (the optimizer, gradient
 * accumulation, bookkeeping).
 */
import { parseArgs } from 'node:util';
import { getBackend, registerBackend, setBackend } from '../src/backends/registry.js';
import { createNativeBackend } from '../src/backends/native/kernels.js';
import { createJsBackend } from '../src/backends/js/index.js';
import { resnet } from '../src/model/resnet.js';
import * as ops from '../src/ops/index.js';
import { Rng } from '../src/tensor/random.js';
import { Tensor } from '../src/tensor/tensor.js';
import { SGD } from '../src/train/optim.js';
const { values } = parseArgs({
    options: {
        size: { type: 'string', default: '224' },
        batch: { type: 'string', default: '8' },
        steps: { type: 'string', default: '2' },
        backend: { type: 'string', default: 'native' },
    },
});
const size = Number(values.size);
const batch = Number(values.batch);
const steps = Number(values.steps);
const totals = new Map();
function timed(inner) {
    const wrapped = { name: `${inner.name}+timer` };
    for (const key of Object.keys(inner)) {
        const fn = inner[key];
        if (typeof fn !== 'function')
            continue;
        wrapped[key] = (...args) => {
            const t0 = performance.now();
            const out = fn.apply(inner, args);
            const entry = totals.get(key) ?? { ms: 0, calls: 0 };
            entry.ms += performance.now() - t0;
            entry.calls++;
            totals.set(key, entry);
            return out;
        };
    }
    return wrapped;
}
registerBackend('timed', () => timed(values.backend === 'js' ? createJsBackend() : createNativeBackend()));
setBackend('timed');
const model = resnet('resnet50', { numClasses: 10, seed: 0 });
model.train();
const rng = new Rng(1);
const x = new Tensor(Float32Array.from({ length: batch * 3 * size * size }, () => rng.normal()), [batch, 3, size, size]);
const labels = Int32Array.from({ length: batch }, (_, i) => i % 10);
const sgd = new SGD(model.parameters(), { lr: 0.01, momentum: 0.9, weightDecay: 1e-4 });
let stepTotal = 0;
let zeroMs = 0;
let optimMs = 0;
for (let s = 0; s <= steps; s++) {
    if (s === 1)
        totals.clear();
    const t0 = performance.now();
    const z0 = performance.now();
    model.zeroGrad();
    const z1 = performance.now();
    const logits = model.call(x);
    const { dlogits } = ops.crossEntropy(logits, labels, 0);
    model.backward(dlogits);
    const o0 = performance.now();
    sgd.step();
    const o1 = performance.now();
    const ms = performance.now() - t0;
    if (s >= 1) {
        stepTotal += ms;
        zeroMs += z1 - z0;
        optimMs += o1 - o0;
    }
    process.stderr.write(`step ${s}: ${ms.toFixed(0)} ms\n`);
}
const rows = [...totals].sort((a, b) => b[1].ms - a[1].ms);
let kernelMs = 0;
for (const [name, { ms, calls }] of rows) {
    kernelMs += ms;
    console.log(`${name.padEnd(28)} ${(ms / steps).toFixed(1).padStart(9)} ms/step  ${String(calls / steps).padStart(5)} calls`);
}
console.log(`${'zeroGrad'.padEnd(28)} ${(zeroMs / steps).toFixed(1).padStart(9)} ms/step`);
console.log(`${'optimizer step'.padEnd(28)} ${(optimMs / steps).toFixed(1).padStart(9)} ms/step`);
console.log(`${'outside kernels'.padEnd(28)} ${((stepTotal - kernelMs) / steps).toFixed(1).padStart(9)} ms/step`);
console.log(`${'step'.padEnd(28)} ${(stepTotal / steps).toFixed(1).padStart(9)} ms/step (${getBackend().name})`);
//# sourceMappingURL=profile_train.js.map