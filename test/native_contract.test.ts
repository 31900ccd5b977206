/**
 * The checked contract of a native plan (NativeOp in src/backends/native/addon.ts, read by
 * native/src/plan_reader.cc). A valid plan with every op kind and input layout compiles and runs,
 * with its tensors in memory or in a file; every field of every op missing or mistyped, an unknown
 * op, a negative or unwritten slot, a slot of the wrong layout, a tensor of the wrong length, a
 * partial batch norm and malformed outputs are each a TypeError naming the op index, kind and field.
 * The malformed cases are generated from the field table below. options.precision 'bf16' compiles
 * the same ops for the bf16 kernels.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import {
  nativeAddon,
  type NativeAddon,
  type NativeOp,
  type NativePlanOptions,
  type NativeTensor,
} from '../src/backends/native/addon.js';
import { assertClose } from './helpers/compare.js';
import { ruleTensor } from './helpers/rule_weights.js';
import { tempDirs } from './helpers/tmp.js';
import { NATIVE_SKIP } from './helpers/native.js';

const addon = nativeAddon();
const skip = NATIVE_SKIP;
const tempDir = tempDirs('resnet50-contract-');

const [N, C, H, W] = [1, 3, 8, 8];
const FLAT = C * H * W;
const values = (key: string, shape: number[]): Float32Array => ruleTensor(key, shape).data;

/** Every op kind and input layout; slot i is written by op i. */
function validOps(): NativeOp[] {
  return [
    { op: 'input', output: 0, layout: 'plain', channels: C, border: 1 },
    { op: 'input', output: 1, layout: 'flat', channels: C, border: 0 },
    { op: 'input', output: 2, layout: 'blocked', channels: C, border: 0 },
    {
      op: 'conv',
      input: 0,
      output: 3,
      residual: null,
      relu: true,
      inChannels: C,
      outChannels: 16,
      kernelH: 3,
      kernelW: 3,
      strideH: 1,
      strideW: 1,
      padH: 1,
      padW: 1,
      weight: values('conv3.weight', [16, C, 3, 3]),
      bias: values('conv3.bias', [16]),
      bnWeight: values('bn3.weight', [16]),
      bnBias: values('bn3.bias', [16]),
      bnMean: values('bn3.running_mean', [16]),
      bnVar: values('bn3.running_var', [16]),
      bnEps: 1e-5,
    },
    {
      op: 'conv',
      input: 3,
      output: 4,
      residual: 3,
      relu: false,
      inChannels: 16,
      outChannels: 16,
      kernelH: 1,
      kernelW: 1,
      strideH: 1,
      strideW: 1,
      padH: 0,
      padW: 0,
      weight: values('conv4.weight', [16, 16, 1, 1]),
      bias: null,
      bnWeight: null,
      bnBias: null,
      bnMean: null,
      bnVar: null,
      bnEps: 0,
    },
    { op: 'maxpool', input: 4, output: 5, kernelH: 3, kernelW: 3, strideH: 2, strideW: 2, padH: 1, padW: 1 },
    { op: 'zeropad', input: 5, output: 6, outChannels: 32, stride: 2 },
    { op: 'toplain', input: 6, output: 7 },
    { op: 'globalmaxpool', input: 6, output: 8 },
    { op: 'globalavgpool', input: 5, output: 9 },
    {
      op: 'linear',
      input: 9,
      output: 10,
      inFeatures: 16,
      outFeatures: 4,
      weight: values('fc10.weight', [4, 16]),
      bias: values('fc10.bias', [4]),
    },
    {
      op: 'linear',
      input: 1,
      output: 11,
      inFeatures: FLAT,
      outFeatures: 2,
      weight: values('fc11.weight', [2, FLAT]),
      bias: null,
    },
    { op: 'globalavgpool', input: 2, output: 12 },
  ];
}
const OUTPUTS = [7, 8, 10, 11, 12];
const OUTPUT_SHAPES = [
  [N, 32, 2, 2],
  [N, 32],
  [N, 4],
  [N, 2],
  [N, 16],
];

