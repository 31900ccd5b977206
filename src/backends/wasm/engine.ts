/**
 * The WebAssembly engine in one thread: an instance of the kernels (wasm/kernels.cc) over its
 * memory, and what JavaScript does around them. Compiling packs each convolution's weights once
 * (batch norm folded, [OC/16][C/16][KH][KW][16][16] in wasm memory); for each input size the
 * shapes of every tensor are inferred, tensors are placed in one arena by liveness, and the ops are
 * written as ExecOp records that `run` executes. With a thread pool (several instances over one
 * shared memory), a batch of at least one image per thread runs whole images per thread, one arena
 * each; the other images are split inside each op. Runs here are synchronous: the executor calls
 * them in a worker (serve.ts), the op-by-op backend (kernels.ts) on its own thread.
 */
import { ShapeError, UserError } from '../../errors.js';
import type { FileTensor, PlanResult, Slot } from '../../plan/plan.js';
import { convOutputSize } from '../../tensor/shapes.js';
import type { WasmOp, WasmTensor } from './ops.js';
import { WebAssemblyApi, type WasmGlobal, type WasmMemory, type WasmModule } from './wasm_api.js';

/** Pages of 64 KiB: the memory the build declares at least (--initial-memory) and at most (4 GiB). */
export const INITIAL_PAGES = 64;
export const MAX_PAGES = 65536;
/** Stack of each helper thread (the first instance uses the linker's stack). */
export const STACK_BYTES = 256 * 1024;

/** The exports of wasm/kernels.cc (pointers are byte offsets into the memory). */
export interface KernelExports {
  alloc(bytes: number): number;
  release(ptr: number): void;
  pack_conv(
    w: number,
    bias: number,
    bnW: number,
    bnB: number,
    bnMean: number,
    bnVar: number,
    eps: number,
    oc: number,
    c: number,
    kh: number,
    kw: number,
    plainIn: number,
    dstW: number,
    dstB: number,
  ): void;
  exec_fields(): number;
  run_args_bytes(): number;
  max_threads(): number;
  tile(): number;
  pool_create(): number;
  helper_loop(pool: number, tid: number): void;
  pool_quit(pool: number): void;
  run(pool: number, args: number): void;
  winograd_weights(packed: number, ocp: number, cp: number, m: number, u: number): void;
  winograd_max_tiles(): number;
  relu_plain(x: number, out: number, n: number): void;
  add_plain(a: number, b: number, out: number, n: number): void;
  affine_plain(
    x: number,
    out: number,
    images: number,
    channels: number,
    plane: number,
    scale: number,
    shift: number,
  ): void;
  __stack_pointer: WasmGlobal;
}

const FUNCTIONS = [
  'alloc',
  'release',
  'pack_conv',
  'exec_fields',
  'run_args_bytes',
  'max_threads',
  'tile',
  'pool_create',
  'helper_loop',
  'pool_quit',
  'run',
  'relu_plain',
  'winograd_weights',
  'winograd_max_tiles',
  'add_plain',
  'affine_plain',
] as const satisfies readonly Exclude<keyof KernelExports, '__stack_pointer'>[];

/** The fields of an ExecOp record, in the order of `struct ExecOp` in wasm/kernels.cc. */
const EXEC_FIELDS = [
  'kind',
  'in',
  'out',
  'residual',
  'relu',
  'c',
  'h',
  'w',
  'border',
  'oc',
  'oh',
  'ow',
  'kh',
  'kw',
  'sh',
  'sw',
  'ph',
  'pw',
  'weight',
  'bias',
  'channels',
  'plainIn',
  'wino',
  'u',
] as const;
type ExecRecord = Record<(typeof EXEC_FIELDS)[number], number>;

/** `enum Kind` of wasm/kernels.cc. */
const KIND = {
  inputPlain: 1,
  inputBlocked: 2,
  inputFlat: 3,
  conv: 4,
  maxpool: 5,
  globalavgpool: 6,
  globalmaxpool: 7,
  linear: 8,
  zeropad: 9,
  toplain: 10,
} as const;

/** Int32 indices of `struct RunArgs` in wasm/kernels.cc. */
const ARGS = {
  ops: 0,
  nops: 1,
  outputs: 2,
  noutputs: 3,
  input: 4,
  imageFloats: 5,
  images: 6,
  threads: 7,
  byImage: 8,
};
const ARGS_ARENA = 12;

