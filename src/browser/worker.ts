/**
 * The Web Worker that owns the model: `new Worker(new URL('./worker.js', import.meta.url), { type:
 * 'module' })` (client.ts does this by default). It registers the WebAssembly backend when its
 * builds can be fetched, then answers the classifier client's requests; a load on 'wasm' sets the
 * engine's threads first and reports its threads and build.
 */
import { registerWebWasm } from '../backends/wasm/register_web.js';
import type { Endpoint } from './protocol.js';
import { serve, type PrepareBackend } from './serve.js';

const setup = registerWebWasm().then((wasm): PrepareBackend | null => {
  if (!wasm.registered) return null;
  return async (backend, threads) => (backend === 'wasm' ? wasm.use(threads) : { threads: 1, build: null });
});
// Listen at once (a request may arrive before the builds are fetched); answer once wasm is registered.
serve(globalThis as unknown as Endpoint, setup);
