/**
 * The WebAssembly plan executor: translates a plan into the engine's op records (ops.ts), which the
 * engine's leader worker checks, packs (batch norm folded, weights in blocked layout) and runs
 * (an arena per input size, threads over one shared memory). Nothing heavy runs on the calling
 * thread: with one thread the engine still runs in a worker. The platform (platform.ts) is passed
 * in, so that this module imports nothing from Node and a browser bundle can use it.
 */
import { OptionError, UserError } from '../../errors.js';
import { checkPlanInput } from '../../plan/check_input.js';
import type { CompiledPlan, Plan, PlanExecutor } from '../../plan/plan.js';
import { WasmHost, type SimdChoice, type WasmEngineInfo } from './host.js';
import { checkWasmOps, packedWeightBytes, toWasmOps } from './ops.js';
import type { WasmPlatform } from './platform.js';

export interface WasmOptions {
  /** Threads (workers over one shared memory); default: the platform's (Node: the cores or $RESNET50_THREADS). */
  threads?: number;
  /** 'auto' (default): relaxed SIMD (fused multiply-add) where the JavaScript engine has it, else plain SIMD. */
  simd?: SimdChoice;
}

export interface WasmExecutor extends PlanExecutor {
  /** The build, threads and conv tile the engine runs (starts it when needed). */
  info(): Promise<WasmEngineInfo>;
  /** Stops the engine's workers; plans compiled before reject their runs. A later compile starts it again. */
  shutdown(): Promise<void>;
}

/** The most threads a run can use (kMaxThreads of wasm/kernels.cc). */
export const MAX_WASM_THREADS = 64;

export function createWasmExecutor(platform: WasmPlatform, options: WasmOptions = {}): WasmExecutor {
  const simd = options.simd ?? 'auto';
  if (!['auto', 'relaxed', 'simd'].includes(simd)) {
    throw new OptionError(`{simd} must be 'auto', 'relaxed' or 'simd', got '${String(simd)}'.`);
  }
  const requested = options.threads;
  if (
    requested !== undefined &&
    (!Number.isSafeInteger(requested) || requested < 1 || requested > MAX_WASM_THREADS)
  ) {
    throw new OptionError(
      `{threads} must be an integer from 1 to ${MAX_WASM_THREADS}, got ${String(requested)}.`,
    );
  }
  let host: WasmHost | undefined;
  let nextPlan = 1;
  const engine = (): WasmHost => {
    if (host === undefined) {
      const threads = platform.sharedMemory()
        ? Math.min(requested ?? platform.defaultThreads(), MAX_WASM_THREADS)
        : 1;
      host = new WasmHost(platform, simd, threads);
    }
    return host;
  };

  const compile = (plan: Plan): CompiledPlan => {
    const { ops, outputs } = toWasmOps(plan);
    checkWasmOps(ops);
    const h = engine();
    const id = nextPlan++;
    const compiled = h.compile(id, ops, outputs);
    compiled.catch(() => undefined);
    let disposed = false;
    return {
      async run(data, shape) {
        if (disposed) throw new UserError('This compiled plan was disposed.');
        checkPlanInput(plan, data, shape);
        await compiled;
        return h.run(id, data, [shape[0], shape[1], shape[2], shape[3]]);
      },
      weightBytes: () => packedWeightBytes(ops),
      dispose() {
        if (disposed) return;
        disposed = true;
        compiled.then(() => h.dispose(id)).catch(() => undefined);
      },
    };
  };

  return {
    name: 'wasm',
    compile,
    info: () => engine().ready,
    async shutdown() {
      const h = host;
      host = undefined;
      if (h !== undefined) await h.shutdown();
    },
  };
}
