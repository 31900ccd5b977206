/**
 * Runs a model on the chosen backend. `native` compiles the model into a fused plan that runs off
 * the event loop; `js` runs the module tree on the reference kernels. The default is native when
 * the addon loaded, else js with a one-time notice.
 */
import { listBackends } from '../backends/registry.js';
import { nativeAddon, nativeStatus } from '../backends/native/addon.js';
import { NativeResNet, type WeightSource } from '../backends/native/compile.js';
import type { ResNet, ResNetFeatures } from '../model/resnet.js';
import type { Tensor } from '../tensor/tensor.js';
import { UserError } from '../errors.js';

export type BackendName = 'native' | 'js';
export type FeatureName = Exclude<keyof ResNetFeatures, never>;

export interface Runner {
  readonly backend: BackendName;
  /** The model's output (logits, pooled features or layer4 maps). */
  forward(x: Tensor): Promise<Tensor>;
  /** One intermediate output: stem, layer1..layer4 (N,C,H,W) or pool (N,C). */
  features(x: Tensor, name: FeatureName): Promise<Tensor>;
  /**
   * Releases what the runner holds outside the JavaScript heap (the native plans' packed weights and
   * activation arenas) now rather than at garbage collection. Idempotent; a disposed runner rejects
   * forward() and features(). The model passed to createRunner stays usable.
   */
  dispose(): void;
}

let noticeShown = false;

/** `requested` (flag or API), else $RESNET50_BACKEND, else native if it loaded, else js. */
export function resolveBackend(requested?: string): BackendName {
  const name = requested ?? process.env.RESNET50_BACKEND;
  if (name !== undefined && name !== 'native' && name !== 'js') {
    throw new UserError(
      `Unknown backend '${name}' (--backend); choose native or js (available: ${listBackends().join(', ')}).`,
    );
  }
  if (name === 'native' && nativeAddon() === null) {
    throw new UserError(`The native backend is not available: ${nativeStatus().reason}; use --backend js.`);
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

/** `source` lets the native engine read parameters from a file instead of the model (see loadRunner). */
export function createRunner(model: ResNet, backend?: string, source?: WeightSource): Runner {
  const name = resolveBackend(backend);
  const native = name === 'native' ? new NativeResNet(model, source) : null;
  let disposed = false;
  const live = () => {
    if (disposed) throw new UserError('This runner was disposed; create or load a new one to run the model.');
  };
  return {
    backend: name,
    forward: async (x) => {
      live();
      return native !== null ? native.forward(x) : model.call(x);
    },
    features: async (x, layer) => {
      live();
      if (native !== null) return native.features(x, layer);
      const t = model.forwardFeatures(x)[layer];
      if (t === undefined) throw new UserError(`--layer ${layer} is not available with pooling 'none'.`);
      return t;
    },
    dispose: () => {
      disposed = true;
      native?.dispose();
    },
  };
}
