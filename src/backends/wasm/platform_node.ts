/** The WebAssembly engine's platform in Node: worker_threads, the .wasm files read from the package. */
import { readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { checkThreads } from '../../limits.js';
import { wasmFile, type WasmPlatform, type WasmVariant } from './platform.js';

/** wasm/build/ of the package (from dist/src/backends/wasm/). */
const BUILD = new URL('../../../../wasm/build/', import.meta.url);

export const nodeWasmPlatform: WasmPlatform = {
  name: 'node',
  defaultThreads() {
    const threads = Number(process.env.RESNET50_THREADS ?? 0);
    if (threads !== 0) checkThreads('$RESNET50_THREADS', threads);
    return threads || availableParallelism();
  },
  sharedMemory: () => true,
  wasmBytes: async (variant: WasmVariant) => readFileSync(new URL(wasmFile(variant), BUILD)),
  wasmBytesSync: (variant: WasmVariant) => readFileSync(new URL(wasmFile(variant), BUILD)),
  startWorker() {
    // No flags of the process: a worker refuses some (--input-type, V8 flags such as
    // --experimental-wasm-relaxed-simd, which hold for the whole process anyway).
    const worker = new Worker(new URL('./worker_node.js', import.meta.url), {
      name: 'resnet50 wasm',
      execArgv: [],
    });
    return {
      post: (message, transfer) => worker.postMessage(message, transfer),
      onMessage: (handler) => worker.on('message', handler),
      onError: (handler) => worker.on('error', handler),
      keepAlive: (on) => (on ? worker.ref() : worker.unref()),
      terminate: () => void worker.terminate(),
    };
  },
};
