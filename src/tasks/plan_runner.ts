/**
 * A model's runner on a backend already resolved: the model is lowered once per set of outputs to the
 * inference plan (model/plan.ts) and compiled by the backend's plan executor from the registry. No
 * platform here: Node's runner (runner.ts) picks the backend from options, the environment and the
 * native engine; the browser's session from its options and what is registered.
 */
import { listBackends, planExecutor } from '../backends/registry.js';
import { lowerResNet, type ResNetOutput, type WeightSource } from '../model/plan.js';
import type { ResNet, ResNetFeatures } from '../model/resnet.js';
import type { CompiledPlan, Plan, PlanExecutor, Precision } from '../plan/plan.js';
import { batchableShape, batchTensors } from '../data/transforms.js';
import { Tensor } from '../tensor/tensor.js';
import { OptionError, UserError } from '../errors.js';

/** A registered backend's name: 'js' built in, 'native' in Node, or one added by registerBackend. */
export type BackendName = string;
export type FeatureName = Exclude<keyof ResNetFeatures, never>;

export interface Runner {
  readonly backend: BackendName;
  /** The arithmetic its plans are compiled for. */
  readonly precision: Precision;
  /**
   * The kernels that run: the native engine's instruction set (avx512, avx2, portable), bf16 path
   * (avx512bf16, fp32-emulated) or int8 path (avx512vnni, avxvnni, fp32-emulated), else the
   * backend's name.
   */
  readonly kernelPath: string;
  /** The model's output (logits, pooled features or layer4 maps). */
  forward(x: Tensor): Promise<Tensor>;
  /** One intermediate output: stem, layer1..layer4 (N,C,H,W) or pool (N,C). */
  features(x: Tensor, name: FeatureName): Promise<Tensor>;
  /** Several outputs of one pass, in the order asked (e.g. layer1..layer4 for a feature pyramid). */
  outputs(x: Tensor, names: readonly ResNetOutput[]): Promise<Tensor[]>;
  /**
   * outputs() of images given one by one (each (1, C, H, W), all the same size) as one batch: the
   * same results as outputs(batchTensors(images)), without copying them into one buffer first where
   * the backend reads them where they are (the native engine). A service batching requests uses it.
   */
  outputsOfImages(images: readonly Tensor[], names: readonly ResNetOutput[]): Promise<Tensor[]>;
  /** Bytes of parameters held by the plans compiled so far. */
  weightBytes(): number;
  /**
   * Releases what the runner holds outside the JavaScript heap (the native plans' packed weights and
   * activation arenas) now rather than at garbage collection. Idempotent; a disposed runner rejects
   * forward() and features(). The model passed to createRunner stays usable.
   */
  dispose(): void;
}

/** Throws the one sentence for a backend name that is not registered. */
export function checkBackendName(name: string): void {
  if (!listBackends().includes(name)) {
    throw new OptionError(
      `Unknown backend '${name}' ({backend}); choose one of ${listBackends().join(', ')}.`,
    );
  }
}

/** The backend's plan executor, after checking it compiles `precision` (one sentence if not). */
export function checkPrecision(backend: BackendName, precision: Precision): PlanExecutor {
  const executor = planExecutor(backend);
  if (!(executor.precisions ?? ['fp32']).includes(precision)) {
    throw new OptionError(
      `The ${backend} backend computes in fp32 only ({precision} ${precision}); use {backend} native.`,
    );
  }
  return executor;
}

/** The one sentence for int8 asked of weights without activation scales. */
export const INT8_NEEDS_SCALES =
  'Precision int8 ({precision}) needs calibrated activation scales, which these weights do not have; ' +
  'run `resnet50 quantize` on them first and load the file it writes.';

/** `plan` with each conv named in `scales` carrying its activation scale (the int8 convs). */
function withInputScales(plan: Plan, scales: ReadonlyMap<string, number>): Plan {
  return {
    ...plan,
    ops: plan.ops.map((op) => {
      const inputScale = op.kind === 'conv' ? scales.get(op.name) : undefined;
      return inputScale === undefined ? op : { ...op, inputScale };
    }),
  };
}

/**
 * A runner of `model` on a backend already resolved (see resolveBackend), at `precision` (default
 * fp32). int8 needs `inputScales`, the calibrated activation scale of each conv to quantize by name
 * (readActivationScales of a file `resnet50 quantize` wrote).
 */
export function runnerOn(
  model: ResNet,
  backend: BackendName,
  weights?: WeightSource,
  precision: Precision = 'fp32',
  inputScales?: ReadonlyMap<string, number>,
): Runner {
  const executor = checkPrecision(backend, precision);
  if (precision === 'int8' && (inputScales === undefined || inputScales.size === 0)) {
    throw new OptionError(INT8_NEEDS_SCALES);
  }
  const plans = new Map<string, CompiledPlan>();
  let disposed = false;
  const compiled = (names: readonly ResNetOutput[]): CompiledPlan => {
    if (disposed) throw new UserError('This runner was disposed; create or load a new one to run the model.');
    const key = names.join(',');
    let plan = plans.get(key);
    if (plan === undefined) {
      const lowered = lowerResNet(model, names, weights);
      plan = executor.compile(precision === 'int8' ? withInputScales(lowered, inputScales!) : lowered, {
        precision,
      });
      plans.set(key, plan);
    }
    return plan;
  };
  const outputs = async (x: Tensor, names: readonly ResNetOutput[]): Promise<Tensor[]> => {
    const plan = compiled(names);
    const [N, C, H, W] = x.shape;
    const results = await plan.run(x.data, [N, C, H, W]);
    return results.map((r) => new Tensor(r.data, r.shape));
  };
  const outputsOfImages = async (
    images: readonly Tensor[],
    names: readonly ResNetOutput[],
  ): Promise<Tensor[]> => {
    const plan = compiled(names);
    if (plan.runImages === undefined) return outputs(batchTensors(images), names);
    const [, C, H, W] = batchableShape(images);
    const results = await plan.runImages(
      images.map((t) => t.data),
      [C, H, W],
    );
    return results.map((r) => new Tensor(r.data, r.shape));
  };
  return {
    backend,
    precision,
    kernelPath: executor.kernelPath?.(precision) ?? backend,
    forward: async (x) => (await outputs(x, ['output']))[0],
    features: async (x, name) => (await outputs(x, [name]))[0],
    outputs,
    outputsOfImages,
    weightBytes: () => [...plans.values()].reduce((sum, p) => sum + p.weightBytes(), 0),
    dispose: () => {
      disposed = true;
      for (const plan of plans.values()) plan.dispose();
      plans.clear();
    },
  };
}