export function createMemory(shared: boolean): WasmMemory {
  return new WebAssemblyApi.Memory({ initial: INITIAL_PAGES, maximum: MAX_PAGES, shared });
}

/** An instance of the kernels over `memory`, its exports checked against KernelExports. */
export function instantiate(module: WasmModule, memory: WasmMemory): KernelExports {
  const { exports } = new WebAssemblyApi.Instance(module, { env: { memory } });
  for (const name of FUNCTIONS) {
    if (typeof exports[name] !== 'function') throw new TypeError(`the wasm kernels do not export ${name}`);
  }
  if (typeof exports.__stack_pointer !== 'object')
    throw new TypeError('the wasm kernels do not export __stack_pointer');
  const k = exports as unknown as KernelExports;
  if (k.exec_fields() !== EXEC_FIELDS.length)
    throw new TypeError('wasm/kernels.cc and engine.ts disagree on ExecOp');
  if (k.run_args_bytes() !== 4 * (ARGS_ARENA + 2 * k.max_threads())) {
    throw new TypeError('wasm/kernels.cc and engine.ts disagree on RunArgs');
  }
  return k;
}

/** Where a tensor lives and how it is laid out, for one image. */
interface TensorInfo {
  /** plain: (C, H+2B, W+2B) input of a conv; blocked: (C/16, H+2, W+2, 16); flat: (C); out: plain NCHW. */
  layout: 'plain' | 'blocked' | 'flat' | 'out';
  /** Logical channels (features when flat). */
  channels: number;
  /** Stored channels (a multiple of 16 when blocked). */
  c: number;
  h: number;
  w: number;
  border: number;
  bytes: number;
}

interface Placement {
  records: number;
  outRecords: number;
  args: number;
  outputs: TensorInfo[];
  /** Arena bytes per image. */
  total: number;
  /** Winograd scratch bytes per thread. */
  scratch: number;
}

/** A compiled plan: packed parameters in wasm memory, placements per input size, arenas. */
export interface EnginePlan {
  readonly ops: readonly WasmOp[];
  readonly outputs: readonly Slot[];
  /** Packed weight and bias pointers of each conv and linear op (by op index), Winograd weights by tile. */
  readonly params: Map<number, { weight: number; bias: number; wino: Map<number, number> }>;
  readonly placements: Map<string, Placement>;
  arenas: number[];
  arenaBytes: number;
  scratches: number[];
  scratchBytes: number;
  weightBytes: number;
}

const pad16 = (c: number) => Math.ceil(c / 16) * 16;
const align64 = (bytes: number) => Math.ceil(bytes / 64) * 64;

/**
 * The Winograd output tile of a conv at this output size: F(4×4, 3×3) when there are at least 40
 * tiles of 4×4 (the native engine's rule; F(4×4) at 14×14 measured no faster than F(2×2)), F(2×2, 3×3)
 * down to 4×4 maps (at 7×7, 2.5× faster than the direct kernel here, unlike native), else 0 (direct).
 */
function winogradTile(op: Extract<WasmOp, { op: 'conv' }>, oh: number, ow: number): number {
  const eligible = op.kernelH === 3 && op.kernelW === 3 && op.strideH === 1 && op.strideW === 1;
  if (!eligible || op.padH !== 1 || op.padW !== 1) return 0;
  if (Math.ceil(oh / 4) * Math.ceil(ow / 4) >= 40) return 4;
  return oh >= 4 && ow >= 4 ? 2 : 0;
}

function fail(i: number, op: WasmOp, what: string): never {
  throw new TypeError(`wasm plan op ${i} (${op.op}): ${what}`);
}

export class Engine {
  constructor(
    readonly exports: KernelExports,
    readonly memory: WasmMemory,
    /** Threads of a run: this one and threads − 1 helpers in `pool`. */
    readonly threads: number,
    readonly pool: number,
  ) {}

  f32(ptr: number, length: number): Float32Array {
    return new Float32Array(this.memory.buffer, ptr, length);
  }

  private i32(ptr: number, length: number): Int32Array {
    return new Int32Array(this.memory.buffer, ptr, length);
  }

