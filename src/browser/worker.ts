/**
 * The Web Worker that owns the model: `new Worker(new URL('./worker.js', import.meta.url), { type:
 * 'module' })` (client.ts does this by default). It answers the classifier client's requests.
 */
import type { Endpoint } from './protocol.js';
import { serve } from './serve.js';

serve(globalThis as unknown as Endpoint);
