/**
 * The page side of the web benchmark (bench/web_bench.ts drives it in headless Chromium): ours runs
 * in a worker (web_bench_worker.ts), onnxruntime-web (`ort.all.min.mjs`, the WASM execution
 * provider, SIMD, threads as asked) on this page's main thread as its documentation shows. Both take
 * the same input; `window.webBench` exposes the runs to the driver. With `?cold=MODEL_URL` the page
 * instead measures onnxruntime-web's cold start: the model from the Cache Storage (fetched and
 * stored on the first visit), a session, one batch-1 result; `window.webBenchCold` is the time from
 * the start of the page load.
 */
import type * as Ort from 'onnxruntime-web';

export type WorkerRequest =
  | { type: 'load'; weightsUrl: string; backend: string; threads: number }
  | { type: 'run'; input: Float32Array; shape: number[]; iters: number; warmup: number };
export type WorkerReply =
  | { type: 'loaded'; backends: string[]; threads: number; build: string }
  | { type: 'times'; timesMs: number[] }
  | { type: 'error'; message: string };

export interface Loaded {
  backends: string[];
  threads: number;
  build: string;
}

export interface RunOptions {
  batch: number;
  iters: number;
  warmup: number;
}

export interface WebBench {
  /**
   * Loads ours on a backend (in the worker; wasm on `threads` threads); resolves with the backends
   * registered there and the threads and build that run.
   */
  loadOurs(weightsUrl: string, backend: string, threads: number): Promise<Loaded>;
  ours(options: RunOptions): Promise<number[]>;
  /** Creates the onnxruntime-web session (threads are fixed once ORT has started). */
  loadOrt(modelUrl: string, threads: number): Promise<string>;
  ort(options: RunOptions): Promise<number[]>;
}

declare global {
  interface Window {
    webBench: WebBench;
    webBenchCold: { ms: number } | { error: string } | undefined;
  }
}

const ORT_URL = new URL('./ort/ort.all.min.mjs', location.href).href;

/** Values in [-1, 1) from a fixed linear-congruential sequence (both runtimes get the same). */
function input(batch: number): { data: Float32Array; shape: number[] } {
  const shape = [batch, 3, 224, 224];
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  let state = 12345;
  for (let i = 0; i < data.length; i++) {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    data[i] = (state >>> 8) / 8388608 - 1;
  }
  return { data, shape };
}

async function loadOrtModule(threads: number): Promise<typeof Ort> {
  const ort = (await import(/* @vite-ignore */ ORT_URL)) as typeof Ort;
  ort.env.wasm.numThreads = threads;
  ort.env.wasm.simd = true;
  ort.env.wasm.wasmPaths = new URL('./ort/', location.href).href;
  return ort;
}

const sessionOptions: Ort.InferenceSession.SessionOptions = {
  executionProviders: ['wasm'],
  graphOptimizationLevel: 'all',
  executionMode: 'sequential',
};

async function timeOrt(ort: typeof Ort, session: Ort.InferenceSession, o: RunOptions): Promise<number[]> {
  const { data, shape } = input(o.batch);
  const feeds = { [session.inputNames[0]!]: new ort.Tensor('float32', data, shape) };
  const timesMs: number[] = [];
  for (let i = 0; i < o.warmup + o.iters; i++) {
    const t0 = performance.now();
    const out = await session.run(feeds);
    if (i >= o.warmup) timesMs.push(performance.now() - t0);
    for (const t of Object.values(out)) t.dispose();
  }
  return timesMs;
}

function benchApi(): WebBench {
  const worker = new Worker(new URL('./web_bench_worker.js', import.meta.url), { type: 'module' });
  const call = (request: WorkerRequest, transfer: Transferable[] = []): Promise<WorkerReply> =>
    new Promise((resolve, reject) => {
      worker.onmessage = (e: MessageEvent<WorkerReply>) =>
        e.data.type === 'error' ? reject(new Error(e.data.message)) : resolve(e.data);
      worker.postMessage(request, transfer);
    });
  let ort: { module: typeof Ort; session: Ort.InferenceSession } | null = null;
  return {
    async loadOurs(weightsUrl, backend, threads) {
      const r = await call({ type: 'load', weightsUrl, backend, threads });
      return r.type === 'loaded'
        ? { backends: r.backends, threads: r.threads, build: r.build }
        : { backends: [], threads: 0, build: '' };
    },
    async ours({ batch, iters, warmup }) {
      const { data, shape } = input(batch);
      const r = await call({ type: 'run', input: data, shape, iters, warmup }, [data.buffer]);
      return r.type === 'times' ? r.timesMs : [];
    },
    async loadOrt(modelUrl, threads) {
      const module = await loadOrtModule(threads);
      const bytes = new Uint8Array(await (await fetch(modelUrl)).arrayBuffer());
      ort = { module, session: await module.InferenceSession.create(bytes, sessionOptions) };
      return module.env.versions.common;
    },
    ort: (o) => {
      if (ort === null) return Promise.reject(new Error('loadOrt first'));
      return timeOrt(ort.module, ort.session, o);
    },
  };
}

/** onnxruntime-web from page load to the first result, the model from the Cache Storage. */
async function coldOrt(modelUrl: string): Promise<void> {
  try {
    const ort = await loadOrtModule(2);
    const cache = await caches.open('web-bench');
    let response = await cache.match(modelUrl);
    if (response === undefined) {
      await cache.put(modelUrl, await fetch(modelUrl));
      response = (await cache.match(modelUrl))!;
    }
    const bytes = new Uint8Array(await response.arrayBuffer());
    const session = await ort.InferenceSession.create(bytes, sessionOptions);
    await timeOrt(ort, session, { batch: 1, iters: 1, warmup: 0 });
    window.webBenchCold = { ms: performance.now() };
  } catch (e) {
    window.webBenchCold = { error: (e as Error).message };
  }
}

const cold = new URLSearchParams(location.search).get('cold');
if (cold !== null) void coldOrt(new URL(cold, location.href).href);
else window.webBench = benchApi();
