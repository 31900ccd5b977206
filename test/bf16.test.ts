/**
 * bf16 inference in the native engine. Every op kind (1×1, 3×3, the 7×7/2 stem reading the image,
 * a strided projection shortcut feeding a residual + ReLU epilogue, max / average / global max
 * pools, the linear head) on both bf16 paths this machine has (avx512bf16 where the CPU has it, and
 * fp32-emulated everywhere): against the float32 reference executor (js) within a bound derived from
 * bf16's 8-bit significand, and the two paths against each other bit for bit. Then the whole
 * ResNet-50 (torchvision initialization, batch-norm statistics randomized) on the test photos:
 * logits' cosine to float32 ≥ 0.999 and the same top-1 class.
 *
 * The bound: the inputs are bf16 values already; a conv rounds its weights (relative error ≤ 2⁻⁹
 * each) and its output (≤ 2⁻⁹), and accumulates in float32 (K·2⁻²⁴, with a 1 % margin here). With
 * S = the same plan run on |x| with |weights|, |bias| (no ReLU) — a bound on every partial sum —
 * each output is within 2⁻⁸·S per conv on its longest path: |Δ| ≤ stages·2⁻⁸·S element-wise. Pools
 * add no rounding (max is exact, the mean is float32).
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { createJsBackend } from '../src/backends/js/index.js';
import { kernelExecutor } from '../src/backends/kernel_executor.js';
import { nativeAddon } from '../src/backends/native/addon.js';
import type { ConvOp, LinearOp, Plan, PlanOp } from '../src/plan/plan.js';
import { resnet } from '../src/model/resnet.js';
import { createRunner } from '../src/tasks/runner.js';
import { imageTensor } from '../src/tasks/input.js';
import { roundToBf16 } from '../src/tensor/float16.js';
import { Rng } from '../src/tensor/random.js';
import { Tensor } from '../src/tensor/tensor.js';
import { IMAGES } from './helpers/cli.js';
import { NATIVE_SKIP, normalValues, runOnPath } from './helpers/native.js';
import { cosineSimilarity } from './helpers/compare.js';

const reference = kernelExecutor(createJsBackend());

/** The bf16 paths to test: the emulation always, the hardware path where the CPU has it. */
function bf16Paths(): ('avx512bf16' | 'fp32-emulated')[] {
  const addon = nativeAddon();
  if (addon === null) return [];
  const initial = addon.configure().bf16;
  try {
    addon.configure({ bf16: 'avx512bf16' });
    return ['avx512bf16', 'fp32-emulated'];
  } catch {
    return ['fp32-emulated'];
  } finally {
    addon.configure({ bf16: initial });
  }
}

function conv(
  name: string,
  input: number,
  output: number,
  c: number,
  oc: number,
  k: number,
  stride: number,
  seed: number,
  extra: Partial<ConvOp> = {},
): ConvOp {
  const pad = (k - 1) >> 1;
  return {
    kind: 'conv',
    name,
    input,
    output,
    inChannels: c,
    outChannels: oc,
    kernel: [k, k],
    stride: [stride, stride],
    padding: [pad, pad],
    weight: normalValues([oc, c, k, k], seed, Math.sqrt(2 / (c * k * k))),
    bias: normalValues([oc], seed + 1, 0.1),
    batchNorm: null,
    residual: null,
    relu: false,
    ...extra,
  };
}

const abs = (t: unknown): Float32Array => (t as Float32Array).map(Math.abs);

/** `plan` on |x| with |weights| and |bias| and no ReLU: a bound on every partial sum (see the top). */
function magnitudePlan(plan: Plan): Plan {
  const ops = plan.ops.map((op): PlanOp => {
    if (op.kind === 'conv') return { ...op, weight: abs(op.weight), bias: abs(op.bias), relu: false };
    if (op.kind === 'linear')
      return { ...op, weight: abs(op.weight), bias: op.bias && abs(op.bias) } as LinearOp;
    return op;
  });
  return { ...plan, ops };
}

interface OpCase {
  name: string;
  input: number[];
  /** Roundings on the longest path to the output (default 1), see the bound at the top. */
  stages?: number;
  ops: PlanOp[];
  output: number;
}

