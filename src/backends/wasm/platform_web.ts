/**
 * The WebAssembly engine's platform in a browser: module Web Workers, the .wasm files fetched at
 * `wasm/build/` of the package, as the literal `new URL('…', import.meta.url)` below says. Vite and
 * webpack see these literals and emit each file (and the engine's worker) with the bundle; with
 * esbuild, which copies no such asset, the URLs resolve against the bundle's own URL, so a bundle
 * at a site's root fetches `/wasm/build/resnet50-*.wasm` and `/worker_web.js` (web/build.ts puts
 * them there). Threads need SharedArrayBuffer, which a page has only when cross-origin isolated
 * (COOP: same-origin and COEP: require-corp); otherwise the engine runs one thread in one worker.
 */
import { UserError } from '../../errors.js';
import type { FromWorker } from './serve.js';
import type { WasmPlatform, WasmVariant } from './platform.js';

interface WebGlobals {
  crossOriginIsolated?: boolean;
  navigator?: { hardwareConcurrency?: number };
  fetch(url: URL): Promise<{ ok: boolean; status: number; arrayBuffer(): Promise<ArrayBuffer> }>;
}

const web = globalThis as unknown as WebGlobals;

// One literal URL per build, so that bundlers see and copy each file.
const URLS: Record<WasmVariant, URL> = {
  'relaxed-mt': new URL('../../../../wasm/build/resnet50-relaxed-mt.wasm', import.meta.url),
  'relaxed-st': new URL('../../../../wasm/build/resnet50-relaxed-st.wasm', import.meta.url),
  'simd-mt': new URL('../../../../wasm/build/resnet50-simd-mt.wasm', import.meta.url),
  'simd-st': new URL('../../../../wasm/build/resnet50-simd-st.wasm', import.meta.url),
};

const loaded = new Map<WasmVariant, Uint8Array>();

async function fetchBytes(variant: WasmVariant): Promise<Uint8Array> {
  const cached = loaded.get(variant);
  if (cached !== undefined) return cached;
  const response = await web.fetch(URLS[variant]);
  if (!response.ok) throw new UserError(`Cannot load ${URLS[variant].href} (HTTP ${response.status}).`);
  const bytes = new Uint8Array(await response.arrayBuffer());
  loaded.set(variant, bytes);
  return bytes;
}

/** Fetches the single-threaded builds, after which the op-by-op kernels (kernels.ts) can run. */
export async function preloadWasm(): Promise<void> {
  await Promise.all((['relaxed-st', 'simd-st'] as const).map(fetchBytes));
}

export const webWasmPlatform: WasmPlatform = {
  name: 'web',
  defaultThreads: () =>
    webWasmPlatform.sharedMemory() ? Math.min(web.navigator?.hardwareConcurrency ?? 1, 8) : 1,
  sharedMemory: () => web.crossOriginIsolated === true && typeof SharedArrayBuffer === 'function',
  wasmBytes: fetchBytes,
  wasmBytesSync(variant) {
    const bytes = loaded.get(variant);
    if (bytes === undefined)
      throw new UserError('The WebAssembly kernels are not loaded yet: await preloadWasm() first.');
    return bytes;
  },
  startWorker() {
    // Written as `new Worker(new URL(literal, import.meta.url))`, the form bundlers recognize.
    const worker = new Worker(new URL('./worker_web.js', import.meta.url), {
      type: 'module',
      name: 'resnet50 wasm',
    });
    return {
      post: (message, transfer) => worker.postMessage(message, transfer ?? []),
      onMessage: (handler) =>
        worker.addEventListener('message', (event: MessageEvent<FromWorker>) => handler(event.data)),
      onError: (handler) =>
        worker.addEventListener('error', (event: ErrorEvent) =>
          handler(new Error(event.message || 'the engine worker could not start')),
        ),
      keepAlive: () => undefined,
      terminate: () => worker.terminate(),
    };
  },
};
