/**
 * Runs a model for inference on one backend: the model is lowered once per set of outputs to the
 * inference plan (model/plan.ts) and compiled by the backend's plan executor (native: fused, off the
 * event loop; js: the reference kernels). The default backend is native when the addon loaded, else
 * js with a one-time notice.
 */
import { listBackends, planExecutor } from '../backends/registry.js';
import { nativeAddon, nativeStatus } from '../backends/native/addon.js';
import { wasmStatus } from '../backends/wasm/node.js';
import { lowerResNet, type ResNetOutput, type WeightSource } from '../model/plan.js';
import type { ResNet, ResNetFeatures } from '../model/resnet.js';
import type { CompiledPlan, PlanExecutor } from '../plan/plan.js';
import { Tensor } from '../tensor/tensor.js';
import { OptionError, UserError } from '../errors.js';

/** A registered backend's name: 'native' or 'js' built in. */
export type BackendName = string;
export type FeatureName = Exclude<keyof ResNetFeatures, never>;

export interface RunnerOptions {
  /** native or js (default: $RESNET50_BACKEND, else native when the addon loaded, else js). */
  backend?: string;
  /** Where parameters come from (default: the model's tensors), e.g. a file the engine streams. */
  weights?: WeightSource;
}

export interface Runner {
  readonly backend: BackendName;
  /** The model's output (logits, pooled features or layer4 maps). */
  forward(x: Tensor): Promise<Tensor>;
  /** One intermediate output: stem, layer1..layer4 (N,C,H,W) or pool (N,C). */
  features(x: Tensor, name: FeatureName): Promise<Tensor>;
  /** Several outputs of one pass, in the order asked (e.g. layer1..layer4 for a feature pyramid). */
  outputs(x: Tensor, names: readonly ResNetOutput[]): Promise<Tensor[]>;
  /** Bytes of parameters held by the plans compiled so far. */
  weightBytes(): number;
  /**
   * Releases what the runner holds outside the JavaScript heap (the native plans' packed weights and
   * activation arenas) now rather than at garbage collection. Idempotent; a disposed runner rejects
   * forward() and features(). The model passed to createRunner stays usable.
   */
  dispose(): void;
}

let noticeShown = false;

/** `requested` (option), else $RESNET50_BACKEND, else native if it loaded, else wasm, else js. */
export function resolveBackend(requested?: string): BackendName {
  const name = requested ?? process.env.RESNET50_BACKEND;
  if (name !== undefined && !listBackends().includes(name)) {
    throw new OptionError(
      `Unknown backend '${name}' ({backend}); choose one of ${listBackends().join(', ')}.`,
    );
  }
  if (name === 'native' && nativeAddon() === null) {
    throw new OptionError(`The native backend is not available: ${nativeStatus().reason}; use {backend} js.`);
  }
  if (name === 'wasm' && !wasmStatus().available) {
    throw new OptionError(`The wasm backend is not available: ${wasmStatus().reason}; use {backend} js.`);
  }
  if (name !== undefined) return name;
  if (nativeAddon() !== null) return 'native';
  // Where the addon cannot load (another CPU, no compiler): the WebAssembly engine, else the reference.
  const fallback = wasmStatus().available ? 'wasm' : 'js';
  if (!noticeShown) {
    noticeShown = true;
    const using =
      fallback === 'wasm'
        ? 'the WebAssembly backend'
        : `the TypeScript backend (wasm: ${wasmStatus().reason})`;
    process.stderr.write(`resnet50: native engine unavailable (${nativeStatus().reason}); using ${using}.\n`);
  }
  return fallback;
}

/** A runner of `model` on a backend already resolved (see resolveBackend). */
export function runnerOn(model: ResNet, backend: BackendName, weights?: WeightSource): Runner {
  const executor: PlanExecutor = planExecutor(backend);
  const plans = new Map<string, CompiledPlan>();
  let disposed = false;
  const outputs = async (x: Tensor, names: readonly ResNetOutput[]): Promise<Tensor[]> => {
    if (disposed) throw new UserError('This runner was disposed; create or load a new one to run the model.');
    const key = names.join(',');
    let plan = plans.get(key);
    if (plan === undefined) {
      plan = executor.compile(lowerResNet(model, names, weights));
      plans.set(key, plan);
    }
    const [N, C, H, W] = x.shape;
    const results = await plan.run(x.data, [N, C, H, W]);
    return results.map((r) => new Tensor(r.data, r.shape));
  };
  return {
    backend,
    forward: async (x) => (await outputs(x, ['output']))[0],
    features: async (x, name) => (await outputs(x, [name]))[0],
    outputs,
    weightBytes: () => [...plans.values()].reduce((sum, p) => sum + p.weightBytes(), 0),
    dispose: () => {
      disposed = true;
      for (const plan of plans.values()) plan.dispose();
      plans.clear();
    },
  };
}

/** A runner of `model` on the backend named in `options` (resolved here). */
export function createRunner(model: ResNet, options: RunnerOptions = {}): Runner {
  return runnerOn(model, resolveBackend(options.backend), options.weights);
}
