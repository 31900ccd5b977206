/**
 * Small inference plans covering every op kind the WebAssembly engine runs, and a whole ResNet-18,
 * with their inputs: deterministic (rule weights), so that Node (the reference executor) and a page
 * (the wasm executor, test/wasm_browser.test.ts) build the same ones. `run` is the page's side: it
 * runs every case on the wasm executor with two threads (one where the page is not cross-origin
 * isolated) and returns the outputs as numbers.
 */
import { createWasmExecutor } from '../../src/backends/wasm/executor.js';
import { webWasmPlatform } from '../../src/backends/wasm/platform_web.js';
import { lowerResNet } from '../../src/model/plan.js';
import { resnet } from '../../src/model/resnet.js';
import type { ConvOp, Pair, Plan, PlanOp } from '../../src/plan/plan.js';
import { ruleStateDict, ruleTensor } from './rule_weights.js';

export interface WasmCase {
  name: string;
  plan: () => Plan;
  shape: [number, number, number, number];
}

const values = (key: string, shape: readonly number[]): Float32Array => ruleTensor(key, shape).data;

interface ConvSpec {
  input: number;
  output: number;
  inChannels: number;
  outChannels: number;
  kernel: number;
  stride?: number;
  padding?: number;
  bias?: boolean;
  batchNorm?: boolean;
  residual?: number;
  relu?: boolean;
}

/** A conv op with rule weights named after it (`name.weight`, `name.bn.mean`, …). */
function conv(name: string, spec: ConvSpec): ConvOp {
  const { inChannels: c, outChannels: oc, kernel: k } = spec;
  const pair = (v: number): Pair => [v, v];
  return {
    kind: 'conv',
    name,
    input: spec.input,
    output: spec.output,
    inChannels: c,
    outChannels: oc,
    kernel: pair(k),
    stride: pair(spec.stride ?? 1),
    padding: pair(spec.padding ?? 0),
    weight: values(`${name}.weight`, [oc, c, k, k]),
    bias: spec.bias === true ? values(`${name}.bias`, [oc]) : null,
    batchNorm:
      spec.batchNorm === true
        ? {
            weight: values(`${name}.bn.weight`, [oc]),
            bias: values(`${name}.bn.bias`, [oc]),
            mean: values(`${name}.bn.running_mean`, [oc]),
            variance: values(`${name}.bn.running_var`, [oc]),
            eps: 1e-5,
          }
        : null,
    residual: spec.residual ?? null,
    relu: spec.relu ?? false,
  };
}

/** A plan of these ops whose outputs are the given slots. */
const plan = (inputChannels: number, ops: PlanOp[], outputs: number[]): Plan => ({
  inputChannels,
  minInputSize: 1,
  ops,
  outputs: outputs.map((slot) => ({ name: `slot ${slot}`, slot })),
});

/** 3×3, stride 1, padding 1 (Winograd where the map is at least 4×4), with bias, residual and ReLU. */
const winograd = (name: string, channels: number, h: number, w: number, n: number): WasmCase => ({
  name,
  shape: [n, channels, h, w],
  plan: () =>
    plan(
      channels,
      [
        conv(`${name}.a`, {
          input: 0,
          output: 1,
          inChannels: channels,
          outChannels: channels,
          kernel: 3,
          padding: 1,
          batchNorm: true,
          relu: true,
        }),
        conv(`${name}.b`, {
          input: 1,
          output: 2,
          inChannels: channels,
          outChannels: channels,
          kernel: 3,
          padding: 1,
          bias: true,
          residual: 0,
          relu: true,
        }),
      ],
      [2],
    ),
});

