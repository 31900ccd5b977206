/**
 * bf16 inference in the native engine. Every op kind (1×1, 3×3, the 7×7/2 stem reading the image,
 * a strided projection shortcut feeding a residual + ReLU epilogue, max / average / global max
 * pools, the linear head, rows wider than two 16-pixel tiles and rows of 7) on every bf16 path this
 * machine has (amx and avx512bf16 where the CPU has them, amx-emulated and fp32-emulated everywhere):
 * against the float32 reference executor (js) within a bound derived from bf16's 8-bit significand,
 * and the paths of one summation order against each other bit for bit: avx512bf16 = fp32-emulated
 * (vdpbf16ps, pair by pair into the accumulator) and amx = amx-emulated (TDPBF16PS, which sums each
 * instruction's 8 pairs' even and odd products apart before adding them to C, per the Intel SDM).
 * amx-emulated is also checked bit for bit against that order computed here in TypeScript, so a
 * wrong tile stride, shape or a dropped partial tile fails. Then the whole ResNet-50 (torchvision
 * initialization, batch-norm statistics randomized) on the test photos: logits' cosine to float32
 * ≥ 0.999 and the same top-1 class, on the default path and on amx-emulated.
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
import { nativeAddon, type Bf16Path } from '../src/backends/native/addon.js';
import type { ConvOp, LinearOp, Plan, PlanOp } from '../src/plan/plan.js';
import { resnet } from '../src/model/resnet.js';
import { createRunner } from '../src/tasks/runner.js';
import { imageTensor } from '../src/tasks/input.js';
import { bf16BitsToFloat, floatToBf16Bits, roundToBf16 } from '../src/tensor/float16.js';
import { Rng } from '../src/tensor/random.js';
import { Tensor } from '../src/tensor/tensor.js';
import { IMAGES } from './helpers/cli.js';
import { NATIVE_SKIP, normalValues, runOnPath } from './helpers/native.js';
import { cosineSimilarity } from './helpers/compare.js';

const reference = kernelExecutor(createJsBackend());

/** The bf16 paths to test: the emulations always, the hardware paths where the CPU has them. */
function bf16Paths(): Bf16Path[] {
  const addon = nativeAddon();
  if (addon === null) return [];
  const initial = addon.configure().bf16;
  const paths: Bf16Path[] = [];
  for (const path of ['amx', 'avx512bf16', 'amx-emulated', 'fp32-emulated'] as const) {
    try {
      addon.configure({ bf16: path });
      paths.push(path);
    } catch {
      // this CPU lacks the instructions
    }
  }
  addon.configure({ bf16: initial });
  return paths;
}

/** The summation order of a path: paths of one order give the same bits. */
const order = (path: Bf16Path): string => (path.startsWith('amx') ? 'TDPBF16PS' : 'VDPBF16PS');