  alloc(bytes: number): number {
    const ptr = bytes > 0xffff0000 ? 0 : this.exports.alloc(bytes);
    if (ptr === 0) {
      throw new UserError(
        `The WebAssembly engine ran out of memory (${Math.ceil(bytes / 2 ** 20)} MiB more; 4 GiB at most): use a smaller batch or input.`,
      );
    }
    return ptr;
  }

  /** Copies `data` into a new block of wasm memory. */
  copyIn(data: Float32Array): number {
    const ptr = this.alloc(4 * data.length);
    this.f32(ptr, data.length).set(data);
    return ptr;
  }

  /** Packs every parameter of `ops` (file tensors through `read`) into wasm memory. */
  compile(
    ops: readonly WasmOp[],
    outputs: readonly Slot[],
    read: (t: FileTensor) => Float32Array,
  ): EnginePlan {
    const plan: EnginePlan = {
      ops,
      outputs,
      params: new Map(),
      placements: new Map(),
      arenas: [],
      arenaBytes: 0,
      scratches: [],
      scratchBytes: 0,
      weightBytes: 0,
    };
    const plainSlots = new Set<Slot>();
    try {
      ops.forEach((op, i) => {
        const values = (t: WasmTensor, length: number, field: string): Float32Array => {
          const v = t instanceof Float32Array ? t : read(t);
          if (v.length !== length) fail(i, op, `field '${field}' has ${v.length} values, expected ${length}`);
          return v;
        };
        if (op.op === 'input' && op.layout === 'plain') plainSlots.add(op.output);
        if (op.op === 'conv') {
          const { outChannels: OC, inChannels: C, kernelH: KH, kernelW: KW } = op;
          const plainIn = plainSlots.has(op.input);
          const bn = [op.bnWeight, op.bnBias, op.bnMean, op.bnVar];
          if (bn.some((t) => t === null) && bn.some((t) => t !== null)) {
            fail(i, op, 'batch norm needs all of bnWeight, bnBias, bnMean and bnVar, or none');
          }
          const temps: number[] = [];
          const tmp = (t: WasmTensor | null, length: number, field: string): number => {
            if (t === null) return 0;
            const ptr = this.copyIn(values(t, length, field));
            temps.push(ptr);
            return ptr;
          };
          // The packed weights first, the raw copies above them (freed at once: the heap shrinks back).
          const ocp = pad16(OC);
          const floats = ocp * (plainIn ? C : pad16(C)) * KH * KW;
          const weight = this.alloc(4 * floats);
          const bias = this.alloc(4 * ocp);
          plan.params.set(i, { weight, bias, wino: new Map() });
          try {
            const w = tmp(op.weight, OC * C * KH * KW, 'weight');
            const b = tmp(op.bias, OC, 'bias');
            const [bw, bb, bm, bv] = ['bnWeight', 'bnBias', 'bnMean', 'bnVar'].map((f, k) =>
              tmp(bn[k], OC, f),
            );
            this.exports.pack_conv(
              w,
              b,
              bw,
              bb,
              bm,
              bv,
              op.bnEps,
              OC,
              C,
              KH,
              KW,
              plainIn ? 1 : 0,
              weight,
              bias,
            );
            plan.weightBytes += 4 * (floats + ocp);
          } finally {
            temps.forEach((p) => this.exports.release(p));
          }
        } else if (op.op === 'linear') {
          const weight = this.copyIn(values(op.weight, op.outFeatures * op.inFeatures, 'weight'));
          const bias = this.alloc(4 * op.outFeatures);
          plan.params.set(i, { weight, bias, wino: new Map() });
          const b =
            op.bias === null ? new Float32Array(op.outFeatures) : values(op.bias, op.outFeatures, 'bias');
          this.f32(bias, op.outFeatures).set(b);
          plan.weightBytes += 4 * op.outFeatures * (op.inFeatures + 1);
        }
      });
    } catch (e) {
      this.free(plan);
      throw e;
    }
    return plan;
  }

