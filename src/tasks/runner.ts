/**
 * Runs a model for inference in Node: the backend is the option, else $RESNET50_BACKEND, else native
 * when the addon loaded, else wasm, else js, with a one-time notice; plan_runner.ts lowers and
 * compiles the model on it (native and wasm: fused, off the event loop; js: the reference kernels).
 * Importing this module registers Node's backends (backends/register_node.ts).
 */
import '../backends/register_node.js';
import { nativeAddon, nativeStatus } from '../backends/native/addon.js';
import { wasmStatus } from '../backends/wasm/node.js';
import type { WeightSource } from '../model/plan.js';
import type { ResNet } from '../model/resnet.js';
import { OptionError } from '../errors.js';
import type { Precision } from '../plan/plan.js';
import { checkBackendName, runnerOn, type BackendName, type Runner } from './plan_runner.js';

export {
  checkBackendName,
  checkPrecision,
  runnerOn,
  type BackendName,
  type FeatureName,
  type Runner,
} from './plan_runner.js';

export interface RunnerOptions {
  /** native or js (default: $RESNET50_BACKEND, else native when the addon loaded, else js). */
  backend?: string;
  /**
   * fp32 (default), bf16 (native backend; emulated where the CPU lacks AVX512-BF16) or int8 (native
   * backend, with `inputScales`; emulated where the CPU lacks VNNI).
   */
  precision?: Precision;
  /** int8: each quantized conv's activation scale by name (readActivationScales of a quantized file). */
  inputScales?: ReadonlyMap<string, number>;
  /** Where parameters come from (default: the model's tensors), e.g. a file the engine streams. */
  weights?: WeightSource;
}

let noticeShown = false;

/** `requested` (option), else $RESNET50_BACKEND, else native if it loaded, else wasm, else js. */
export function resolveBackend(requested?: string): BackendName {
  const name = requested ?? process.env.RESNET50_BACKEND;
  if (name !== undefined) checkBackendName(name);
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

/** A runner of `model` on the backend named in `options` (resolved here). */
export function createRunner(model: ResNet, options: RunnerOptions = {}): Runner {
  return runnerOn(
    model,
    resolveBackend(options.backend),
    options.weights,
    options.precision,
    options.inputScales,
  );
}
