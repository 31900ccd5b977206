/**
 * The Web Worker that owns the model: `new Worker(new URL('./worker.js', import.meta.url), { type:
 * 'module' })` (client.ts does this by default). It registers the WebAssembly backend when its
 * builds can be fetched, then answers the classifier client's requests.
 */
import { registerWebWasm } from '../backends/wasm/register_web.js';
import type { Endpoint } from './protocol.js';
import { serve } from './serve.js';

// Listen at once (a request may arrive before the builds are fetched); answer once wasm is registered.
serve(globalThis as unknown as Endpoint, registerWebWasm());