const CASES: OpCase[] = [
  {
    name: '1×1 conv + ReLU',
    input: [2, 48, 9, 11],
    ops: [conv('c', 0, 1, 48, 32, 1, 1, 1, { relu: true })],
    output: 1,
  },
  { name: '3×3 conv', input: [1, 32, 10, 13], ops: [conv('c', 0, 1, 32, 64, 3, 1, 2)], output: 1 },
  {
    name: '7×7/2 stem on the image, then 3×3/2 max pool',
    input: [1, 3, 37, 41],
    ops: [
      conv('stem', 0, 1, 3, 64, 7, 2, 3, { relu: true }),
      { kind: 'maxPool', input: 1, output: 2, kernel: [3, 3], stride: [2, 2], padding: [1, 1] },
    ],
    output: 2,
  },
  {
    name: '1×1 conv, then a strided projection shortcut into a 3×3/2 conv with residual + ReLU',
    input: [2, 16, 12, 9],
    stages: 3,
    ops: [
      conv('reduce', 0, 1, 16, 32, 1, 1, 4, { relu: true }),
      conv('downsample', 1, 2, 32, 48, 1, 2, 5),
      conv('conv', 1, 3, 32, 48, 3, 2, 6, { residual: 2, relu: true }),
    ],
    output: 3,
  },
  {
    name: 'global average pool and linear head',
    input: [3, 16, 7, 5],
    stages: 2,
    ops: [
      conv('c', 0, 1, 16, 80, 1, 1, 6, { relu: true }),
      { kind: 'globalPool', mode: 'avg', input: 1, output: 2 },
      {
        kind: 'linear',
        name: 'fc',
        input: 2,
        output: 3,
        inFeatures: 80,
        outFeatures: 37,
        weight: normalValues([37, 80], 7, 0.1),
        bias: normalValues([37], 8, 0.1),
      },
    ],
    output: 3,
  },
  {
    name: 'global max pool',
    input: [2, 20, 6, 7],
    ops: [conv('c', 0, 1, 20, 32, 3, 1, 9), { kind: 'globalPool', mode: 'max', input: 1, output: 2 }],
    output: 2,
  },
];

for (const c of CASES) {
  test(
    `bf16 ${c.name}: every path within stages·2⁻⁸·S of fp32, paths bit-identical`,
    { skip: NATIVE_SKIP },
    async () => {
      const plan: Plan = {
        inputChannels: c.input[1],
        minInputSize: 1,
        ops: c.ops,
        outputs: [{ name: 'y', slot: c.output }],
      };
      const x = new Tensor(roundToBf16(normalValues(c.input, 42)), c.input);
      const shape = c.input as [number, number, number, number];
      const [expected] = await reference.compile(plan).run(x.data, shape);
      const xAbs = new Tensor(abs(x.data), c.input);
      const [bound] = await reference.compile(magnitudePlan(plan)).run(xAbs.data, shape);
      const tolerance = (c.stages ?? 1) * 2 ** -8 * 1.01;
      const results: Float32Array[] = [];
      for (const path of bf16Paths()) {
        const [got] = await runOnPath(plan, 'bf16', path, x);
        assert.deepEqual(got.shape, expected.shape);
        let worst = 0;
        let maxAbs = 0;
        let maxRef = 0;
        for (let i = 0; i < got.data.length; i++) {
          const d = Math.abs(got.data[i] - expected.data[i]);
          maxAbs = Math.max(maxAbs, d);
          maxRef = Math.max(maxRef, Math.abs(expected.data[i]));
          worst = Math.max(worst, d / (tolerance * bound.data[i]));
        }
        assert.ok(
          worst <= 1,
          `${path}: max|Δ| ${maxAbs.toExponential(3)}, max|ref| ${maxRef.toExponential(3)}, relative ` +
            `${(maxAbs / maxRef).toExponential(3)}; max |Δ|/(${c.stages ?? 1}·2⁻⁸·S) ${worst.toFixed(3)} (must be ≤ 1)`,
        );
        results.push(got.data);
      }
      for (let i = 1; i < results.length; i++) {
        const differ = results[0].findIndex((v, j) => !Object.is(v, results[i][j]));
        assert.equal(differ, -1, `avx512bf16 and fp32-emulated differ at element ${differ}`);
      }
    },
  );
}

