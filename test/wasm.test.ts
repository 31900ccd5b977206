/**
 * The WebAssembly backend: whole models against the reference executor (logits within 1e-4
 * relative) at 224×224 and at a non-square size, batch 1 and 3, one and two threads, every SIMD
 * build this Node can run (and the relaxed-SIMD build in a child Node that has it), the single-
 * threaded build a page without cross-origin isolation uses; the event loop stays free during a run;
 * malformed op records are refused by name; the runner picks wasm by option and by $RESNET50_BACKEND.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { after, test } from 'node:test';
import { kernelExecutor } from '../src/backends/kernel_executor.js';
import { createJsBackend } from '../src/backends/js/index.js';
import { createWasmExecutor, type WasmExecutor } from '../src/backends/wasm/executor.js';
import { checkWasmOps, toWasmOps } from '../src/backends/wasm/ops.js';
import { nodeWasmPlatform } from '../src/backends/wasm/platform_node.js';
import { wasmFile } from '../src/backends/wasm/platform.js';
import { WebAssemblyApi } from '../src/backends/wasm/wasm_api.js';
import { lowerResNet } from '../src/model/plan.js';
import { resnet, type ArchName, type ResNet } from '../src/model/resnet.js';
import type { ConvOp, Plan, PlanResult } from '../src/plan/plan.js';
import { createRunner } from '../src/tasks/runner.js';
import { assertClose } from './helpers/compare.js';
import { watchEventLoop } from './helpers/event_loop.js';
import { ruleStateDict, ruleTensor } from './helpers/rule_weights.js';

const RTOL = 1e-4;
const reference = kernelExecutor(createJsBackend());

function ruleModel(arch: ArchName): ResNet {
  const model = resnet(arch, { init: 'none' });
  model.loadStateDict(ruleStateDict(model));
  return model;
}

const relaxedHere = WebAssemblyApi.validate(
  readFileSync(new URL(`../../wasm/build/${wasmFile('relaxed-mt')}`, import.meta.url)),
);

const executors: { name: string; executor: WasmExecutor }[] = [
  { name: 'simd, 1 thread', executor: createWasmExecutor(nodeWasmPlatform, { threads: 1, simd: 'simd' }) },
  { name: 'simd, 2 threads', executor: createWasmExecutor(nodeWasmPlatform, { threads: 2, simd: 'simd' }) },
  {
    name: 'single-threaded build (no shared memory)',
    executor: createWasmExecutor({ ...nodeWasmPlatform, sharedMemory: () => false }, { simd: 'simd' }),
  },
  ...(relaxedHere
    ? [
        {
          name: 'relaxed, 2 threads',
          executor: createWasmExecutor(nodeWasmPlatform, { threads: 2, simd: 'relaxed' }),
        },
      ]
    : []),
];
after(() => Promise.all(executors.map((e) => e.executor.shutdown())));

async function compare(
  plan: Plan,
  shape: [number, number, number, number],
  what: string,
  t: { diagnostic(m: string): void },
) {
  const x = ruleTensor(`${shape.join('x')}.input`, shape);
  const ref = await reference.compile(plan).run(x.data, shape);
  for (const { name, executor } of executors) {
    const compiled = executor.compile(plan);
    let got: PlanResult[];
    try {
      got = await compiled.run(x.data, shape);
    } finally {
      compiled.dispose();
    }
    const info = await executor.info();
    assert.deepEqual(got[0].shape, ref[0].shape);
    const stats = assertClose(got[0].data, ref[0].data, RTOL, `${what}, ${name} (${info.variant})`);
    t.diagnostic(
      `${what}, ${name} (${info.variant}, ${info.threads} threads): relative ${stats.rel.toExponential(2)}`,
    );
  }
}

test('wasm: resnet50 logits at 72×56, batch 1 and 3, on every build and thread count', async (t) => {
  const plan = lowerResNet(ruleModel('resnet50'));
  await compare(plan, [1, 3, 72, 56], 'resnet50 1×3×72×56', t);
  await compare(plan, [3, 3, 72, 56], 'resnet50 3×3×72×56', t);
});

/** A conv op with rule weights (and batch norm when `bn`). */
function ruleConv(
  name: string,
  io: { input: number; output: number; residual: number | null; relu: boolean },
  c: number,
  oc: number,
  k: number,
  stride: number,
  pad: number,
  bn = false,
): ConvOp {
  const vec = (key: string) => ruleTensor(`${name}.${key}`, [oc]).data;
  return {
    kind: 'conv',
    name,
    ...io,
    inChannels: c,
    outChannels: oc,
    kernel: [k, k],
    stride: [stride, stride],
    padding: [pad, pad],
    weight: ruleTensor(`${name}.weight`, [oc, c, k, k]).data,
    bias: vec('bias'),
    batchNorm: bn
      ? {
          weight: vec('bn.weight'),
          bias: vec('bn.bias'),
          mean: vec('bn.running_mean'),
          variance: vec('bn.running_var'),
          eps: 1e-5,
        }
      : null,
  };
}