/** The first element where two paths' outputs differ (-1: none), as an assertion message. */
function assertSameBits(a: { path: string; data: Float32Array }, b: { path: string; data: Float32Array }) {
  const differ = a.data.findIndex((v, j) => !Object.is(v, b.data[j]));
  assert.equal(
    differ,
    -1,
    `element ${differ}: ${a.path} ${a.data[differ]}, ${b.path} ${b.data[differ]} (must be bit-identical)`,
  );
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

/** float32 → bf16 as the engine's to_bf16: round to nearest even, a denormal to a signed zero. */
const toBf16 = (v: number): number => (Math.abs(v) < 2 ** -126 ? v * 0 : bf16BitsToFloat(floatToBf16Bits(v)));
/** A float32 sum with DAZ/FTZ (a denormal result flushed to a signed zero). */
const add = (a: number, b: number): number => {
  const r = Math.fround(a + b);
  return Math.abs(r) < 2 ** -126 ? r * 0 : r;
};

/**
 * A bf16 conv with the AMX kernels' summation order, every step a float32 add with DAZ/FTZ (a
 * product of two bf16 is exact): from the image (the stem's channel pairs, which the AMX path leaves
 * to the vdpbf16ps kernels) pair by pair into C = bias, odd product then even; from a blocked tensor
 * (the tiles) per (16-channel block, ky, kx) one TDPBF16PS as the Intel SDM writes it: the 8 pairs'
 * even products and odd products summed apart from 0, then C += (even + odd). Then + residual, ReLU
 * and the rounding to bf16. x: NCHW bf16 values.
 */
function tileOrderConv(
  op: ConvOp,
  x: Float32Array,
  shape: number[],
  fromImage: boolean,
  residual?: Float32Array,
) {
  const [N, C, H, W] = shape;
  const [KH, KW] = op.kernel;
  const [SH, SW] = op.stride;
  const [PH, PW] = op.padding;
  const OH = Math.floor((H + 2 * PH - KH) / SH) + 1;
  const OW = Math.floor((W + 2 * PW - KW) / SW) + 1;
  const OC = op.outChannels;
  const w = (op.weight as Float32Array).map(toBf16);
  const bias = op.bias as Float32Array;
  const out = new Float32Array(N * OC * OH * OW);
  for (let n = 0, i = 0; n < N; n++) {
    for (let o = 0; o < OC; o++) {
      for (let oy = 0; oy < OH; oy++) {
        for (let ox = 0; ox < OW; ox++, i++) {
          // input channel c's product at tap (ky, kx): 0 for padding pixels and padding channels
          const p = (c: number, ky: number, kx: number) => {
            const y = oy * SH - PH + ky;
            const xx = ox * SW - PW + kx;
            if (c >= C || y < 0 || y >= H || xx < 0 || xx >= W) return 0;
            return x[((n * C + c) * H + y) * W + xx] * w[((o * C + c) * KH + ky) * KW + kx];
          };
          let acc = add(bias[o], 0);
          for (let cb = 0; cb < (fromImage ? 1 : Math.ceil(C / 16)); cb++) {
            for (let ky = 0; ky < KH; ky++) {
              for (let kx = 0; kx < KW; kx++) {
                if (fromImage) {
                  for (let c = 0; c < C; c += 2) acc = add(add(acc, p(c + 1, ky, kx)), p(c, ky, kx));
                  continue;
                }
                let even = 0;
                let odd = 0;
                for (let k = 0; k < 8; k++) {
                  even = add(even, p(cb * 16 + 2 * k, ky, kx));
                  odd = add(odd, p(cb * 16 + 2 * k + 1, ky, kx));
                }
                acc = add(acc, add(even, odd));
              }
            }
          }
          let r = residual === undefined ? acc : Math.fround(acc + residual[i]);
          if (op.relu) r = r > 0 ? r : 0;
          out[i] = toBf16(r);
        }
      }
    }
  }
  return out;
}

/** The output of a case made of convs only, each computed by tileOrderConv from the image or the slots. */
function tileOrderPlan(c: OpCase, x: Float32Array): Float32Array {
  const slots = new Map<number, { data: Float32Array; shape: number[] }>([[0, { data: x, shape: c.input }]]);
  for (const op of c.ops as ConvOp[]) {
    const input = slots.get(op.input)!;
    const residual = op.residual === null ? undefined : slots.get(op.residual)!.data;
    const data = tileOrderConv(op, input.data, input.shape, op.input === 0, residual);
    const [N, , H, W] = input.shape;
    const OH = Math.floor((H + 2 * op.padding[0] - op.kernel[0]) / op.stride[0]) + 1;
    const OW = Math.floor((W + 2 * op.padding[1] - op.kernel[1]) / op.stride[1]) + 1;
    slots.set(op.output, { data, shape: [N, op.outChannels, OH, OW] });
  }
  return slots.get(c.output)!.data;
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
    name: 'rows of 37 pixels (tiles of 16 + 16, then 5) into a 3×3/2 to rows of 19 (16 + 3), 3 output blocks',
    input: [1, 16, 6, 37],
    stages: 3,
    ops: [
      conv('image', 0, 1, 16, 32, 1, 1, 10, { relu: true }),
      conv('wide', 1, 2, 32, 64, 3, 1, 11, { relu: true }),
      conv('strided', 2, 3, 64, 48, 3, 2, 12),
    ],
    output: 3,
  },
  {
    name: 'rows of 7 pixels: 3×3 and 1×1 with residual + ReLU, 4 output blocks per tile group',
    input: [2, 16, 7, 7],
    stages: 3,
    ops: [
      conv('image', 0, 1, 16, 64, 1, 1, 13, { relu: true }),
      conv('c3', 1, 2, 64, 64, 3, 1, 14, { relu: true }),
      conv('c1', 2, 3, 64, 64, 1, 1, 15, { residual: 1, relu: true }),
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
    `bf16 ${c.name}: every path within stages·2⁻⁸·S of fp32, paths of one order bit-identical`,
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
      const results: { path: Bf16Path; data: Float32Array }[] = [];
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
        results.push({ path, data: got.data });
      }
      for (const r of results) {
        const first = results.find((q) => order(q.path) === order(r.path))!;
        if (first !== r) assertSameBits(first, r);
      }
      if (c.ops.every((op) => op.kind === 'conv')) {
        const tiles = { path: 'the tile order in TypeScript', data: tileOrderPlan(c, x.data) };
        for (const r of results.filter((q) => order(q.path) === 'TDPBF16PS')) assertSameBits(tiles, r);
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
  'bf16 ResNet-50 on the photos: logits cosine ≥ 0.999 and top-1 equal to fp32 on every path; emulations = hardware',
  { skip: NATIVE_SKIP },
  async (t) => {
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
    // The whole network on every path (one photo: the emulations are slow): within the same cosine
    // and top-1 of fp32, and bit for bit between the paths of one summation order.
    const { lowerResNet } = await import('../src/model/plan.js');
    const plan = lowerResNet(model, ['output']);
    const one = new Tensor(photos[0].data, [1, 3, 224, 224]);
    const e0 = expected.data.subarray(0, classes);
    const outs: { path: Bf16Path; data: Float32Array }[] = [];
    for (const path of bf16Paths()) {
      const [y] = await runOnPath(plan, 'bf16', path, one);
      const cosine = cosineSimilarity(e0, y.data);
      t.diagnostic(`${path}: ${PHOTOS[0]} cosine ${cosine.toFixed(6)}`);
      assert.ok(cosine >= 0.999, `${path}: ${PHOTOS[0]}: cosine ${cosine} < 0.999`);
      assert.equal(y.data.indexOf(Math.max(...y.data)), e0.indexOf(Math.max(...e0)), `${path}: top-1`);
      const first = outs.find((o) => order(o.path) === order(path));
      if (first !== undefined) assertSameBits(first, { path, data: y.data });
      outs.push({ path, data: y.data });
    }
    const chosen = outs.find((o) => o.path === bf16.kernelPath)!;
    assert.deepEqual([...chosen.data.subarray(0, 8)], [...got.data.subarray(0, 8)]);
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
      /^(amx|avx512bf16|fp32-emulated)$/,
    );
  },
);
