/**
 * Registers the WebAssembly backend in a browser under 'wasm' (the .wasm fetched next to the bundle,
 * Web Workers, threads when the page is cross-origin isolated). The op-by-op kernels (CAM) run
 * synchronously and need the single-threaded builds in memory, so the builds are fetched first;
 * when they cannot be (not served next to the bundle), 'wasm' stays unregistered and sessions run on
 * the reference backend.
 */
import { registerBackend } from '../registry.js';
import { createWasmExecutor, type WasmExecutor } from './executor.js';
import { createWasmBackend } from './kernels.js';
import type { WasmPlatform, WasmSimd } from './platform.js';
import { preloadWasm, webWasmPlatform } from './platform_web.js';

/** What the registered engine runs: its threads and its SIMD build. */
export interface WasmRun {
  threads: number;
  build: WasmSimd;
}

/**
 * Sets the registered engine's threads (undefined: the platform's default; 1 without shared
 * memory) and resolves what then runs, starting the engine.
 */
export type UseWasm = (threads?: number) => Promise<WasmRun>;

/**
 * Registers 'wasm' on `platform` and returns how to pick its threads: a new thread count replaces
 * the registered executor (the old one's workers stop; plans compiled on it reject their runs).
 */
export function registerWasm(platform: WasmPlatform): UseWasm {
  let executor: WasmExecutor | null = null;
  let asked: number | undefined;
  const register = (threads: number | undefined): void => {
    executor = createWasmExecutor(platform, { threads });
    asked = threads;
    registerBackend('wasm', () => createWasmBackend(platform), executor);
  };
  register(undefined);
  return async (threads) => {
    const old = executor!;
    if (threads !== asked) {
      register(threads);
      await old.shutdown();
    }
    const { variant, threads: running } = await executor!.info();
    return { threads: running, build: variant.startsWith('relaxed') ? 'relaxed' : 'simd' };
  };
}

/** Whether 'wasm' was registered (with how to pick its threads), or the reason it was not. */
export async function registerWebWasm(): Promise<
  { registered: true; use: UseWasm } | { registered: false; reason: string }
> {
  try {
    await preloadWasm();
  } catch (e) {
    return { registered: false, reason: (e as Error).message };
  }
  return { registered: true, use: registerWasm(webWasmPlatform) };
}