export const WASM_CASES: WasmCase[] = [
  {
    name: 'conv 1×1 (bias, ReLU) and 1×1 stride 2 (batch norm), odd channels',
    shape: [2, 20, 9, 11],
    plan: () =>
      plan(
        20,
        [
          conv('pw', {
            input: 0,
            output: 1,
            inChannels: 20,
            outChannels: 36,
            kernel: 1,
            bias: true,
            relu: true,
          }),
          conv('down', {
            input: 0,
            output: 2,
            inChannels: 20,
            outChannels: 40,
            kernel: 1,
            stride: 2,
            batchNorm: true,
          }),
        ],
        [1, 2],
      ),
  },
  {
    name: 'conv 3×3 stride 2 padding 1 with a residual (the 1×1 stride-2 shortcut) and ReLU',
    shape: [2, 24, 13, 10],
    plan: () =>
      plan(
        24,
        [
          conv('short', { input: 0, output: 1, inChannels: 24, outChannels: 24, kernel: 1, stride: 2 }),
          conv('main', {
            input: 0,
            output: 2,
            inChannels: 24,
            outChannels: 24,
            kernel: 3,
            stride: 2,
            padding: 1,
            bias: true,
            batchNorm: true,
            residual: 1,
            relu: true,
          }),
        ],
        [2],
      ),
  },
  {
    name: 'stem: conv 7×7 stride 2 padding 3 (batch norm, ReLU), then max pool 3×3 stride 2 padding 1',
    shape: [2, 3, 23, 18],
    plan: () =>
      plan(
        3,
        [
          conv('stem', {
            input: 0,
            output: 1,
            inChannels: 3,
            outChannels: 8,
            kernel: 7,
            stride: 2,
            padding: 3,
            batchNorm: true,
            relu: true,
          }),
          { kind: 'maxPool', input: 1, output: 2, kernel: [3, 3], stride: [2, 2], padding: [1, 1] },
        ],
        [1, 2],
      ),
  },
  winograd('3×3 stride 1 at 3×3 (direct)', 32, 3, 3, 2),
  winograd('3×3 stride 1 at 7×7 (Winograd F2)', 32, 7, 7, 2),
  winograd('3×3 stride 1 at 13×17 (Winograd F2)', 24, 13, 17, 1),
  winograd('3×3 stride 1 at 28×28 (Winograd F4)', 16, 28, 28, 1),
  {
    name: 'global average and max pools, and a linear layer with bias',
    shape: [3, 24, 5, 7],
    plan: () =>
      plan(
        24,
        [
          { kind: 'globalPool', mode: 'avg', input: 0, output: 1 },
          { kind: 'globalPool', mode: 'max', input: 0, output: 2 },
          {
            kind: 'linear',
            name: 'fc',
            input: 1,
            output: 3,
            inFeatures: 24,
            outFeatures: 10,
            weight: values('fc.weight', [10, 24]),
            bias: values('fc.bias', [10]),
          },
        ],
        [1, 2, 3],
      ),
  },
  {
    name: 'zero-pad shortcut (stride 2, 16 → 40 channels) as the residual of a conv',
    shape: [2, 16, 9, 12],
    plan: () =>
      plan(
        16,
        [
          { kind: 'zeroPadShortcut', input: 0, output: 1, outChannels: 40, stride: 2 },
          conv('block', {
            input: 0,
            output: 2,
            inChannels: 16,
            outChannels: 40,
            kernel: 3,
            stride: 2,
            padding: 1,
            residual: 1,
            relu: true,
          }),
        ],
        [1, 2],
      ),
  },
  ...([1, 3] as const).map((n): WasmCase => ({
    name: `resnet18 logits at 64×48, batch ${n}`,
    shape: [n, 3, 64, 48],
    plan: () => {
      const model = resnet('resnet18', { init: 'none' });
      model.loadStateDict(ruleStateDict(model));
      return lowerResNet(model);
    },
  })),
];

/** The input of a case. */
export const caseInput = (c: WasmCase): Float32Array => values(`${c.name}.input`, c.shape);

export interface WasmBrowserResult {
  crossOriginIsolated: boolean;
  variant: string;
  threads: number;
  /** Per case, its outputs in order. */
  outputs: { shape: number[]; data: number[] }[][];
}

/** The page's side: every case on the wasm executor (two threads when the page may have them). */
export async function run(): Promise<WasmBrowserResult> {
  const executor = createWasmExecutor(webWasmPlatform, { threads: 2 });
  try {
    const outputs: WasmBrowserResult['outputs'] = [];
    for (const c of WASM_CASES) {
      const compiled = executor.compile(c.plan());
      try {
        const results = await compiled.run(caseInput(c), c.shape);
        outputs.push(results.map((r) => ({ shape: r.shape, data: Array.from(r.data) })));
      } catch (e) {
        throw new Error(`${c.name}: ${(e as Error).message}`, { cause: e });
      } finally {
        compiled.dispose();
      }
    }
    const { variant, threads } = await executor.info();
    return { crossOriginIsolated, variant, threads, outputs };
  } finally {
    await executor.shutdown();
  }
}
