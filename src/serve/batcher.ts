/**
 * Dynamic batching: inputs submitted by concurrent requests wait in one bounded queue; inputs that
 * share a key (the output asked for and the input shape) are run together, up to `maxBatch` per
 * pass, as soon as a group is full or its oldest input has waited `maxDelayMs`. One pass runs at a
 * time (the engine spreads a batch over all cores); the group of the oldest waiting input goes
 * first. Each input gets back exactly its own row of the pass's outputs.
 */
import { HttpError } from './http_error.js';

export interface BatcherOptions {
  /** Inputs per pass (≥ 1). */
  maxBatch: number;
  /** How long the oldest input of a group may wait for others to join it, in ms (≥ 0). */
  maxDelayMs: number;
  /** Inputs that may wait at once; one more is refused with 503 and Retry-After. */
  maxQueue: number;
  /** Called with the size of each pass as it starts. */
  onBatch?: (size: number) => void;
}

/**
 * Runs one pass: `inputs` share `key`; resolves to one output per input, in order. `queuedMs`: how
 * long the inputs waited for this pass, summed over them.
 */
export type RunBatch<I, O> = (key: string, inputs: I[], queuedMs: number) => Promise<O[]>;

interface Pending<I, O> {
  key: string;
  input: I;
  since: number;
  resolve(output: O): void;
  reject(error: unknown): void;
}

export class Batcher<I, O> {
  private readonly queue: Pending<I, O>[] = [];
  private running = false;
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly run: RunBatch<I, O>,
    private readonly options: BatcherOptions,
  ) {}

  /** Whether a pass is running. */
  get busy(): boolean {
    return this.running;
  }

  /** Inputs waiting for a pass (not those in the pass that runs). */
  get depth(): number {
    return this.queue.length;
  }

  /**
   * Queues `inputs` (sharing `key`) and resolves to their outputs. Refused at once with 503 when the
   * queue has no room for all of them. When `signal` aborts, inputs not yet in a pass leave the
   * queue, and the promise rejects with the signal's reason (an input already running finishes,
   * its output unused).
   */
  submit(key: string, inputs: readonly I[], signal?: AbortSignal): Promise<O[]> {
    if (signal?.aborted === true) return Promise.reject(signal.reason);
    if (this.queue.length + inputs.length > this.options.maxQueue) {
      throw new HttpError(503, `The server is busy (${this.queue.length} images queued); retry shortly.`, {
        'Retry-After': '1',
      });
    }
    const now = performance.now();
    const mine: Pending<I, O>[] = [];
    const all = Promise.all(
      inputs.map(
        (input) =>
          new Promise<O>((resolve, reject) => {
            const p = { key, input, since: now, resolve, reject };
            mine.push(p);
            this.queue.push(p);
          }),
      ),
    );
    this.schedule();
    if (signal === undefined) return all;
    return new Promise<O[]>((resolve, reject) => {
      const onAbort = (): void => {
        for (const p of mine) {
          const at = this.queue.indexOf(p);
          if (at >= 0) this.queue.splice(at, 1);
        }
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      all.then(
        (outputs) => {
          signal.removeEventListener('abort', onAbort);
          resolve(outputs);
        },
        (e: unknown) => {
          signal.removeEventListener('abort', onAbort);
          reject(e);
        },
      );
    });
  }

  /** Starts a pass now, or sets a timer for when the oldest group's delay is up. */
  private schedule(): void {
    if (this.running || this.queue.length === 0) return;
    const oldest = this.queue[0];
    const group = this.queue.filter((p) => p.key === oldest.key).length;
    const waited = performance.now() - oldest.since;
    if (group < this.options.maxBatch && waited < this.options.maxDelayMs) {
      if (this.timer === null) {
        this.timer = setTimeout(() => {
          this.timer = null;
          this.schedule();
        }, this.options.maxDelayMs - waited);
      }
      return;
    }
    if (this.timer !== null) {
      clearTimeout(this.timer);
      this.timer = null;
    }
    const batch: Pending<I, O>[] = [];
    for (let i = 0; i < this.queue.length && batch.length < this.options.maxBatch;) {
      if (this.queue[i].key === oldest.key) batch.push(...this.queue.splice(i, 1));
      else i++;
    }
    this.running = true;
    this.options.onBatch?.(batch.length);
    // The next pass starts before this one's requests are answered: their answers (softmax, JSON,
    // writes) then run on the event loop while the engine works, instead of in front of its next pass.
    const next = (): void => {
      this.running = false;
      this.schedule();
    };
    const now = performance.now();
    this.run(
      oldest.key,
      batch.map((p) => p.input),
      batch.reduce((sum, p) => sum + (now - p.since), 0),
    ).then(
      (outputs) => {
        next();
        batch.forEach((p, i) => p.resolve(outputs[i]));
      },
      (e: unknown) => {
        next();
        batch.forEach((p) => p.reject(e));
      },
    );
  }
}
