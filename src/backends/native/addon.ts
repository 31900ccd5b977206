/**
 * Loads the native engine (native/build/Release/resnet50_native.node, built by node-gyp during
 * `npm install`). If it is missing or fails to load, everything keeps working on the TypeScript
 * backend and `nativeStatus()` says why; the CLI says so once.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
import { FileFormatError } from '../../errors.js';
import type { NormalizeRgb } from '../../data/transforms.js';
import type { UnfilterScanlines } from '../../io/png.js';
import { checkThreads } from '../../limits.js';
import type { MaxPool2dParams } from '../backend.js';
import { engineOp, type EngineOp, type EngineTensor } from '../../plan/engine_ops.js';

/** Float32 values inside a file (little-endian), which the engine reads itself. */
export interface FileTensor {
  file: string;
  offset: number;
  length: number;
}

/** Parameter values crossing into the engine: in memory, or read by the engine from a file. */
export type NativeTensor = EngineTensor;

/**
 * One op of a native plan, as native/src/plan_reader.cc reads it: every field required (null where
 * the type says so); a missing or mistyped one is a TypeError naming the op index and field.
 */
export type NativeOp = EngineOp | (Extract<EngineOp, { op: 'conv' }> & { inputScale: number });

/** The plan op of a max-pool from its parameters (kernel, stride, padding as [H, W] pairs). */
export function maxPoolOp(p: MaxPool2dParams, input: number, output: number): NativeOp {
  return engineOp({
    kind: 'maxPool',
    input,
    output,
    kernel: p.kernelSize,
    stride: p.stride,
    padding: p.padding,
  });
}

export interface NativeOutput {
  data: Float32Array;
  shape: number[];
}

/** Options of new Plan: the arithmetic (default fp32). */
export interface NativePlanOptions {
  precision: 'fp32' | 'bf16' | 'int8';
}

/** n images: one NCHW buffer, or one CHW buffer per image (read where they are, not copied into one). */
export type NativeInput = Float32Array | readonly Float32Array[];

export interface NativePlan {
  run(input: NativeInput, n: number, c: number, h: number, w: number): Promise<NativeOutput[]>;
  runSync(input: NativeInput, n: number, c: number, h: number, w: number): NativeOutput[];
  weightBytes(): number;
  /** The kernels its convolutions run on: the float32 set (Isa), the bf16 or the int8 path. */
  path(): Isa | Bf16Path | Int8Path;
  /** Frees the packed weights and activation arenas now (not at garbage collection); idempotent. */
  dispose(): void;
}

export type Isa = 'avx512' | 'avx2' | 'portable';
/**
 * The bf16 kernels: amx (TDPBF16PS tiles for the convs; the default where the CPU has AMX-BF16),
 * avx512bf16 (vdpbf16ps), fp32-emulated (avx512bf16's arithmetic in portable float32 code, bit for
 * bit; the default where the CPU lacks AVX512-BF16) or amx-emulated (amx's kernels on emulated
 * tiles, bit for bit with amx; for tests). amx sums each tile instruction's pairs apart (Intel SDM),
 * so its bits differ from avx512bf16's. $RESNET50_BF16_ISA picks one.
 */
export type Bf16Path = 'amx' | 'avx512bf16' | 'amx-emulated' | 'fp32-emulated';
/**
 * The int8 kernels: amx (TDPBUSD tiles for the convs; the default where the CPU has AMX-INT8),
 * avx512vnni, avxvnni (vpdpbusd on 512 or 256 bits), fp32-emulated or amx-emulated (the same
 * integer sums and float32 epilogue in portable code): all bit for bit. $RESNET50_INT8_ISA picks one.
 */
export type Int8Path = 'amx' | 'avx512vnni' | 'avxvnni' | 'amx-emulated' | 'fp32-emulated';

