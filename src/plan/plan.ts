/**
 * The inference plan: what a model lowers to (src/model/plan.ts) and what every fast backend runs.
 * A plan is a list of ops over numbered tensor slots (slot 0 is the input image batch, NCHW); each op
 * reads earlier slots and writes one new slot. Batch norm travels with its conv (executors fold it
 * into the weights); bias, the residual add and the ReLU are the conv's epilogue, in that order:
 *
 *   out = relu?( batchNorm?( conv(in) + bias ) + residual? )
 *
 * The plan names no model class and no file format: an executor knows ops and shapes only.
 */

/** A tensor slot: an index into the plan's activations. */
export type Slot = number;

/** Float32 little-endian values inside a file, which an executor may read itself (no copy in JavaScript). */
export interface FileTensor {
  file: string;
  /** Byte offset of the first value. */
  offset: number;
  /** Number of float32 values. */
  length: number;
}

/** A parameter's values: in memory, or in a file. */
export type PlanTensor = Float32Array | FileTensor;

/** Inference batch norm (running statistics), each tensor (C). */
export interface PlanBatchNorm {
  weight: PlanTensor;
  bias: PlanTensor;
  mean: PlanTensor;
  variance: PlanTensor;
  eps: number;
}

/** [H, W] pair of a 2-D op's kernel, stride or padding. */
export type Pair = readonly [number, number];

/** in (N,inChannels,H,W), weight (outChannels,inChannels,KH,KW) → out (N,outChannels,OH,OW). */
export interface ConvOp {
  kind: 'conv';
  /** The parameter prefix it was lowered from (`layer1.0.conv1`), for messages and profiles. */
  name: string;
  input: Slot;
  output: Slot;
  inChannels: number;
  outChannels: number;
  kernel: Pair;
  stride: Pair;
  padding: Pair;
  weight: PlanTensor;
  bias: PlanTensor | null;
  batchNorm: PlanBatchNorm | null;
  /** Added after batch norm, before the ReLU: the block's shortcut (same shape as out). */
  residual: Slot | null;
  relu: boolean;
  /**
   * The calibrated scale of the input as u8 (`resnet50 quantize`'s `K.input_scale`): an int8
   * compile runs this conv in int8 (input read as round(x / inputScale)); absent: float.
   */
  inputScale?: number;
}

/** in (N,C,H,W) → out (N,C,OH,OW); padding counts as −∞ (PyTorch's max_pool2d, floor mode). */
export interface MaxPoolOp {
  kind: 'maxPool';
  input: Slot;
  output: Slot;
  kernel: Pair;
  stride: Pair;
  padding: Pair;
}

/** in (N,C,H,W) → out (N,C): mean or max over each plane. */
export interface GlobalPoolOp {
  kind: 'globalPool';
  mode: 'avg' | 'max';
  input: Slot;
  output: Slot;
}

/** in (N,inFeatures), weight (outFeatures,inFeatures) → out (N,outFeatures). */
export interface LinearOp {
  kind: 'linear';
  name: string;
  input: Slot;
  output: Slot;
  inFeatures: number;
  outFeatures: number;
  weight: PlanTensor;
  bias: PlanTensor | null;
}

/** The parameter-free shortcut (option A): in[:, :, ::stride, ::stride], channels zero-padded to outChannels. */
export interface ZeroPadShortcutOp {
  kind: 'zeroPadShortcut';
  input: Slot;
  output: Slot;
  outChannels: number;
  stride: number;
}

export type PlanOp = ConvOp | MaxPoolOp | GlobalPoolOp | LinearOp | ZeroPadShortcutOp;
export type PlanOpKind = PlanOp['kind'];

/** A named result of the plan: the model's output or an intermediate stage. */
export interface PlanOutput {
  name: string;
  slot: Slot;
}

export interface Plan {
  /** Channels of the input batch (slot 0). */
  inputChannels: number;
  /** Smallest input height and width the plan accepts. */
  minInputSize: number;
  ops: readonly PlanOp[];
  /** What `run` returns, in this order. */
  outputs: readonly PlanOutput[];
}

/** One result of a run: a dense NCHW (or N×features) float32 tensor. */
export interface PlanResult {
  data: Float32Array;
  shape: number[];
}

/**
 * The arithmetic a plan is compiled for: float32 throughout; bf16 (bfloat16 weights and activations
 * between layers, float32 accumulation and epilogues); int8 (the convs with an inputScale on u8
 * activations and s8 weights, int32 accumulation, float32 epilogues; the rest float32).
 */
export type Precision = 'fp32' | 'bf16' | 'int8';
export const PRECISIONS: readonly Precision[] = ['fp32', 'bf16', 'int8'];

/** How an executor compiles a plan. */
export interface CompileOptions {
  /** Default fp32; an executor compiles only the precisions it lists (PlanExecutor.precisions). */
  precision?: Precision;
}

/** A plan compiled by an executor: weights packed, batch norm folded, ready to run batches. */
export interface CompiledPlan {
  /**
   * Runs one batch x (N,C,H,W) and returns the plan's outputs in order. Heavy executors run off the
   * calling thread (the event loop or a page's main thread stays free).
   */
  run(x: Float32Array, shape: readonly [number, number, number, number]): Promise<PlanResult[]>;
  /**
   * Runs images given one by one (each C·H·W values of `shape`) as one batch, reading them where
   * they are instead of from a batch copied together first; the same results as run() of them
   * stacked. Absent: the caller stacks them and calls run().
   */
  runImages?(
    images: readonly Float32Array[],
    shape: readonly [number, number, number],
  ): Promise<PlanResult[]>;
  /** Bytes of parameters the compiled plan holds. */
  weightBytes(): number;
  /** Frees what the compiled plan holds now, not at garbage collection; idempotent. */
  dispose(): void;
}

/** What a backend that runs plans implements. */
export interface PlanExecutor {
  readonly name: string;
  /** The precisions compile accepts; absent: fp32 only. */
  readonly precisions?: readonly Precision[];
  /**
   * The kernels a plan of this precision would run on now (e.g. avx512, avx512bf16, fp32-emulated);
   * absent: the executor's name says it.
   */
  kernelPath?(precision: Precision): string;
  compile(plan: Plan, options?: CompileOptions): CompiledPlan;
}
