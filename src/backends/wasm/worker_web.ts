/** A worker of the WebAssembly engine in a browser (a module Web Worker started by platform_web.ts). */
import { UserError } from '../../errors.js';
import type { FileTensor } from '../../plan/plan.js';
import { serve, type ToWorker } from './serve.js';

interface WorkerScope {
  postMessage(message: unknown, transfer: ArrayBuffer[]): void;
  addEventListener(type: 'message', listener: (event: { data: ToWorker }) => void): void;
}

const scope = globalThis as unknown as WorkerScope;

serve(
  {
    post: (message, transfer) => scope.postMessage(message, transfer ?? []),
    listen: (handler) => scope.addEventListener('message', (event) => handler(event.data)),
  },
  (t: FileTensor) => {
    throw new UserError(
      `Weights inside files (${t.file}) are read in Node only; in a browser, pass them in memory.`,
    );
  },
);