export interface NativeAddon {
  /**
   * Builds a plan on the calling thread: for small plans (the per-op kernels). A model's plan is
   * built by buildPlan, off the event loop.
   */
  Plan: new (ops: NativeOp[], outputs: number[], options?: NativePlanOptions) => NativePlan;
  /**
   * The same plan as new Plan, built on libuv's worker pool: the ops are checked first (a malformed
   * one rejects with new Plan's TypeError), then the weights are read from their files, folded and
   * packed while the event loop runs on.
   */
  buildPlan(ops: NativeOp[], outputs: number[], options?: NativePlanOptions): Promise<NativePlan>;
  /** Convolution (groups 1, dilation 1) on plain NCHW data as a threaded, packed GEMM. */
  convForward(
    x: Float32Array,
    xShape: readonly number[],
    weight: Float32Array,
    wShape: readonly number[],
    stride: readonly number[],
    padding: readonly number[],
    bias?: Float32Array | null,
  ): Float32Array;
  convBackward(
    x: Float32Array,
    xShape: readonly number[],
    weight: Float32Array,
    wShape: readonly number[],
    stride: readonly number[],
    padding: readonly number[],
    dout: Float32Array,
    needInputGrad: boolean,
  ): { dweight: Float32Array; dbias: Float32Array; dx: Float32Array | null };
  /** RoIAlign as the reference kernel (bit-identical), threaded over RoIs. */
  roiAlign(
    x: Float32Array,
    n: number,
    c: number,
    h: number,
    w: number,
    rois: Float32Array,
    outH: number,
    outW: number,
    spatialScale: number,
    samplingRatio: number,
    aligned: boolean,
  ): Float32Array;
  /** Max-pool gradient; dims = [planes, h, w, oh, ow, kh, kw, sh, sw, ph, pw]. */
  maxPoolBackward(dout: Float32Array, x: Float32Array, dims: readonly number[]): Float32Array;
  /** target += source, in place. */
  accumulate(target: Float32Array, source: Float32Array): void;
  /** One SGD update in place, bit-identical to the reference kernel. */
  sgdStep(
    value: Float32Array,
    grad: Float32Array,
    buf: Float32Array | null,
    weightDecay: number,
    momentum: number,
    dampening: number,
    lr: number,
    nesterov: boolean,
    firstStep: boolean,
  ): void;
  /** (M, N) = op(a) · op(b): a is M×K (K×M when transA), b is K×N (N×K when transB). */
  matmul(
    a: Float32Array,
    transA: boolean,
    b: Float32Array,
    transB: boolean,
    m: number,
    n: number,
    k: number,
  ): Float32Array;
  /** Training batch norm over NCHW planes of `hw` values. */
  bnTrain(
    x: Float32Array,
    n: number,
    c: number,
    hw: number,
    weight: Float32Array,
    bias: Float32Array,
    eps: number,
    relu: boolean,
  ): { out: Float32Array; mean: Float32Array; variance: Float32Array; invstd: Float32Array };
  bnBackward(
    dout: Float32Array,
    x: Float32Array,
    n: number,
    c: number,
    hw: number,
    mean: Float32Array,
    invstd: Float32Array,
    weight: Float32Array,
    reluOut: Float32Array | null,
  ): { dx: Float32Array; dweight: Float32Array; dbias: Float32Array };
  /** out = x · scale[c] + shift[c] on NCHW planes. */
  bnAffine(
    x: Float32Array,
    n: number,
    c: number,
    hw: number,
    scale: Float32Array,
    shift: Float32Array,
  ): Float32Array;
  /** PNG scanlines unfiltered in place (io/png.ts's UnfilterScanlines). */
  unfilterScanlines(data: Uint8Array, start: number, rows: number, rowBytes: number, bpp: number): number;
  /** Interleaved RGB to normalized planes through tables (data/transforms.ts's NormalizeRgb). */
  normalizeRgb(rgb: Uint8Array, tables: Float32Array, out: Float32Array): void;
  elementwise(kind: 'relu', a: Float32Array): Float32Array;
  elementwise(kind: 'add' | 'reluBackward', a: Float32Array, b: Float32Array): Float32Array;
  configure(options?: {
    isa?: Isa | 'auto';
    bf16?: Bf16Path | 'auto';
    int8?: Int8Path | 'auto';
    threads?: number;
  }): {
    isa: Isa;
    bf16: Bf16Path;
    int8: Int8Path;
    threads: number;
  };
}

