/**
 * The WebAssembly engine's op records: what a plan (plan/plan.ts) is translated to on the calling
 * thread and what the engine's leader worker checks and compiles (engine.ts). Every field is
 * required (null where the type says so); `checkWasmOps` throws a TypeError naming the op index,
 * kind and field for a missing or mistyped one. Slots are those of the plan; `toplain` ops added
 * after each returned feature map give it back as plain NCHW.
 */
import type { Plan, Slot } from '../../plan/plan.js';
import { engineOp, type EngineOp, type EngineTensor } from '../../plan/engine_ops.js';

/** Parameter values: in memory, or in a file the leader worker reads (Node only). */
export type WasmTensor = EngineTensor;

export type WasmOp = EngineOp;

export type WasmOpKind = WasmOp['op'];

type FieldType =
  'slot' | 'slot?' | 'count' | 'size' | 'bool' | 'number' | 'tensor' | 'tensor?' | readonly string[];
type Fields<K extends WasmOpKind> = { [F in Exclude<keyof Extract<WasmOp, { op: K }>, 'op'>]: FieldType };

const WINDOW = {
  kernelH: 'count',
  kernelW: 'count',
  strideH: 'count',
  strideW: 'count',
  padH: 'size',
  padW: 'size',
} as const;

/** The type of every field of every op (the table is checked against WasmOp by the compiler). */
const SCHEMA: { [K in WasmOpKind]: Fields<K> } = {
  input: { output: 'slot', layout: ['plain', 'blocked', 'flat'], channels: 'count', border: 'size' },
  conv: {
    input: 'slot',
    output: 'slot',
    residual: 'slot?',
    relu: 'bool',
    inChannels: 'count',
    outChannels: 'count',
    ...WINDOW,
    weight: 'tensor',
    bias: 'tensor?',
    bnWeight: 'tensor?',
    bnBias: 'tensor?',
    bnMean: 'tensor?',
    bnVar: 'tensor?',
    bnEps: 'number',
  },
  maxpool: { input: 'slot', output: 'slot', ...WINDOW },
  globalavgpool: { input: 'slot', output: 'slot' },
  globalmaxpool: { input: 'slot', output: 'slot' },
  linear: {
    input: 'slot',
    output: 'slot',
    inFeatures: 'count',
    outFeatures: 'count',
    weight: 'tensor',
    bias: 'tensor?',
  },
  zeropad: { input: 'slot', output: 'slot', outChannels: 'count', stride: 'count' },
  toplain: { input: 'slot', output: 'slot' },
};

function isTensor(v: unknown): boolean {
  if (v instanceof Float32Array) return true;
  if (typeof v !== 'object' || v === null) return false;
  const t = v as Record<string, unknown>;
  return typeof t.file === 'string' && Number.isSafeInteger(t.offset) && Number.isSafeInteger(t.length);
}

function fits(type: FieldType, v: unknown): boolean {
  if (Array.isArray(type)) return type.includes(v as string);
  switch (type) {
    case 'slot':
    case 'size':
      return Number.isSafeInteger(v) && (v as number) >= 0;
    case 'slot?':
      return v === null || (Number.isSafeInteger(v) && (v as number) >= 0);
    case 'count':
      return Number.isSafeInteger(v) && (v as number) >= 1;
    case 'bool':
      return typeof v === 'boolean';
    case 'number':
      return typeof v === 'number' && Number.isFinite(v);
    case 'tensor':
      return isTensor(v);
    case 'tensor?':
      return v === null || isTensor(v);
  }
  return false;
}

const describe = (type: FieldType): string =>
  Array.isArray(type) ? `one of ${type.join(', ')}` : (type as string).replace('?', ' or null');

/** `ops` as WasmOp records, or a TypeError naming the first op and field that does not fit. */
export function checkWasmOps(ops: unknown): WasmOp[] {
  if (!Array.isArray(ops)) throw new TypeError('wasm plan: the ops must be an array');
  ops.forEach((op: unknown, i) => {
    const record = (typeof op === 'object' && op !== null ? op : {}) as Record<string, unknown>;
    const kind = record.op as WasmOpKind;
    const fields = (SCHEMA as Record<string, Record<string, FieldType> | undefined>)[kind as string];
    if (fields === undefined || !Object.hasOwn(SCHEMA, kind)) {
      throw new TypeError(`wasm plan op ${i}: unknown op '${String(record.op)}'`);
    }
    for (const [field, type] of Object.entries(fields)) {
      if (!fits(type, record[field])) {
        throw new TypeError(`wasm plan op ${i} (${kind}): field '${field}' must be ${describe(type)}`);
      }
    }
  });
  return ops as WasmOp[];
}

/**
 * The engine's op list for `plan`: the input (plain with a border as wide as the widest padding of
 * the convs that read it, when only convs do; blocked otherwise), the ops, and a `toplain` after each
 * feature map the plan returns. `outputs` are the slots to return, in the plan's order.
 */
export function toWasmOps(plan: Plan): { ops: WasmOp[]; outputs: Slot[] } {
  const readers = plan.ops.filter((op) => op.input === 0 || (op.kind === 'conv' && op.residual === 0));
  const plain = readers.every((op) => op.kind === 'conv' && op.input === 0 && op.residual !== 0);
  const border = Math.max(0, ...readers.map((op) => (op.kind === 'conv' ? Math.max(...op.padding) : 0)));
  const ops: WasmOp[] = [
    { op: 'input', output: 0, layout: plain ? 'plain' : 'blocked', channels: plan.inputChannels, border },
  ];
  let next = Math.max(0, ...plan.ops.map((op) => op.output)) + 1;
  const plainOf = new Map<Slot, Slot>();
  const returned = new Set(plan.outputs.map((o) => o.slot));
  for (const op of plan.ops) {
    ops.push(engineOp(op));
    const flat = op.kind === 'globalPool' || op.kind === 'linear';
    if (returned.has(op.output) && !flat) {
      plainOf.set(op.output, next);
      ops.push({ op: 'toplain', input: op.output, output: next++ });
    }
  }
  return { ops, outputs: plan.outputs.map((o) => plainOf.get(o.slot) ?? o.slot) };
}

const pad16 = (c: number) => Math.ceil(c / 16) * 16;

/** Bytes of parameters the engine holds for these ops (packed and padded as engine.ts packs them). */
export function packedWeightBytes(ops: readonly WasmOp[]): number {
  let floats = 0;
  for (const op of ops) {
    if (op.op === 'conv') {
      const inner =
        op.input === 0 && ops[0].op === 'input' && ops[0].layout === 'plain'
          ? op.inChannels
          : pad16(op.inChannels);
      floats += pad16(op.outChannels) * (inner * op.kernelH * op.kernelW + 1);
    } else if (op.op === 'linear') {
      floats += op.outFeatures * (op.inFeatures + 1);
    }
  }
  return 4 * floats;
}
