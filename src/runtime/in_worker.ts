/**
 * Runs a long job in a worker thread, so that the caller's event loop stays free while its kernels
 * run (a training step or one image's detection heads are seconds of synchronous kernel calls). The
 * caller names the job: a module (its URL) and the function it exports, called in the worker as
 * `fn(args, report, stop)`. This file knows no jobs.
 *
 * Protocol: the worker posts each progress event and then sleeps (Atomics.wait on `control`) until
 * the caller's callback has returned. If the callback threw, the worker is told to stop, the job ends
 * at that event exactly as it would in one thread, and the promise rejects with the callback's own
 * error. Errors raised in the worker arrive with their class when they are user errors
 * (UserError, StateDictError, …) and with the worker's stack otherwise, under the job's `name`.
 *
 * Two more ways to end a running job: `stop` (anything with `aborted`, such as an AbortSignal) is
 * looked at after each event's callback, and once it is aborted the job's own `stop.aborted` turns
 * true, which the job reads between its own units of work (a training step) to end cleanly; `signal`
 * (an AbortSignal) terminates the worker at once and rejects with the signal's reason once the thread
 * is gone.
 */
import { Worker } from 'node:worker_threads';
import { deserializeError, serializeError, type SerializedError } from '../errors.js';

/** A stop flag: the caller's `stop` in this thread, its mirror in the worker. */
export interface StopFlag {
  readonly aborted: boolean;
}

/** The shape of a function a worker runs (exported by the module the caller names). */
export type WorkerFunction<A, E, R> = (args: A, report: (event: E) => void, stop: StopFlag) => Promise<R>;

/** Sent to the worker. */
export interface WorkerJobData {
  /** The URL of the module that exports the job's function. */
  module: string;
  exportName: string;
  args: unknown;
  /** [0]: the caller's answer to the last event: 0 pending, CONTINUE or STOP; [1]: 1 once `stop` is aborted. */
  control: Int32Array;
}

/** Sent by the worker. */
export type WorkerJobMessage =
  | { type: 'event'; event: unknown }
  | { type: 'done'; result: unknown }
  | { type: 'error'; error: SerializedError };

export const CONTINUE = 1;
export const STOP = 2;

/** How the caller names a running job and ends it: see the file header. */
export interface InWorkerOptions {
  /** The job in messages about failures that are bugs: 'Training worker' → "Training worker failed: …". */
  name: string;
  stop?: StopFlag;
  signal?: AbortSignal;
}

/**
 * Runs `module`'s export `exportName` as `fn(args, report, stop)` in a new worker thread; `report`
 * runs here, in order, for every event. `args` and the result cross by structured clone.
 */
export function runInWorker<R, E>(
  module: URL,
  exportName: string,
  args: unknown,
  report: ((event: E) => void) | undefined,
  { name, stop, signal }: InWorkerOptions,
): Promise<R> {
  const control = new Int32Array(new SharedArrayBuffer(8));
  const worker = new Worker(new URL('./in_worker_entry.js', import.meta.url), {
    workerData: { module: module.href, exportName, args, control } satisfies WorkerJobData,
  });
  return new Promise<R>((resolve, reject) => {
    let stopError: unknown = null;
    let settled = false;
    const settle = (fn: () => void): void => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      fn();
    };
    const onAbort = (): void =>
      settle(() => {
        const gone = (): void => reject(signal?.reason);
        worker.terminate().then(gone, gone);
      });
    if (signal?.aborted === true) onAbort();
    else signal?.addEventListener('abort', onAbort);
    worker.on('message', (msg: WorkerJobMessage) => {
      if (settled) return;
      if (msg.type === 'event') {
        let answer = CONTINUE;
        try {
          report?.(msg.event as E);
        } catch (err) {
          stopError = err;
          answer = STOP;
        }
        if (stop?.aborted === true) Atomics.store(control, 1, 1);
        Atomics.store(control, 0, answer);
        Atomics.notify(control, 0);
      } else if (msg.type === 'done') {
        settle(() => resolve(msg.result as R));
      } else {
        settle(() => reject(stopError ?? deserializeError(msg.error, name)));
      }
    });
    // An error the job did not catch: user errors keep their class (one sentence), others their stack.
    worker.on('error', (err) =>
      settle(() => reject(stopError ?? deserializeError(serializeError(err), name))),
    );
    worker.on('exit', (code) =>
      settle(() => reject(stopError ?? new Error(`${name} exited with code ${code}.`))),
    );
  });
}
