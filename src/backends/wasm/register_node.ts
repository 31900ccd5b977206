/**
 * Registers the WebAssembly backend for Node under 'wasm' (kernels and plan executor on the Node
 * platform: the .wasm read from wasm/build, worker_threads). Importing this module is the
 * registration; nothing loads until the backend is first used.
 */
import { registerBackend } from '../registry.js';
import { createNodeWasmBackend, nodeWasmExecutor } from './node.js';

registerBackend('wasm', createNodeWasmBackend, nodeWasmExecutor);