/** ResNet-50 as torchvision initializes it, with batch-norm statistics and affine randomized. */
function randomizedResNet50() {
  const model = resnet('resnet50');
  const rng = new Rng(50);
  const state = model.stateDict();
  for (const [key, t] of state) {
    const u = (lo: number, hi: number) =>
      t.data.forEach((_, i) => (t.data[i] = lo + (hi - lo) * rng.uniform()));
    if (key.endsWith('running_mean')) u(-0.2, 0.2);
    else if (key.endsWith('running_var')) u(0.5, 2);
    else if (/bn\d\.weight$|downsample\.1\.weight$/.test(key)) u(0.5, 1.5);
    else if (/bn\d\.bias$|downsample\.1\.bias$/.test(key)) u(-0.2, 0.2);
  }
  model.loadStateDict(state);
  return model;
}

const PHOTOS = ['astronaut.png', 'camera.png', 'chelsea.png', 'coffee.png', 'rocket.jpg'];

test(
  'bf16 ResNet-50 on the photos: logits cosine ≥ 0.999 and top-1 equal to fp32; emulation = hardware',
  { skip: NATIVE_SKIP },
  async () => {
    const model = randomizedResNet50();
    const photos = PHOTOS.map((p) => imageTensor(join(IMAGES, p), 'imagenet-v1'));
    const x = new Tensor(new Float32Array(photos.flatMap((p) => [...p.data])), [photos.length, 3, 224, 224]);
    const fp32 = createRunner(model, { backend: 'native' });
    const bf16 = createRunner(model, { backend: 'native', precision: 'bf16' });
    assert.equal(bf16.precision, 'bf16');
    const expected = await fp32.forward(x);
    const got = await bf16.forward(x);
    assert.ok(
      bf16.weightBytes() < 0.6 * fp32.weightBytes(),
      `bf16 holds ${bf16.weightBytes()} bytes of weights, fp32 ${fp32.weightBytes()}`,
    );
    fp32.dispose();
    bf16.dispose();
    const classes = expected.shape[1];
    for (let n = 0; n < photos.length; n++) {
      const e = expected.data.subarray(n * classes, (n + 1) * classes);
      const g = got.data.subarray(n * classes, (n + 1) * classes);
      const cosine = cosineSimilarity(e, g);
      const argmax = (v: Float32Array) => v.indexOf(Math.max(...v));
      assert.ok(cosine >= 0.999, `${PHOTOS[n]}: cosine ${cosine} < 0.999`);
      assert.equal(
        argmax(g),
        argmax(e),
        `${PHOTOS[n]}: top-1 ${argmax(g)} in bf16, ${argmax(e)} in fp32 (cosine ${cosine})`,
      );
    }
    // The whole network on the emulation equals the hardware path bit for bit (one photo: it is slow).
    const paths = bf16Paths();
    if (paths.length === 2) {
      const plan = (await import('../src/model/plan.js')).lowerResNet(model, ['output']);
      const one = new Tensor(photos[0].data, [1, 3, 224, 224]);
      const [hw] = await runOnPath(plan, 'bf16', 'avx512bf16', one);
      const [emulated] = await runOnPath(plan, 'bf16', 'fp32-emulated', one);
      const differ = hw.data.findIndex((v, j) => !Object.is(v, emulated.data[j]));
      assert.equal(
        differ,
        -1,
        `logit ${differ}: avx512bf16 ${hw.data[differ]}, fp32-emulated ${emulated.data[differ]}`,
      );
      assert.deepEqual([...hw.data.subarray(0, 8)], [...got.data.subarray(0, 8)]);
    }
  },
);

test(
  'precision is checked: int8 needs activation scales, bf16 only where the executor compiles it',
  { skip: NATIVE_SKIP },
  () => {
    const model = resnet('resnet18', { init: 'none' });
    assert.throws(
      () => createRunner(model, { backend: 'native', precision: 'int8' }),
      /int8 \(options.precision\) needs calibrated activation scales/,
    );
    assert.throws(
      () => createRunner(model, { backend: 'js', precision: 'bf16' }),
      /js backend computes in fp32 only/,
    );
    assert.equal(createRunner(model, { backend: 'js' }).kernelPath, 'js');
    assert.match(
      createRunner(model, { backend: 'native', precision: 'bf16' }).kernelPath,
      /^(avx512bf16|fp32-emulated)$/,
    );
  },
);