const ADDON_PATH = fileURLToPath(
  new URL('../../../../native/build/Release/resnet50_native.node', import.meta.url),
);

/**
 * A plan build's error as the user sees it: a weights file that changed or shrank after it was
 * indexed is one sentence naming file and key; anything else as it is.
 */
function readError(e: unknown): unknown {
  const m = /^(.+): cannot read tensor data for '(.+)'$/.exec((e as Error).message);
  if (m === null) return e;
  return new FileFormatError(
    `${m[1]}: cannot read the data of tensor '${m[2]}' (the file changed or is truncated).`,
  );
}

let addon: NativeAddon | null | undefined;
let loadError = '';

/**
 * The native engine's PNG scanline unfilter for the image readers (`readImage(source, unfilter)`):
 * the same bytes as the TypeScript loop, several times faster; undefined without the engine.
 */
export function nativeUnfilter(): UnfilterScanlines | undefined {
  const loaded = nativeAddon();
  return loaded === null ? undefined : loaded.unfilterScanlines;
}

/**
 * The native engine's pixel loop of ToTensor + Normalize for the preprocessing (`preprocess(image,
 * preset, reuse, normalize)`): the same floats as the TypeScript loop; undefined without the engine.
 */
export function nativeNormalize(): NormalizeRgb | undefined {
  const loaded = nativeAddon();
  return loaded === null ? undefined : loaded.normalizeRgb;
}

/** The addon, or null when it is not built or cannot load on this machine. */
export function nativeAddon(): NativeAddon | null {
  if (addon === undefined) {
    if (process.env.RESNET50_DISABLE_NATIVE === '1') {
      addon = null;
      loadError = 'disabled by RESNET50_DISABLE_NATIVE=1';
      return addon;
    }
    if (!existsSync(ADDON_PATH)) {
      addon = null;
      loadError = `${ADDON_PATH} was not built for ${process.platform}/${process.arch} by npm install`;
      return addon;
    }
    const threads = Number(process.env.RESNET50_THREADS ?? 0);
    if (threads !== 0) checkThreads('$RESNET50_THREADS', threads);
    try {
      const loaded = createRequire(import.meta.url)(ADDON_PATH) as NativeAddon;
      // The engine starts one OS thread per requested thread: refuse counts the machine cannot hold.
      const configure = loaded.configure.bind(loaded);
      loaded.configure = (options) => {
        if (options?.threads !== undefined && options.threads !== 0) checkThreads('threads', options.threads);
        return configure(options);
      };
      const Plan = loaded.Plan;
      loaded.Plan = class extends Plan {
        constructor(ops: NativeOp[], outputs: number[], options?: NativePlanOptions) {
          try {
            super(ops, outputs, options);
          } catch (e) {
            throw readError(e);
          }
        }
      };
      const buildPlan = loaded.buildPlan.bind(loaded);
      loaded.buildPlan = (ops, outputs, options) =>
        buildPlan(ops, outputs, options).catch((e: unknown) => {
          throw readError(e);
        });
      addon = loaded;
      const isa = process.env.RESNET50_ISA as Isa | undefined;
      const bf16 = process.env.RESNET50_BF16_ISA as Bf16Path | undefined;
      const int8 = process.env.RESNET50_INT8_ISA as Int8Path | undefined;
      if (threads > 0 || isa !== undefined || bf16 !== undefined || int8 !== undefined)
        addon.configure({ threads, isa, bf16, int8 });
    } catch (e) {
      addon = null;
      loadError = (e as Error).message.split('\n')[0];
    }
  }
  return addon;
}

export function nativeStatus(): {
  available: boolean;
  isa?: Isa;
  bf16?: Bf16Path;
  int8?: Int8Path;
  threads?: number;
  reason?: string;
} {
  const a = nativeAddon();
  if (a === null) return { available: false, reason: loadError };
  return { available: true, ...a.configure() };
}