/** What each field of each op kind is, as NativeOp declares it. */
type FieldKind =
  | 'output'
  | 'input'
  | 'residual'
  | 'layout'
  | 'positive'
  | 'nonNegative'
  | 'boolean'
  | 'eps'
  | 'tensor'
  | 'tensorOrNull';
type Kind = NativeOp['op'];
const conv = {
  input: 'input',
  output: 'output',
  residual: 'residual',
  relu: 'boolean',
  inChannels: 'positive',
  outChannels: 'positive',
  kernelH: 'positive',
  kernelW: 'positive',
  strideH: 'positive',
  strideW: 'positive',
  padH: 'nonNegative',
  padW: 'nonNegative',
  weight: 'tensor',
  bias: 'tensorOrNull',
  bnWeight: 'tensorOrNull',
  bnBias: 'tensorOrNull',
  bnMean: 'tensorOrNull',
  bnVar: 'tensorOrNull',
  bnEps: 'eps',
} as const;
const FIELDS: Record<Kind, Record<string, FieldKind>> = {
  input: { output: 'output', layout: 'layout', channels: 'positive', border: 'nonNegative' },
  conv,
  maxpool: {
    input: 'input',
    output: 'output',
    kernelH: 'positive',
    kernelW: 'positive',
    strideH: 'positive',
    strideW: 'positive',
    padH: 'nonNegative',
    padW: 'nonNegative',
  },
  globalavgpool: { input: 'input', output: 'output' },
  globalmaxpool: { input: 'input', output: 'output' },
  linear: {
    input: 'input',
    output: 'output',
    inFeatures: 'positive',
    outFeatures: 'positive',
    weight: 'tensor',
    bias: 'tensorOrNull',
  },
  zeropad: { input: 'input', output: 'output', outChannels: 'positive', stride: 'positive' },
  toplain: { input: 'input', output: 'output' },
};

/** Wrong values of a field of op `index` whose valid value is `valid`. */
function wrongValues(kind: FieldKind, op: NativeOp, index: number, valid: unknown): unknown[] {
  const notInteger = ['1', 1.5, NaN, true, [1], 2 ** 31];
  // A slot holding a layout this op does not read: the flat input (1), or for a linear the plain one (0).
  const wrongLayout = op.op === 'linear' ? 0 : 1;
  switch (kind) {
    case 'output':
      return [...notInteger, null, -1, ...(index > 0 ? [0, index - 1] : [])];
    case 'input':
      return op.op === 'conv'
        ? [...notInteger, null, -1, 99, index, 1]
        : [...notInteger, null, -1, 99, index, wrongLayout];
    case 'residual':
      return [...notInteger, -1, 99, index, 0];
    case 'layout':
      return ['nchw', 'Plain', 1, null];
    case 'positive':
      return [...notInteger, null, 0, -1];
    case 'nonNegative':
      return [...notInteger, null, -1];
    case 'boolean':
      return [1, 0, 'true', null];
    case 'eps':
      return ['1e-5', -1, NaN, Infinity, null, true];
    case 'tensor':
    case 'tensorOrNull': {
      const length = (valid as Float32Array | null)?.length ?? (op.op === 'conv' ? 16 : 4);
      const file = 'never-read.bin'; // every case fails before the engine opens it
      return [
        ...(kind === 'tensor' ? [null] : []),
        new Float32Array(length + 1),
        new Float32Array(Math.max(0, length - 1)),
        new Float64Array(length),
        Array.from({ length }, () => 0),
        'weights.bin',
        { file: 7, offset: 0, length },
        { file: '', offset: 0, length },
        { file, offset: -4, length },
        { file, offset: 0.5, length },
        { file, offset: 0, length: length + 1 },
        { file, offset: 0 },
      ];
    }
  }
}

