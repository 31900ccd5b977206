/**
 * Loads the native engine (native/build/Release/resnet50_native.node, built by node-gyp during
 * `npm install`). If it is missing or fails to load, everything keeps working on the TypeScript
 * backend and `nativeStatus()` says why; the CLI says so once.
 */
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';
/** The plan op of a max-pool from its parameters (kernel, stride, padding as [H, W] pairs). */
export function maxPoolOp(p, input, output) {
    return {
        op: 'maxpool',
        input,
        output,
        kernelH: p.kernelSize[0],
        kernelW: p.kernelSize[1],
        strideH: p.stride[0],
        strideW: p.stride[1],
        padH: p.padding[0],
        padW: p.padding[1],
    };
}
const ADDON_PATH = fileURLToPath(new URL('../../../../native/build/Release/resnet50_native.node', import.meta.url));
let addon;
let loadError = '';
/** The addon, or null when it is not built or cannot load on this machine. */
export function nativeAddon() {
    if (addon === undefined) {
        if (process.env.RESNET50_DISABLE_NATIVE === '1') {
            addon = null;
            loadError = 'disabled by RESNET50_DISABLE_NATIVE=1';
            return addon;
        }
        try {
            addon = createRequire(import.meta.url)(ADDON_PATH);
            const threads = Number(process.env.RESNET50_THREADS ?? 0);
            const isa = process.env.RESNET50_ISA;
            if (threads > 0 || isa !== undefined)
                addon.configure({ threads, isa });
        }
        catch (e) {
            addon = null;
            loadError = e.message.split('\n')[0];
        }
    }
    return addon;
}
export function nativeStatus() {
    const a = nativeAddon();
    if (a === null)
        return { available: false, reason: loadError };
    return { available: true, ...a.configure() };
}
//# sourceMappingURL=addon.js.map