/**
 * int8 inference in the native engine. Every int8 op kind (a 1×1 and a 3×3 conv reading a float32
 * tensor through a u8 copy, a strided projection shortcut as a float32 residual, a chain whose
 * middle tensor stays u8, a block whose input is u8 for both its first conv and its residual, rows
 * wider than two 16-pixel tiles and rows of 7) on every int8 path this machine has (amx and the
 * VNNI paths where the CPU has them, amx-emulated and fp32-emulated everywhere), against the float32
 * reference executor within a bound derived from the quantization steps, and the paths against each
 * other bit for bit (the sums are exact integers, so the AMX tiles give the VNNI paths' bits; a wrong
 * tile stride, shape or a dropped partial tile would not). Then ResNet-18 (BN
 * statistics randomized) calibrated on the test photos: int8 logits' cosine to float32 ≥ 0.999 and
 * the same top-1. The cosine bound: 1 − cos ≈ ε²/2 for a relative error ε of the logits, so 0.999
 * allows ε ≈ 4.5 %; each of the 19 int8 layers adds about 1/255/√12 ≈ 0.1 % of its input's range
 * (u8 rounding, uniform) plus the weights' per-channel rounding, which, growing at most linearly
 * with depth, stays well under that (measured: 0.9999).
 *
 * The bound, per tensor t (E[t] its largest error, M[t] its largest value, from the reference): an
 * int8 conv reads its input rounded at scale a (error ≤ E[in] + a/2, no clipping as a ≥ M/255 here)
 * and its weights rounded per output channel at s_o = max|w_o|/127 (|Δw| ≤ s_o/2), so with K taps
 *
 *   E[out] ≤ max_o (‖w_o‖₁ + K·s_o/2)·(E[in] + a/2) + max_o (K·s_o/2)·M[in] + E[residual] (+ a_r/2
 *            when the residual is read as u8),
 *
 * plus 10⁻⁵·(|values|) for the float32 sums; ReLU changes no bound. Float convs: ‖w_o‖₁·E[in].
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { createJsBackend } from '../src/backends/js/index.js';
import { kernelExecutor } from '../src/backends/kernel_executor.js';
import { nativeAddon, type Int8Path } from '../src/backends/native/addon.js';
import { withBackend } from '../src/backends/registry.js';
import type { ConvOp, Plan, PlanOp } from '../src/plan/plan.js';
import { resnet } from '../src/model/resnet.js';
import { calibrate, U8_LEVELS } from '../src/tasks/calibrate.js';
import { createRunner } from '../src/tasks/runner.js';
import { imageTensor } from '../src/tasks/input.js';
import { Rng } from '../src/tensor/random.js';
import { Tensor } from '../src/tensor/tensor.js';
import { IMAGES } from './helpers/cli.js';
import { NATIVE_SKIP, normalValues, runOnPath } from './helpers/native.js';
import { cosineSimilarity } from './helpers/compare.js';

const reference = kernelExecutor(createJsBackend());

/** The int8 paths to test: the emulations always, the AMX and VNNI paths where the CPU has them. */
function int8Paths(): Int8Path[] {
  const addon = nativeAddon();
  if (addon === null) return [];
  const initial = addon.configure().int8;
  const paths: Int8Path[] = [];
  for (const path of ['amx', 'avx512vnni', 'avxvnni', 'amx-emulated', 'fp32-emulated'] as const) {
    try {
      addon.configure({ int8: path });
      paths.push(path);
    } catch {
      // this CPU lacks the instructions
    }
  }
  addon.configure({ int8: initial });
  return paths;
}

