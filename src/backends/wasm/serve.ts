/**
 * What a worker of the WebAssembly engine does, on any platform (worker_node.ts and worker_web.ts
 * only connect it to their message port). The first worker is the leader: it creates the memory
 * (shared when the engine has several threads), compiles and runs plans, and answers every request.
 * The other workers are helpers: each instantiates the same module over the leader's memory with a
 * stack of its own, reports ready, then stays inside the kernels' helper loop (woken through
 * Atomics by each run) until the pool quits.
 */
import { serializeError, type SerializedError } from '../../errors.js';
import type { FileTensor, PlanResult, Slot } from '../../plan/plan.js';
import { Engine, STACK_BYTES, createMemory, instantiate, type EnginePlan } from './engine.js';
import { checkWasmOps } from './ops.js';
import { WebAssemblyApi, type WasmMemory } from './wasm_api.js';

export type Shape4 = [number, number, number, number];

/** Messages to a worker; each with an id is answered once, with a result or an error. */
export type ToWorker =
  /** shared: the build is threaded (its memory must be shared, even when this engine runs one thread). */
  | { type: 'leader'; id: number; bytes: Uint8Array; shared: boolean; threads: number }
  | {
      type: 'helper';
      id: number;
      bytes: Uint8Array;
      memory: WasmMemory;
      pool: number;
      tid: number;
      stack: number;
    }
  | { type: 'compile'; id: number; plan: number; ops: unknown; outputs: Slot[] }
  | { type: 'run'; id: number; plan: number; data: Float32Array; shape: Shape4 }
  | { type: 'dispose'; id: number; plan: number }
  | { type: 'quit'; id: number };

/** The leader's answer to 'leader': the memory and pool the helpers join, and their stacks' tops. */
export interface LeaderReady {
  memory: WasmMemory | null;
  pool: number;
  stacks: number[];
  /** The register tile of the conv kernel: pixels × 100 + vectors. */
  tile: number;
}

/** Answers: 'compile' → weight bytes, 'run' → PlanResult[], the others → null. */
export type FromWorker =
  | { type: 'done'; id: number; value: LeaderReady | PlanResult[] | number | null }
  | { type: 'error'; id: number; error: SerializedError };

export interface WorkerPort {
  post(message: FromWorker, transfer?: ArrayBuffer[]): void;
  listen(handler: (message: ToWorker) => void): void;
}

/** Serves the engine's messages on `port`; `readTensor` reads parameters kept in files. */
export function serve(port: WorkerPort, readTensor: (t: FileTensor) => Float32Array): void {
  let engine: Engine | undefined;
  const plans = new Map<number, EnginePlan>();
  const started = (): Engine => {
    if (engine === undefined) throw new Error('the wasm leader received a request before it started');
    return engine;
  };
  port.listen((m) => {
    try {
      switch (m.type) {
        case 'leader': {
          const memory = createMemory(m.shared);
          const exports = instantiate(new WebAssemblyApi.Module(m.bytes), memory);
          const pool = m.threads > 1 ? exports.pool_create() : 0;
          engine = new Engine(exports, memory, m.threads, pool);
          const stacks: number[] = [];
          for (let t = 1; t < m.threads; t++) stacks.push(engine.alloc(STACK_BYTES) + STACK_BYTES);
          const ready: LeaderReady = {
            memory: m.threads > 1 ? memory : null,
            pool,
            stacks,
            tile: exports.tile(),
          };
          port.post({ type: 'done', id: m.id, value: ready });
          return;
        }
        case 'helper': {
          const exports = instantiate(new WebAssemblyApi.Module(m.bytes), m.memory);
          exports.__stack_pointer.value = m.stack;
          port.post({ type: 'done', id: m.id, value: null });
          exports.helper_loop(m.pool, m.tid);
          return;
        }
        case 'compile': {
          const plan = started().compile(checkWasmOps(m.ops), m.outputs, readTensor);
          plans.set(m.plan, plan);
          port.post({ type: 'done', id: m.id, value: plan.weightBytes });
          return;
        }
        case 'run': {
          const plan = plans.get(m.plan);
          if (plan === undefined) throw new Error(`wasm plan ${m.plan} is not compiled`);
          const results = started().run(plan, m.data, m.shape);
          const transfer = results.map((r) => r.data.buffer as ArrayBuffer);
          port.post({ type: 'done', id: m.id, value: results }, transfer);
          return;
        }
        case 'dispose': {
          const plan = plans.get(m.plan);
          if (plan !== undefined) started().free(plan);
          plans.delete(m.plan);
          port.post({ type: 'done', id: m.id, value: null });
          return;
        }
        case 'quit': {
          if (engine !== undefined && engine.pool !== 0) engine.exports.pool_quit(engine.pool);
          port.post({ type: 'done', id: m.id, value: null });
          return;
        }
      }
    } catch (e) {
      port.post({ type: 'error', id: m.id, error: serializeError(e) });
    }
  });
}