  /** Shapes, arena offsets and ExecOp records of `plan` for images of (C, H, W). */
  private place(plan: EnginePlan, C: number, H: number, W: number): Placement {
    const key = `${C},${H},${W}`;
    const found = plan.placements.get(key);
    if (found !== undefined) return found;
    const infos = new Map<Slot, TensorInfo>();
    const records: ExecRecord[] = [];
    const { ops } = plan;
    const get = (i: number, slot: Slot, layouts: TensorInfo['layout'][]): TensorInfo => {
      const t = infos.get(slot);
      if (t === undefined) fail(i, ops[i], `reads slot ${slot} before it is written`);
      if (!layouts.includes(t.layout)) fail(i, ops[i], `cannot read the ${t.layout} tensor of slot ${slot}`);
      return t;
    };
    const blocked = (channels: number, h: number, w: number): TensorInfo => {
      const c = pad16(channels);
      return { layout: 'blocked', channels, c, h, w, border: 1, bytes: 4 * c * (h + 2) * (w + 2) };
    };
    const flat = (channels: number): TensorInfo => ({
      layout: 'flat',
      channels,
      c: channels,
      h: 1,
      w: 1,
      border: 0,
      bytes: 4 * channels,
    });
    const tooSmall = (what: string): never => {
      throw new ShapeError(`Input ${H}×${W} is too small for the ${what} of this model.`);
    };
    const outs: TensorInfo[] = [];
    let scratch = 0;
    ops.forEach((op, i) => {
      const r: ExecRecord = Object.fromEntries(EXEC_FIELDS.map((f) => [f, 0])) as ExecRecord;
      r.residual = -1;
      let out: TensorInfo;
      if (op.op === 'input') {
        if (op.channels !== C && op.layout !== 'flat')
          fail(i, op, `expects ${op.channels} channels, got ${C}`);
        if (op.layout === 'plain') {
          const b = op.border;
          out = {
            layout: 'plain',
            channels: C,
            c: C,
            h: H,
            w: W,
            border: b,
            bytes: 4 * C * (H + 2 * b) * (W + 2 * b),
          };
        } else {
          out = op.layout === 'blocked' ? blocked(C, H, W) : flat(C * H * W);
        }
        const kind = { plain: KIND.inputPlain, blocked: KIND.inputBlocked, flat: KIND.inputFlat }[op.layout];
        Object.assign(r, { kind, c: out.c, h: H, w: W, border: out.border, oc: out.c, oh: H, ow: W });
        r.channels = out.channels;
      } else {
        const params = plan.params.get(i);
        switch (op.op) {
          case 'conv': {
            const x = get(i, op.input, ['plain', 'blocked']);
            if (x.channels !== op.inChannels)
              fail(i, op, `expects ${op.inChannels} input channels, got ${x.channels}`);
            if (Math.max(op.padH, op.padW) > x.border)
              fail(i, op, `padding exceeds the input border of ${x.border}`);
            const oh = convOutputSize(x.h, op.kernelH, op.strideH, op.padH);
            const ow = convOutputSize(x.w, op.kernelW, op.strideW, op.padW);
            if (oh < 1 || ow < 1) tooSmall('convolution');
            out = blocked(op.outChannels, oh, ow);
            if (op.residual !== null) {
              const res = get(i, op.residual, ['blocked']);
              if (res.c !== out.c || res.h !== oh || res.w !== ow)
                fail(i, op, 'residual shape differs from the output');
            }
            Object.assign(r, {
              kind: KIND.conv,
              relu: op.relu ? 1 : 0,
              c: x.c,
              h: x.h,
              w: x.w,
              border: x.border,
            });
            Object.assign(r, {
              oc: out.c,
              oh,
              ow,
              kh: op.kernelH,
              kw: op.kernelW,
              sh: op.strideH,
              sw: op.strideW,
            });
            Object.assign(r, { ph: op.padH, pw: op.padW, weight: params?.weight, bias: params?.bias });
            r.channels = op.outChannels;
            r.plainIn = x.layout === 'plain' ? 1 : 0;
            r.wino = x.layout === 'blocked' && params !== undefined ? winogradTile(op, oh, ow) : 0;
            if (r.wino !== 0) {
              r.u = this.winogradWeights(params!, out.c, x.c, r.wino);
              const points = (r.wino + 2) ** 2;
              scratch = Math.max(scratch, 4 * points * this.exports.winograd_max_tiles() * (x.c + 16));
            }
            break;
          }
          case 'maxpool': {
            const x = get(i, op.input, ['blocked']);
            const oh = convOutputSize(x.h, op.kernelH, op.strideH, op.padH);
            const ow = convOutputSize(x.w, op.kernelW, op.strideW, op.padW);
            if (oh < 1 || ow < 1) tooSmall('max pooling');
            out = blocked(x.channels, oh, ow);
            Object.assign(r, { kind: KIND.maxpool, c: x.c, h: x.h, w: x.w, oc: x.c, oh, ow });
            Object.assign(r, {
              kh: op.kernelH,
              kw: op.kernelW,
              sh: op.strideH,
              sw: op.strideW,
              ph: op.padH,
              pw: op.padW,
            });
            break;
          }
          case 'globalavgpool':
          case 'globalmaxpool': {
            const x = get(i, op.input, ['blocked']);
            out = flat(x.channels);
            Object.assign(r, { kind: KIND[op.op], c: x.c, h: x.h, w: x.w, channels: x.channels });
            break;
          }
          case 'linear': {
            const x = get(i, op.input, ['flat']);
            if (x.channels !== op.inFeatures)
              fail(i, op, `expects ${op.inFeatures} features, got ${x.channels}`);
            out = flat(op.outFeatures);
            Object.assign(r, { kind: KIND.linear, c: op.inFeatures, oc: op.outFeatures });
            Object.assign(r, { weight: params?.weight, bias: params?.bias });
            break;
          }
          case 'zeropad': {
            const x = get(i, op.input, ['blocked']);
            if (op.outChannels < x.channels) fail(i, op, 'has fewer output than input channels');
            const oh = Math.ceil(x.h / op.stride);
            const ow = Math.ceil(x.w / op.stride);
            out = blocked(op.outChannels, oh, ow);
            Object.assign(r, {
              kind: KIND.zeropad,
              c: x.c,
              h: x.h,
              w: x.w,
              oc: out.c,
              oh,
              ow,
              sh: op.stride,
              sw: op.stride,
            });
            break;
          }
          case 'toplain': {
            const x = get(i, op.input, ['blocked']);
            out = { ...x, layout: 'out', c: x.channels, border: 0, bytes: 4 * x.channels * x.h * x.w };
            Object.assign(r, { kind: KIND.toplain, c: x.c, h: x.h, w: x.w, channels: x.channels });
            break;
          }
        }
      }
      if (infos.has(op.output)) fail(i, op, `writes slot ${op.output}, which an earlier op wrote`);
      infos.set(op.output, out);
      records.push(r);
    });
    for (const slot of plan.outputs) {
      const t = infos.get(slot);
      if (t === undefined || t.layout === 'plain' || t.layout === 'blocked') {
        throw new TypeError(`wasm plan: output slot ${slot} is not a plain or flat tensor`);
      }
      outs.push(t);
    }
    // Liveness: a tensor's arena space is free after its last reader; outputs stay to the end.
    const last = new Map<Slot, number>();
    ops.forEach((op, i) => {
      if (op.op !== 'input') last.set(op.input, i);
      if (op.op === 'conv' && op.residual !== null) last.set(op.residual, i);
    });
    for (const slot of plan.outputs) last.set(slot, ops.length);
    const spaces: { offset: number; bytes: number; freeAfter: number }[] = [];
    const offsets = new Map<Slot, number>();
    let total = 0;
    ops.forEach((op, i) => {
      const need = align64(infos.get(op.output)!.bytes);
      let best: (typeof spaces)[number] | undefined;
      for (const s of spaces) {
        if (s.freeAfter < i && s.bytes >= need && (best === undefined || s.bytes < best.bytes)) best = s;
      }
      if (best === undefined) {
        best = { offset: total, bytes: need, freeAfter: -1 };
        spaces.push(best);
        total += need;
      }
      best.freeAfter = Math.max(last.get(op.output) ?? i, i);
      offsets.set(op.output, best.offset);
    });
    ops.forEach((op, i) => {
      const r = records[i];
      r.out = offsets.get(op.output)!;
      r.in = op.op === 'input' ? -1 : offsets.get(op.input)!;
      if (op.op === 'conv' && op.residual !== null) r.residual = offsets.get(op.residual)!;
    });
    const nf = EXEC_FIELDS.length;
    const recordPtr = this.alloc(4 * nf * records.length);
    const outRecords = this.alloc(12 * outs.length);
    const args = this.alloc(4 * (ARGS_ARENA + 2 * this.exports.max_threads()));
    this.i32(args, ARGS_ARENA + 2 * this.exports.max_threads()).fill(0);
    const view = this.i32(recordPtr, nf * records.length);
    records.forEach((r, i) => EXEC_FIELDS.forEach((f, k) => (view[i * nf + k] = r[f])));
    const ov = this.i32(outRecords, 3 * outs.length);
    plan.outputs.forEach((slot, k) => {
      ov[3 * k] = offsets.get(slot)!;
      ov[3 * k + 1] = outs[k].bytes / 4;
    });
    const p: Placement = { records: recordPtr, outRecords, args, outputs: outs, total, scratch };
    plan.placements.set(key, p);
    return p;
  }

