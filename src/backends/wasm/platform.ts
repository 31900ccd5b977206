/**
 * The seam between the WebAssembly engine and the place it runs. Everything in this folder except
 * platform_node.ts, worker_node.ts and node.ts is free of Node APIs, so a browser bundle can import
 * the executor (executor.ts) and the kernels (kernels.ts) with `platform_web.ts`; Node code passes
 * `nodeWasmPlatform` (platform_node.ts). A platform says how many threads to use, whether workers
 * can share memory, where the built .wasm files are, and how to start a worker.
 */
import type { FromWorker, ToWorker } from './serve.js';

/** The instruction set of a build: relaxed SIMD (fused multiply-add) or plain SIMD128. */
export type WasmSimd = 'relaxed' | 'simd';
/** A build of wasm/kernels.cc: its SIMD and whether it runs threads over a shared memory (mt). */
export type WasmVariant = `${WasmSimd}-${'mt' | 'st'}`;

export const WASM_VARIANTS: readonly WasmVariant[] = ['relaxed-mt', 'relaxed-st', 'simd-mt', 'simd-st'];

/** File name of each build in wasm/build/ (scripts/build-wasm.mjs). */
export function wasmFile(variant: WasmVariant): string {
  return `resnet50-${variant}.wasm`;
}

/** One worker of the engine, as the host (host.ts) drives it. */
export interface WasmWorker {
  post(message: ToWorker, transfer?: ArrayBuffer[]): void;
  onMessage(handler: (message: FromWorker) => void): void;
  onError(handler: (error: Error) => void): void;
  /** Whether the worker keeps a Node process alive (the host holds it only while a request is pending). */
  keepAlive(on: boolean): void;
  terminate(): void;
}

export interface WasmPlatform {
  readonly name: string;
  /** Threads when the caller names none. */
  defaultThreads(): number;
  /** Whether workers can share one memory (SharedArrayBuffer; in a page only when crossOriginIsolated). */
  sharedMemory(): boolean;
  /** The bytes of a build. */
  wasmBytes(variant: WasmVariant): Promise<Uint8Array>;
  /**
   * The same, synchronously, for the op-by-op kernels on the calling thread. A platform that must
   * fetch throws a UserError until its bytes were loaded (platform_web.ts: preloadWasm).
   */
  wasmBytesSync(variant: WasmVariant): Uint8Array;
  /** Starts a worker running serve() (worker_node.ts or worker_web.ts). */
  startWorker(): WasmWorker;
}