test('wasm: conv paths ResNet-50 does not reach (plain input of 5 channels, stride 3, a residual without ReLU, 24 channels) at odd sizes', async (t) => {
  // Plain input of 5 channels (3×3, stride 1; the generic channel loop), a 1×1 conv at odd widths
  // adding a residual without ReLU, a 3×3 stride-3 conv (tiles spanning rows), a 1×1 stride-2 conv.
  const plan: Plan = {
    inputChannels: 5,
    minInputSize: 3,
    ops: [
      ruleConv('a', { input: 0, output: 1, residual: null, relu: true }, 5, 24, 3, 1, 1),
      ruleConv('b', { input: 1, output: 2, residual: 1, relu: false }, 24, 24, 1, 1, 0, true),
      ruleConv('c', { input: 2, output: 3, residual: null, relu: true }, 24, 40, 3, 3, 1, true),
      ruleConv('d', { input: 3, output: 4, residual: null, relu: false }, 40, 16, 1, 2, 0),
    ],
    outputs: [{ name: 'd', slot: 4 }],
  };
  await compare(plan, [1, 5, 23, 17], 'conv paths 1×5×23×17', t);
  await compare(plan, [3, 5, 13, 29], 'conv paths 3×5×13×29', t);
});

test('wasm: resnet18 logits at 224×224, batch 1 and 3; the event loop stays free during a run', async (t) => {
  const plan = lowerResNet(ruleModel('resnet18'));
  await compare(plan, [1, 3, 224, 224], 'resnet18 1×3×224×224', t);
  const x = ruleTensor('3x3x224x224.input', [3, 3, 224, 224]);
  const ref = await reference.compile(plan).run(x.data, [3, 3, 224, 224]);
  const compiled = executors[0].executor.compile(plan);
  const { value, loop } = await watchEventLoop(() => compiled.run(x.data, [3, 3, 224, 224]));
  compiled.dispose();
  assertClose(value[0].data, ref[0].data, RTOL, 'resnet18 3×3×224×224, 1 thread');
  assert.ok(loop.ticks >= 2, `the 5 ms timer fired ${loop.ticks} times during the run`);
});