interface Case {
  what: string;
  ops: unknown[];
  outputs: unknown;
  error: RegExp;
}

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Each field of each op missing, then set to each of its wrong values. */
function fieldCases(): Case[] {
  const cases: Case[] = [];
  validOps().forEach((op, index) => {
    const fields = FIELDS[op.op];
    assert.deepEqual(
      Object.keys(op).sort(),
      ['op', ...Object.keys(fields)].sort(),
      `the field table lists every field of ${op.op}`,
    );
    for (const [field, kind] of Object.entries(fields)) {
      const valid = (op as unknown as Record<string, unknown>)[field];
      // The message names the field (or one of a file tensor's fields, as 'weight.offset').
      const error = new RegExp(`^plan op ${index} \\(${op.op}\\): .*field '${escape(field)}[.']`);
      const variants: [string, Record<string, unknown>][] = [];
      const missing: Record<string, unknown> = { ...op };
      delete missing[field];
      variants.push(['missing', missing]);
      for (const value of wrongValues(kind, op, index, valid)) {
        variants.push([`${describe(value)}`, { ...op, [field]: value }]);
      }
      for (const [label, changed] of variants) {
        const ops: unknown[] = validOps();
        ops[index] = changed;
        cases.push({ what: `op ${index} (${op.op}) ${field} ${label}`, ops, outputs: OUTPUTS, error });
      }
    }
  });
  return cases;
}

function describe(value: unknown): string {
  if (value instanceof Float32Array || value instanceof Float64Array)
    return `${value.constructor.name}(${value.length})`;
  return JSON.stringify(value) ?? String(value);
}

/** Malformed op lists, op objects and outputs. */
function planCases(): Case[] {
  const kinds =
    "'input', 'conv', 'maxpool', 'globalavgpool', 'globalmaxpool', 'linear', 'zeropad' or 'toplain'";
  const unknownOp = new RegExp(`^plan op 3: field 'op' must be ${escape(kinds)}, got `);
  const withOp = (index: number, value: unknown): unknown[] => {
    const ops: unknown[] = validOps();
    ops[index] = value;
    return ops;
  };
  const op3 = validOps()[3];
  return [
    ...[undefined, null, 'ops', {}, []].map((ops) => ({
      what: `ops ${describe(ops)}`,
      ops: ops as unknown[],
      outputs: OUTPUTS,
      error: /^plan: 'ops' must be a non-empty array of op objects, got /,
    })),
    ...[null, 3, 'conv', [op3]].map((value) => ({
      what: `op 3 is ${describe(value)}`,
      ops: withOp(3, value),
      outputs: OUTPUTS,
      error: /^plan op 3 must be an object, got /,
    })),
    ...[undefined, 'convolution', 'Conv', 1, null].map((kind) => ({
      what: `op 3 kind ${describe(kind)}`,
      ops: withOp(3, { ...op3, op: kind }),
      outputs: OUTPUTS,
      error: unknownOp,
    })),
    ...[undefined, null, 7, 'outputs', { 0: 7 }].map((outputs) => ({
      what: `outputs ${describe(outputs)}`,
      ops: validOps(),
      outputs,
      error: /^plan: 'outputs' must be an array of slots, got /,
    })),
    ...[-1, 1.5, '7', null, 99, 13].map((slot) => ({
      what: `output slot ${describe(slot)}`,
      ops: validOps(),
      outputs: [7, slot],
      error: /^plan: outputs\[1\] must be a slot an op writes, got /,
    })),
  ];
}

function run(a: NativeAddon, ops: NativeOp[], options?: NativePlanOptions) {
  const x = ruleTensor('input', [N, C, H, W]).data;
  const plan = new a.Plan(ops, OUTPUTS, options);
  try {
    return { x, results: plan.runSync(x, N, C, H, W) };
  } finally {
    plan.dispose();
  }
}

