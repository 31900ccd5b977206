/**
 * Registers the WebAssembly backend in a browser under 'wasm' (the .wasm fetched next to the bundle,
 * Web Workers, threads when the page is cross-origin isolated). The op-by-op kernels (CAM) run
 * synchronously and need the single-threaded builds in memory, so the builds are fetched first;
 * when they cannot be (not served next to the bundle), 'wasm' stays unregistered and sessions run on
 * the reference backend.
 */
import { registerBackend } from '../registry.js';
import { createWasmExecutor } from './executor.js';
import { createWasmBackend } from './kernels.js';
import { preloadWasm, webWasmPlatform } from './platform_web.js';

/** Whether 'wasm' was registered; the reason when it was not. */
export async function registerWebWasm(): Promise<{ registered: boolean; reason?: string }> {
  try {
    await preloadWasm();
  } catch (e) {
    return { registered: false, reason: (e as Error).message };
  }
  registerBackend('wasm', () => createWasmBackend(webWasmPlatform), createWasmExecutor(webWasmPlatform));
  return { registered: true };
}