function conv(
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
    name: `conv${output}`,
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

interface OpCase {
  name: string;
  input: number[];
  /** Ops after a float32 3×3 conv + ReLU (slot 1) on the input; `quantized` convs get a scale. */
  ops: PlanOp[];
  quantized: number[];
  output: number;
}

const CASES: OpCase[] = [
  {
    name: '1×1 conv + ReLU (float32 input, u8 copy)',
    input: [2, 8, 9, 11],
    ops: [conv(1, 2, 32, 48, 1, 1, 1, { relu: true })],
    quantized: [2],
    output: 2,
  },
  {
    name: '3×3 conv, 20 output channels',
    input: [1, 8, 10, 13],
    ops: [conv(1, 2, 32, 20, 3, 1, 2)],
    quantized: [2],
    output: 2,
  },
  {
    name: 'strided 1×1 projection (float32) as the residual of a 3×3/2 conv + ReLU',
    input: [2, 8, 12, 9],
    ops: [conv(1, 2, 32, 48, 1, 2, 5), conv(1, 3, 32, 48, 3, 2, 6, { residual: 2, relu: true })],
    quantized: [2, 3],
    output: 3,
  },
  {
    name: 'a chain: 1×1 + ReLU into 3×3 (the middle tensor u8)',
    input: [1, 8, 16, 15],
    ops: [conv(1, 2, 32, 64, 1, 1, 7, { relu: true }), conv(2, 3, 64, 32, 3, 1, 8)],
    quantized: [2, 3],
    output: 3,
  },
  {
    name: 'rows of 37 pixels (tiles of 16 + 16, then 5) into a 3×3/2 to rows of 19 (16 + 3), 3 output blocks',
    input: [1, 8, 5, 37],
    ops: [conv(1, 2, 32, 64, 3, 1, 13, { relu: true }), conv(2, 3, 64, 48, 3, 2, 14)],
    quantized: [2, 3],
    output: 3,
  },
  {
    name: 'rows of 7 pixels: 3×3 into a 1×1 with the u8 input as residual, 4 output blocks per tile group',
    input: [2, 8, 7, 7],
    ops: [
      conv(1, 2, 32, 64, 3, 1, 15, { relu: true }),
      conv(2, 3, 64, 32, 1, 1, 16, { residual: 1, relu: true }),
    ],
    quantized: [2, 3],
    output: 3,
  },
  {
    name: 'a bottleneck whose input is u8 for its first conv and its residual',
    input: [2, 8, 8, 8],
    ops: [
      conv(1, 2, 32, 32, 1, 1, 9, { relu: true }),
      conv(2, 3, 32, 16, 1, 1, 10, { relu: true }),
      conv(3, 4, 16, 16, 3, 1, 11, { relu: true }),
      conv(4, 5, 16, 32, 1, 1, 12, { residual: 2, relu: true }),
    ],
    quantized: [2, 3, 4, 5],
    output: 5,
  },
];

const maxAbs = (v: Float32Array): number => v.reduce((m, x) => Math.max(m, Math.abs(x)), 0);

/** max_o ‖w_o‖₁ and max_o s_o (= max |w_o| / 127) of a conv's weight, and its taps K. */
function weightNorms(op: ConvOp): { l1: number; step: number; taps: number } {
  const w = op.weight as Float32Array;
  const taps = w.length / op.outChannels;
  let l1 = 0;
  let step = 0;
  for (let o = 0; o < op.outChannels; o++) {
    const row = w.subarray(o * taps, (o + 1) * taps);
    l1 = Math.max(
      l1,
      row.reduce((s, v) => s + Math.abs(v), 0),
    );
    step = Math.max(step, maxAbs(row) / 127);
  }
  return { l1, step, taps };
}

for (const c of CASES) {
  test(
    `int8 ${c.name}: every path within the quantization bound of fp32, paths bit-identical`,
    { skip: NATIVE_SKIP },
    async () => {
      const stem = conv(0, 1, c.input[1], 32, 3, 1, 100, { relu: true });
      const ops = [stem, ...c.ops];
      const x = new Tensor(normalValues(c.input, 42), c.input);
      const shape = c.input as [number, number, number, number];
      // Every slot's float32 values (M), then each quantized conv's input scale from them.
      const slots = ops.map((op) => op.output);
      const all = await reference
        .compile({
          inputChannels: c.input[1],
          minInputSize: 1,
          ops,
          outputs: slots.map((s) => ({ name: `${s}`, slot: s })),
        })
        .run(x.data, shape);
      const M = new Map(slots.map((s, i) => [s, maxAbs(all[i].data)]));
      const quantized = ops.map((op) =>
        op.kind === 'conv' && c.quantized.includes(op.output)
          ? { ...op, inputScale: Math.fround((M.get(op.input)! * 1.02) / U8_LEVELS) }
          : op,
      ) as ConvOp[];
      // The scale each tensor is read at: the largest of its quantized readers' (the engine's rule).
      const readScale = new Map<number, number>();
      for (const op of quantized)
        if (op.inputScale !== undefined)
          readScale.set(op.input, Math.max(readScale.get(op.input) ?? 0, op.inputScale));
      const E = new Map<number, number>([[1, 0]]);
      for (const op of quantized.slice(1)) {
        const { l1, step, taps } = weightNorms(op);
        const eIn = E.get(op.input)!;
        let e = l1 * eIn;
        if (op.inputScale !== undefined) {
          const a = readScale.get(op.input)!;
          e = (l1 + (taps * step) / 2) * (eIn + a / 2) + ((taps * step) / 2) * M.get(op.input)!;
        }
        if (op.residual !== null) {
          e += E.get(op.residual)!;
          // A residual that only quantized convs read is held as u8.
          const u8 = quantized.every(
            (r) => (r.input !== op.residual && r.residual !== op.residual) || r.inputScale !== undefined,
          );
          if (u8 && readScale.has(op.residual)) e += readScale.get(op.residual)! / 2;
        }
        E.set(op.output, e + 1e-5 * M.get(op.output)!);
      }
      const bound = E.get(c.output)!;
      const plan: Plan = {
        inputChannels: c.input[1],
        minInputSize: 1,
        ops: quantized,
        outputs: [{ name: 'y', slot: c.output }],
      };
      const expected = all[slots.indexOf(c.output)];
      const results: Float32Array[] = [];
      const paths = int8Paths();
      assert.ok(paths.includes('fp32-emulated'));
      for (const path of paths) {
        const [got] = await runOnPath(plan, 'int8', path, x);
        assert.deepEqual(got.shape, expected.shape);
        let worst = 0;
        for (let i = 0; i < got.data.length; i++)
          worst = Math.max(worst, Math.abs(got.data[i] - expected.data[i]));
        const ref = maxAbs(expected.data);
        assert.ok(
          worst <= bound,
          `${path}: max|Δ| ${worst.toExponential(3)}, max|ref| ${ref.toExponential(3)}, relative ` +
            `${(worst / ref).toExponential(3)}; bound ${bound.toExponential(3)}`,
        );
        // Not a bound that any output meets: int8 differs from fp32 by more than float rounding.
        assert.ok(worst > 1e-4 * ref, `${path}: max|Δ| ${worst} is float32 rounding, not int8`);
        results.push(got.data);
      }
      for (let i = 1; i < results.length; i++) {
        const differ = results[0].findIndex((v, j) => !Object.is(v, results[i][j]));
        assert.equal(differ, -1, `${paths[0]} and ${paths[i]} differ at element ${differ}`);
      }
    },
  );
}

/** ResNet-18 as torchvision initializes it, with batch-norm statistics and affine randomized. */
function randomizedResNet18() {
  const model = resnet('resnet18');
  const rng = new Rng(18);
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
  'int8 ResNet-18 calibrated on the photos: logits cosine ≥ 0.999 and top-1 equal to fp32; paths bit-identical',
  { skip: NATIVE_SKIP },
  async (t) => {
    const model = randomizedResNet18();
    const photos = PHOTOS.map((p) => imageTensor(join(IMAGES, p), 'imagenet-v1'));
    const x = new Tensor(new Float32Array(photos.flatMap((p) => [...p.data])), [photos.length, 3, 224, 224]);
    const thresholds = withBackend('native', () => calibrate(model, [x]));
    const inputScales = new Map([...thresholds].map(([k, v]) => [k, v / U8_LEVELS]));
    // Every conv but the stem reads a ReLU's output: 19 of ResNet-18's 20 convs are int8.
    assert.equal(inputScales.size, 19);
    const fp32 = createRunner(model, { backend: 'native' });
    const int8 = createRunner(model, { backend: 'native', precision: 'int8', inputScales });
    assert.equal(int8.precision, 'int8');
    const expected = await fp32.forward(x);
    const got = await int8.forward(x);
    assert.ok(
      int8.weightBytes() < 0.4 * fp32.weightBytes(),
      `int8 holds ${int8.weightBytes()} bytes of weights, fp32 ${fp32.weightBytes()}`,
    );
    fp32.dispose();
    int8.dispose();
    const classes = expected.shape[1];
    for (let n = 0; n < photos.length; n++) {
      const e = expected.data.subarray(n * classes, (n + 1) * classes);
      const g = got.data.subarray(n * classes, (n + 1) * classes);
      const cosine = cosineSimilarity(e, g);
      t.diagnostic(`${PHOTOS[n]}: cosine ${cosine.toFixed(5)}`);
      const argmax = (v: Float32Array) => v.indexOf(Math.max(...v));
      assert.ok(cosine >= 0.999, `${PHOTOS[n]}: cosine ${cosine} < 0.999`);
      assert.equal(argmax(g), argmax(e), `${PHOTOS[n]}: top-1 ${argmax(g)} in int8, ${argmax(e)} in fp32`);
    }
    // The whole network on each path, bit for bit (one photo: the emulation is slow).
    const { lowerResNet } = await import('../src/model/plan.js');
    const plan = lowerResNet(model, ['output']);
    const scaled: Plan = {
      ...plan,
      ops: plan.ops.map((op) =>
        op.kind === 'conv' && inputScales.has(op.name) ? { ...op, inputScale: inputScales.get(op.name) } : op,
      ),
    };
    const one = new Tensor(photos[0].data, [1, 3, 224, 224]);
    const outs = [];
    for (const path of int8Paths())
      outs.push({ path, data: (await runOnPath(scaled, 'int8', path, one))[0].data });
    for (const o of outs.slice(1)) {
      const differ = outs[0].data.findIndex((v, j) => !Object.is(v, o.data[j]));
      assert.equal(
        differ,
        -1,
        `logit ${differ}: ${outs[0].path} ${outs[0].data[differ]}, ${o.path} ${o.data[differ]}`,
      );
    }
    assert.deepEqual([...outs[0].data.subarray(0, 8)], [...got.data.subarray(0, 8)]);
  },
);

test(
  'int8 without activation scales is refused with one sentence naming quantize',
  { skip: NATIVE_SKIP },
  () => {
    const model = resnet('resnet18', { init: 'none' });
    assert.throws(
      () => createRunner(model, { backend: 'native', precision: 'int8' }),
      /^OptionError: Precision int8 \(options.precision\) needs calibrated activation scales, .* run `resnet50 quantize` on them first/,
    );
    assert.throws(
      () =>
        createRunner(model, {
          backend: 'js',
          precision: 'int8',
          inputScales: new Map([['layer1.0.conv1', 0.1]]),
        }),
      /js backend computes in fp32 only/,
    );
    assert.match(
      createRunner(model, {
        backend: 'native',
        precision: 'int8',
        inputScales: new Map([['layer1.0.conv1', 0.1]]),
      }).kernelPath,
      /^(amx|avx512vnni|avxvnni|fp32-emulated)$/,
    );
  },
);
