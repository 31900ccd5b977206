/**
 * Ours in the web benchmark (bench/web_bench.ts): a Web Worker that loads weights from a URL through
 * the library's browser entry, builds the ResNet and a runner on a backend, and times its forward
 * pass on the input the page sends, as the classifier's worker would run it.
 */
import { listBackends, parseWeights, resnet, runnerOn, Tensor, type Runner } from '../src/browser.js';
import { registerWebWasm } from '../src/backends/wasm/register_web.js';
import type { WorkerReply, WorkerRequest } from './web_bench_page.js';

let runner: Runner | null = null;
// The wasm backend, as the library's worker registers it (its .wasm files next to the bundle).
const wasm = registerWebWasm();
const reply = (message: WorkerReply): void => postMessage(message);

addEventListener('message', async (event: MessageEvent<WorkerRequest>) => {
  const request = event.data;
  try {
    if (request.type === 'load') {
      const response = await fetch(request.weightsUrl);
      const bytes = new Uint8Array(await response.arrayBuffer());
      const model = resnet('resnet50', { init: 'none' });
      model.loadStateDict(parseWeights(bytes, request.weightsUrl));
      runner?.dispose();
      const registered = await wasm;
      let threads = 1;
      let build = '';
      if (request.backend === 'wasm') {
        if (!registered.registered)
          throw new Error(`the wasm backend is not registered: ${registered.reason}`);
        const run = await registered.use(request.threads);
        threads = run.threads;
        build = run.build;
      }
      runner = runnerOn(model, request.backend);
      reply({ type: 'loaded', backends: listBackends(), threads, build });
      return;
    }
    if (runner === null) throw new Error('no model loaded');
    const x = new Tensor(request.input, request.shape);
    const timesMs: number[] = [];
    for (let i = 0; i < request.warmup + request.iters; i++) {
      const t0 = performance.now();
      await runner.forward(x);
      if (i >= request.warmup) timesMs.push(performance.now() - t0);
    }
    reply({ type: 'times', timesMs });
  } catch (e) {
    reply({ type: 'error', message: (e as Error).message });
  }
});
