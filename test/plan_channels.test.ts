/**
 * Plans whose channel counts are not multiples of the engines' 16-channel blocks: a conv with 24 or
 * 40 output channels returned as a feature map comes back with exactly those channels (the engines
 * pad to 32/48 inside), and inputs of 16, 20 or 3 channels read with and without padding, on every
 * registered executor against the reference executor (≤ 1e-4 relative).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { kernelExecutor } from '../src/backends/kernel_executor.js';
import { createJsBackend } from '../src/backends/js/index.js';
import { listBackends, planExecutor } from '../src/backends/registry.js';
import type { ConvOp, Plan } from '../src/plan/plan.js';
import { assertClose } from './helpers/compare.js';
import { NATIVE_SKIP } from './helpers/native.js';

const reference = kernelExecutor(createJsBackend());

function values(n: number, seed: number): Float32Array {
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = Math.sin(i * 0.37 + seed) * (1 + ((i * 7 + seed) % 5) / 4);
  return out;
}

/** One conv (kernel k, stride s, padding p, bias, ReLU) from `c` input channels to `oc`, returned. */
function convPlan(c: number, oc: number, k: number, s: number, p: number): Plan {
  const op: ConvOp = {
    kind: 'conv',
    name: 'c',
    input: 0,
    output: 1,
    inChannels: c,
    outChannels: oc,
    kernel: [k, k],
    stride: [s, s],
    padding: [p, p],
    weight: values(oc * c * k * k, 1).map((v) => v / Math.sqrt(c * k * k)),
    bias: values(oc, 2),
    batchNorm: null,
    residual: null,
    relu: true,
  };
  return { inputChannels: c, minInputSize: 1, ops: [op], outputs: [{ name: 'features', slot: 1 }] };
}

const CASES: [c: number, oc: number, k: number, s: number, p: number][] = [
  [16, 24, 1, 2, 0],
  [16, 24, 3, 1, 0],
  [16, 40, 3, 1, 1],
  [20, 40, 3, 1, 0],
  [3, 24, 3, 2, 1],
  [32, 24, 1, 1, 0],
];

for (const name of listBackends().filter((b) => b !== 'js')) {
  const skip = name === 'native' && NATIVE_SKIP !== false ? NATIVE_SKIP : false;
  test(
    `${name}: feature maps of 24/40 channels from 3/16/20/32-channel inputs equal the reference`,
    { skip },
    async () => {
      for (const [c, oc, k, s, p] of CASES) {
        const plan = convPlan(c, oc, k, s, p);
        const shape: [number, number, number, number] = [2, c, 13, 10];
        const x = values(
          shape.reduce((a, b) => a * b, 1),
          3,
        );
        const want = (await reference.compile(plan).run(x, shape))[0]!;
        const compiled = planExecutor(name).compile(plan);
        try {
          const got = (await compiled.run(x, shape))[0]!;
          const label = `${name} conv ${c}→${oc} ${k}×${k}/${s} pad ${p}`;
          assert.deepEqual(got.shape, want.shape, `${label}: shape`);
          assertClose(got.data, want.data, 1e-4, label);
        } finally {
          compiled.dispose();
        }
      }
    },
  );
}
