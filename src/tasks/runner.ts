/**
 * Runs a model for inference in Node: the backend is the option, else $RESNET50_BACKEND, else native
 * when the addon loaded, else js with a one-time notice; plan_runner.ts lowers and compiles the model
 * on it (native: fused, off the event loop; js: the reference kernels). Importing this module
 * registers the native backend (native/register.ts).
 */
import '../backends/native/register.js';
import { nativeAddon, nativeStatus } from '../backends/native/addon.js';
import type { WeightSource } from '../model/plan.js';
import type { ResNet } from '../model/resnet.js';
import { OptionError } from '../errors.js';
import { checkBackendName, runnerOn, type BackendName, type Runner } from './plan_runner.js';

export {
  checkBackendName,
  runnerOn,
  type BackendName,
  type FeatureName,
  type Runner,
} from './plan_runner.js';

export interface RunnerOptions {
  /** native or js (default: $RESNET50_BACKEND, else native when the addon loaded, else js). */
  backend?: string;
  /** Where parameters come from (default: the model's tensors), e.g. a file the engine streams. */
  weights?: WeightSource;
}

let noticeShown = false;

/** `requested` (option), else $RESNET50_BACKEND, else native if it loaded, else js. */
export function resolveBackend(requested?: string): BackendName {
  const name = requested ?? process.env.RESNET50_BACKEND;
  if (name !== undefined) checkBackendName(name);
  if (name === 'native' && nativeAddon() === null) {
    throw new OptionError(`The native backend is not available: ${nativeStatus().reason}; use {backend} js.`);
  }
  if (name !== undefined) return name;
  if (nativeAddon() !== null) return 'native';
  if (!noticeShown) {
    noticeShown = true;
    process.stderr.write(
      `resnet50: native engine unavailable (${nativeStatus().reason}); using the TypeScript backend.\n`,
    );
  }
  return 'js';
}

/** A runner of `model` on the backend named in `options` (resolved here). */
export function createRunner(model: ResNet, options: RunnerOptions = {}): Runner {
  return runnerOn(model, resolveBackend(options.backend), options.weights);
}