test('a plan with every op kind compiles and runs, its tensors in memory or in a file', { skip }, (t) => {
  const a = addon!;
  const { x, results } = run(a, validOps());
  assert.deepEqual(
    results.map((r) => r.shape),
    OUTPUT_SHAPES,
  );
  // The flat input through a linear layer without bias, and the blocked input's channel means.
  const fc = validOps()[11] as Extract<NativeOp, { op: 'linear' }>;
  const weight = fc.weight as Float32Array;
  const logits = [0, 1].map((o) => x.reduce((sum, v, i) => sum + v * weight[o * FLAT + i], 0));
  t.diagnostic(JSON.stringify(assertClose(results[3].data, logits, 1e-5, 'linear on the flat input')));
  const means = Array.from({ length: 16 }, (_, c) =>
    c < C ? x.subarray(c * H * W, (c + 1) * H * W).reduce((s, v) => s + v, 0) / (H * W) : 0,
  );
  t.diagnostic(
    JSON.stringify(assertClose(results[4].data, means, 1e-6, 'global average of the blocked input')),
  );

  // The same plan with every tensor read by the engine from one file: identical outputs.
  const file = join(tempDir(), 'tensors.bin');
  const chunks: Buffer[] = [];
  let offset = 0;
  const fromFile = validOps().map((op) => {
    const moved: Record<string, unknown> = { ...op };
    for (const [field, value] of Object.entries(op)) {
      if (!(value instanceof Float32Array)) continue;
      chunks.push(Buffer.from(value.buffer, value.byteOffset, value.byteLength));
      moved[field] = { file, offset, length: value.length } satisfies NativeTensor;
      offset += value.byteLength;
    }
    return moved as NativeOp;
  });
  writeFileSync(file, Buffer.concat(chunks));
  const again = run(a, fromFile).results;
  for (let i = 0; i < OUTPUTS.length; i++)
    assert.deepEqual(again[i].data, results[i].data, `output ${OUTPUTS[i]}`);
});

test(
  'options.precision: bf16 runs every op kind and input layout on the bf16 kernels, path() names them',
  { skip },
  (t) => {
    const a = addon!;
    const fp32 = run(a, validOps(), { precision: 'fp32' }).results;
    const bf16 = run(a, validOps(), { precision: 'bf16' }).results;
    assert.deepEqual(
      bf16.map((r) => r.shape),
      OUTPUT_SHAPES,
    );
    // Two bf16 roundings (input, weights) and one of the output: within 2⁻⁶ of the largest value.
    for (let i = 0; i < OUTPUTS.length; i++) {
      t.diagnostic(
        JSON.stringify(assertClose(bf16[i].data, fp32[i].data, 2 ** -6, `bf16 output ${OUTPUTS[i]}`)),
      );
    }
    const plan = new a.Plan(validOps(), OUTPUTS, { precision: 'bf16' });
    assert.equal(plan.path(), a.configure().bf16);
    plan.dispose();
    const fp32Plan = new a.Plan(validOps(), OUTPUTS);
    assert.equal(fp32Plan.path(), a.configure().isa);
    fp32Plan.dispose();
    for (const precision of ['fp16', 7]) {
      assert.throws(
        () => new a.Plan(validOps(), OUTPUTS, { precision } as unknown as NativePlanOptions),
        (e: Error) =>
          e instanceof TypeError && e.message === "plan: options.precision must be 'fp32', 'bf16' or 'int8'",
      );
    }
  },
);

test('optional tensors and the residual may be null', { skip }, () => {
  const a = addon!;
  const nulls: [number, Record<string, null>][] = [
    [3, { bias: null }],
    [3, { bnWeight: null, bnBias: null, bnMean: null, bnVar: null }],
    [4, { residual: null }],
    [10, { bias: null }],
  ];
  for (const [index, change] of nulls) {
    const ops = validOps();
    ops[index] = { ...ops[index], ...change } as NativeOp;
    const { results } = run(a, ops);
    assert.deepEqual(
      results.map((r) => r.shape),
      OUTPUT_SHAPES,
      `op ${index} with ${Object.keys(change).join(', ')} null`,
    );
  }
});

