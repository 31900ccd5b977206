/**
 * Runs a model on the chosen backend. `native` compiles the model into a fused plan that runs off
 * the event loop; `js` runs the module tree on the reference kernels. The default is native when
 * the addon loaded, else js with a one-time notice.
 */
import { listBackends } from '../backends/registry.js';
import { nativeAddon, nativeStatus } from '../backends/native/addon.js';
import { NativeResNet } from '../backends/native/compile.js';
import { UserError } from '../errors.js';
let noticeShown = false;
/** `requested` (flag or API), else $RESNET50_BACKEND, else native if it loaded, else js. */
export function resolveBackend(requested) {
    const name = requested ?? process.env.RESNET50_BACKEND;
    if (name !== undefined && name !== 'native' && name !== 'js') {
        throw new UserError(`Unknown backend '${name}' (--backend); choose native or js (available: ${listBackends().join(', ')}).`);
    }
    if (name === 'native' && nativeAddon() === null) {
        throw new UserError(`The native backend is not available: ${nativeStatus().reason}; use --backend js.`);
    }
    if (name !== undefined)
        return name;
    if (nativeAddon() !== null)
        return 'native';
    if (!noticeShown) {
        noticeShown = true;
        process.stderr.write(`resnet50: native engine unavailable (${nativeStatus().reason}); using the TypeScript backend.\n`);
    }
    return 'js';
}
/** `source` lets the native engine read parameters from a file instead of the model (see loadRunner). */
export function createRunner(model, backend, source) {
    const name = resolveBackend(backend);
    if (name === 'native') {
        const native = new NativeResNet(model, source);
        return {
            backend: name,
            forward: (x) => native.forward(x),
            features: (x, layer) => native.features(x, layer),
        };
    }
    return {
        backend: name,
        forward: async (x) => model.call(x),
        features: async (x, layer) => {
            const t = model.forwardFeatures(x)[layer];
            if (t === undefined)
                throw new UserError(`--layer ${layer} is not available with pooling 'none'.`);
            return t;
        },
    };
}
//# sourceMappingURL=runner.js.map