test(
  'wasm: the relaxed-SIMD build matches the reference in a Node that has relaxed SIMD',
  { skip: relaxedHere },
  () => {
    const script = `
    const { createWasmExecutor } = await import('./dist/src/backends/wasm/executor.js');
    const { nodeWasmPlatform } = await import('./dist/src/backends/wasm/platform_node.js');
    const { kernelExecutor } = await import('./dist/src/backends/kernel_executor.js');
    const { createJsBackend } = await import('./dist/src/backends/js/index.js');
    const { lowerResNet } = await import('./dist/src/model/plan.js');
    const { resnet } = await import('./dist/src/model/resnet.js');
    const { ruleStateDict, ruleTensor } = await import('./dist/test/helpers/rule_weights.js');
    const model = resnet('resnet50', { init: 'none' });
    model.loadStateDict(ruleStateDict(model));
    const plan = lowerResNet(model);
    const x = ruleTensor('input', [3, 3, 64, 80]);
    const ref = await kernelExecutor(createJsBackend()).compile(plan).run(x.data, [3, 3, 64, 80]);
    const ex = createWasmExecutor(nodeWasmPlatform, { threads: 2, simd: 'relaxed' });
    const got = await ex.compile(plan).run(x.data, [3, 3, 64, 80]);
    let maxAbs = 0, maxRef = 0;
    ref[0].data.forEach((v, i) => { maxAbs = Math.max(maxAbs, Math.abs(got[0].data[i] - v)); maxRef = Math.max(maxRef, Math.abs(v)); });
    console.log(JSON.stringify({ variant: (await ex.info()).variant, rel: maxAbs / maxRef }));
    await ex.shutdown();`;
    const root = new URL('../..', import.meta.url);
    const r = spawnSync(
      process.execPath,
      ['--experimental-wasm-relaxed-simd', '--input-type=module', '-e', script],
      {
        cwd: root,
        encoding: 'utf8',
      },
    );
    assert.equal(r.status, 0, r.stderr);
    const { variant, rel } = JSON.parse(r.stdout) as { variant: string; rel: number };
    assert.equal(variant, 'relaxed-mt');
    assert.ok(rel <= RTOL, `relaxed build: relative ${rel} (tolerance ${RTOL})`);
  },
);

test('wasm: a missing or mistyped op field is a TypeError naming the op and the field', () => {
  const { ops } = toWasmOps(lowerResNet(ruleModel('resnet18')));
  assert.equal(checkWasmOps(ops), ops);
  const conv = ops.findIndex((op) => op.op === 'conv');
  const without = ops.map((op, i) => (i === conv ? { ...op, strideH: undefined } : op));
  assert.throws(() => checkWasmOps(without), {
    name: 'TypeError',
    message: `wasm plan op ${conv} (conv): field 'strideH' must be count`,
  });
  const mistyped = ops.map((op, i) => (i === conv ? { ...op, weight: [1, 2, 3] } : op));
  assert.throws(() => checkWasmOps(mistyped), {
    message: `wasm plan op ${conv} (conv): field 'weight' must be tensor`,
  });
  assert.throws(() => checkWasmOps([{ op: 'softmax' }]), { message: "wasm plan op 0: unknown op 'softmax'" });
});

test('wasm: a weight of the wrong length is refused by the worker, naming op and field', async () => {
  const plan = lowerResNet(ruleModel('resnet18'));
  const first = plan.ops[0];
  assert.equal(first.kind, 'conv');
  const bad: Plan = { ...plan, ops: [{ ...first, weight: new Float32Array(5) }, ...plan.ops.slice(1)] };
  const compiled = executors[0].executor.compile(bad);
  await assert.rejects(compiled.run(new Float32Array(3 * 64 * 64), [1, 3, 64, 64]), {
    message: /wasm plan op 1 \(conv\): field 'weight' has 5 values, expected 9408/,
  });
});

test('wasm: the runner takes it by option and by $RESNET50_BACKEND', async () => {
  const model = ruleModel('resnet18');
  const x = ruleTensor('runner.input', [1, 3, 64, 64]);
  const expected = model.call(x);
  const byOption = createRunner(model, { backend: 'wasm' });
  assert.equal(byOption.backend, 'wasm');
  assertClose((await byOption.forward(x)).data, expected.data, RTOL, 'runner { backend: wasm }');
  byOption.dispose();
  const saved = process.env.RESNET50_BACKEND;
  process.env.RESNET50_BACKEND = 'wasm';
  try {
    assert.equal(createRunner(model).backend, 'wasm');
  } finally {
    if (saved === undefined) delete process.env.RESNET50_BACKEND;
    else process.env.RESNET50_BACKEND = saved;
  }
});
