/**
 * The calling thread's side of the WebAssembly engine: starts the leader worker and the helpers,
 * sends requests and resolves their answers. Nothing heavy runs here: weights and inputs are posted
 * (a copy), packing and every kernel run in the workers.
 */
import { OptionError, UserError, deserializeError } from '../../errors.js';
import type { PlanResult } from '../../plan/plan.js';
import type { WasmPlatform, WasmSimd, WasmVariant, WasmWorker } from './platform.js';
import type { FromWorker, LeaderReady, ToWorker } from './serve.js';
import { WebAssemblyApi } from './wasm_api.js';

/** Which SIMD build to run: relaxed when the engine supports it (auto), or the one named. */
export type SimdChoice = 'auto' | WasmSimd;

/** What an engine runs: its build, threads and conv register tile. */
export interface WasmEngineInfo {
  variant: WasmVariant;
  threads: number;
  tile: number;
}

/** The build to run and its bytes: relaxed SIMD where this JavaScript engine validates it. */
export async function chooseBuild(
  platform: WasmPlatform,
  simd: SimdChoice,
  threaded: boolean,
): Promise<{ variant: WasmVariant; bytes: Uint8Array }> {
  const suffix = threaded ? 'mt' : 'st';
  if (simd !== 'simd') {
    const bytes = await platform.wasmBytes(`relaxed-${suffix}`);
    if (WebAssemblyApi.validate(bytes)) return { variant: `relaxed-${suffix}`, bytes };
    if (simd === 'relaxed') {
      throw new OptionError(`This JavaScript engine has no relaxed SIMD; use {simd} 'simd' or 'auto'.`);
    }
  }
  const bytes = await platform.wasmBytes(`simd-${suffix}`);
  if (!WebAssemblyApi.validate(bytes)) throw new UserError('This JavaScript engine has no WebAssembly SIMD.');
  return { variant: `simd-${suffix}`, bytes };
}

type Request = ToWorker extends infer M ? (M extends { id: number } ? Omit<M, 'id'> : never) : never;

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

export class WasmHost {
  private readonly leader: WasmWorker;
  private readonly helpers: WasmWorker[] = [];
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private broken: Error | undefined;
  /** Resolves when the leader and every helper are ready; its value says what runs. */
  readonly ready: Promise<WasmEngineInfo>;

  constructor(
    private readonly platform: WasmPlatform,
    private readonly simd: SimdChoice,
    readonly threads: number,
  ) {
    this.leader = this.start();
    this.ready = this.init();
    this.ready.catch(() => undefined);
  }

  private start(): WasmWorker {
    const worker = this.platform.startWorker();
    worker.onMessage((m: FromWorker) => {
      const p = this.pending.get(m.id);
      if (p === undefined) return;
      this.pending.delete(m.id);
      if (this.pending.size === 0) this.leader.keepAlive(false);
      if (m.type === 'done') p.resolve(m.value);
      else p.reject(deserializeError(m.error, 'The WebAssembly engine'));
    });
    worker.onError((e) => this.fail(e));
    // After the listeners: attaching one holds a Node process again.
    worker.keepAlive(false);
    return worker;
  }

  private fail(e: Error): void {
    this.broken = new Error(`The WebAssembly engine's worker failed: ${e.message}`);
    for (const p of this.pending.values()) p.reject(this.broken);
    this.pending.clear();
    this.close();
  }

  private send<T>(worker: WasmWorker, request: Request, transfer?: ArrayBuffer[]): Promise<T> {
    if (this.broken !== undefined) return Promise.reject(this.broken);
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      this.leader.keepAlive(true);
      worker.post({ ...request, id } as ToWorker, transfer);
    });
  }

  private async init(): Promise<WasmEngineInfo> {
    const { variant, bytes } = await chooseBuild(this.platform, this.simd, this.platform.sharedMemory());
    const ready = await this.send<LeaderReady>(this.leader, {
      type: 'leader',
      bytes,
      shared: variant.endsWith('-mt'),
      threads: this.threads,
    });
    const { memory, pool, stacks } = ready;
    await Promise.all(
      stacks.map((stack, k) => {
        const helper = this.start();
        this.helpers.push(helper);
        if (memory === null) throw new Error('the wasm leader shared no memory with its helpers');
        return this.send(helper, { type: 'helper', bytes, memory, pool, tid: k + 1, stack });
      }),
    );
    return { variant, threads: this.threads, tile: ready.tile };
  }

  async compile(plan: number, ops: unknown, outputs: number[]): Promise<number> {
    await this.ready;
    return this.send<number>(this.leader, { type: 'compile', plan, ops, outputs });
  }

  async run(
    plan: number,
    data: Float32Array,
    shape: [number, number, number, number],
  ): Promise<PlanResult[]> {
    await this.ready;
    return this.send<PlanResult[]>(this.leader, { type: 'run', plan, data, shape });
  }

  async dispose(plan: number): Promise<void> {
    await this.ready;
    await this.send<null>(this.leader, { type: 'dispose', plan });
  }

  /** Stops the helpers and terminates every worker; pending requests reject. */
  async shutdown(): Promise<void> {
    try {
      await this.ready;
      await this.send<null>(this.leader, { type: 'quit' });
    } finally {
      this.close();
    }
  }

  private close(): void {
    this.broken ??= new Error('The WebAssembly engine was shut down.');
    for (const w of [this.leader, ...this.helpers]) w.terminate();
  }
}