  /** Runs a batch (N, C, H, W) through `plan`, on this thread and the pool's helpers. */
  run(plan: EnginePlan, data: Float32Array, shape: readonly [number, number, number, number]): PlanResult[] {
    const [N, C, H, W] = shape;
    const p = this.place(plan, C, H, W);
    const T = this.threads;
    const byImage = T === 1 ? N : Math.floor(N / T) * T;
    const arenas = T > 1 && byImage > 0 ? T : 1;
    if (plan.arenaBytes < p.total || plan.arenas.length < arenas) {
      const count = Math.max(arenas, plan.arenas.length);
      plan.arenas.forEach((a) => this.exports.release(a));
      plan.arenas = [];
      plan.arenaBytes = Math.max(plan.arenaBytes, p.total);
      for (let t = 0; t < count; t++) plan.arenas.push(this.alloc(plan.arenaBytes));
    }
    if (plan.scratchBytes < p.scratch || (p.scratch > 0 && plan.scratches.length < T)) {
      plan.scratches.forEach((a) => this.exports.release(a));
      plan.scratches = [];
      plan.scratchBytes = Math.max(plan.scratchBytes, p.scratch);
      for (let t = 0; t < T; t++) plan.scratches.push(this.alloc(plan.scratchBytes));
    }
    const temps: number[] = [];
    try {
      const input = this.copyIn(data);
      temps.push(input);
      const dests = p.outputs.map((o) => {
        const ptr = this.alloc(N * o.bytes);
        temps.push(ptr);
        return ptr;
      });
      const ov = this.i32(p.outRecords, 3 * dests.length);
      dests.forEach((d, k) => (ov[3 * k + 2] = d));
      const args = this.i32(p.args, ARGS_ARENA + 2 * this.exports.max_threads());
      args[ARGS.ops] = p.records;
      args[ARGS.nops] = plan.ops.length;
      args[ARGS.outputs] = p.outRecords;
      args[ARGS.noutputs] = dests.length;
      args[ARGS.input] = input;
      args[ARGS.imageFloats] = C * H * W;
      args[ARGS.images] = N;
      args[ARGS.threads] = T;
      args[ARGS.byImage] = byImage;
      plan.arenas.forEach((a, t) => (args[ARGS_ARENA + t] = a));
      plan.scratches.forEach((a, t) => (args[ARGS_ARENA + this.exports.max_threads() + t] = a));
      this.exports.run(this.pool, p.args);
      return p.outputs.map((o, k) => ({
        data: this.f32(dests[k], (N * o.bytes) / 4).slice(),
        shape: o.layout === 'flat' ? [N, o.channels] : [N, o.channels, o.h, o.w],
      }));
    } finally {
      temps.forEach((ptr) => this.exports.release(ptr));
    }
  }

  /** Frees everything `plan` holds in wasm memory. */
  free(plan: EnginePlan): void {
    for (const { weight, bias, wino } of plan.params.values()) {
      [weight, bias, ...wino.values()].forEach((ptr) => this.exports.release(ptr));
    }
    for (const p of plan.placements.values())
      [p.records, p.outRecords, p.args].forEach((ptr) => this.exports.release(ptr));
    [...plan.arenas, ...plan.scratches].forEach((a) => this.exports.release(a));
    plan.params.clear();
    plan.placements.clear();
    plan.arenas = [];
    plan.scratches = [];
  }

  /** The Winograd weights of a packed 3×3 conv for output tile m, built on first use (4× or 1.8× its size). */
  private winogradWeights(
    params: { weight: number; wino: Map<number, number> },
    ocp: number,
    cp: number,
    m: number,
  ): number {
    let u = params.wino.get(m);
    if (u === undefined) {
      u = this.alloc(4 * (m + 2) ** 2 * ocp * cp);
      params.wino.set(m, u);
      this.exports.winograd_weights(params.weight, ocp, cp, m, u);
    }
    return u;
  }
}