for (const [name, cases] of [
  ['every field of every op kind, missing or mistyped', fieldCases],
  ['malformed op lists, op objects, op kinds and outputs', planCases],
] as const) {
  test(`${name}: a TypeError naming the op index, kind and field`, { skip }, (t) => {
    const a = addon!;
    const all = cases();
    for (const c of all) {
      assert.throws(
        () => new a.Plan(c.ops as NativeOp[], c.outputs as number[]),
        { name: 'TypeError', message: c.error },
        `${c.what}: no TypeError matching ${c.error}`,
      );
    }
    t.diagnostic(`${all.length} malformed plans refused`);
  });
}

test('a partial batch norm names the field that differs from bnWeight', { skip }, () => {
  const a = addon!;
  const rule = 'bnWeight, bnBias, bnMean and bnVar must be all tensors or all null';
  // Op 3 has all four tensors, op 4 none.
  const cases: [number, string, Float32Array | null, string][] = [
    [3, 'bnBias', null, "field 'bnWeight' is a tensor but field 'bnBias' is null"],
    [3, 'bnMean', null, "field 'bnWeight' is a tensor but field 'bnMean' is null"],
    [3, 'bnVar', null, "field 'bnWeight' is a tensor but field 'bnVar' is null"],
    [3, 'bnWeight', null, "field 'bnWeight' is null but field 'bnBias' is a tensor"],
    [4, 'bnWeight', new Float32Array(16), "field 'bnWeight' is a tensor but field 'bnBias' is null"],
    [4, 'bnVar', new Float32Array(16), "field 'bnWeight' is null but field 'bnVar' is a tensor"],
  ];
  for (const [index, field, value, message] of cases) {
    const ops = validOps();
    ops[index] = { ...ops[index], [field]: value } as NativeOp;
    assert.throws(() => new a.Plan(ops, OUTPUTS), {
      name: 'TypeError',
      message: `plan op ${index} (conv): ${message}; ${rule}`,
    });
  }
});

test('shape mismatches between well-typed ops are refused when the plan runs', { skip }, () => {
  const a = addon!;
  const x = ruleTensor('input', [N, C, H, W]).data;
  const cases: [string, [number, Record<string, unknown>][], RegExp][] = [
    [
      'a conv declaring more input channels than its input has',
      [[4, { inChannels: 32, weight: new Float32Array(16 * 32) }]],
      /convolution expects 32 input channels/,
    ],
    [
      'a residual of another shape than the conv output',
      [[4, { strideH: 2, strideW: 2 }]],
      /residual shape differs from the convolution's output/,
    ],
    [
      'a zero-pad shortcut narrowing 32 channels to 16',
      [
        [4, { outChannels: 32, weight: new Float32Array(32 * 16), residual: null }],
        [6, { outChannels: 16 }],
      ],
      /zero-pad shortcut has fewer output than input channels/,
    ],
    [
      // (8 + 2 - 11) / 2 + 1 truncated toward zero would claim one output row; floor division gives 0.
      'a conv kernel larger than its padded input',
      [[3, { kernelH: 11, strideH: 2, weight: new Float32Array(16 * C * 11 * 3) }]],
      /input is too small for a convolution/,
    ],
  ];
  for (const [what, changes, error] of cases) {
    const ops = validOps();
    for (const [index, change] of changes) ops[index] = { ...ops[index], ...change } as NativeOp;
    const plan = new a.Plan(ops, OUTPUTS);
    try {
      assert.throws(() => plan.runSync(x, N, C, H, W), error, what);
    } finally {
      plan.dispose();
    }
  }
});
