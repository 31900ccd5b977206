/**
 * Long jobs (training, the gradient study, activation maps, detection) in a worker thread, so that the
 * caller's event loop stays free while their kernels run (a training step or one image's detection
 * heads are seconds of synchronous kernel calls).
 *
 * Protocol: the worker posts each progress event and then sleeps (Atomics.wait on `control`) until
 * the caller's callback has returned. If the callback threw, the worker is told to stop, the job ends
 * at that event exactly as it would in one thread, and the promise rejects with the callback's own
 * error. Errors raised in the worker arrive with their class when they are user errors
 * (UserError, StateDictError, …) and with the worker's stack otherwise.
 *
 * Two more ways to end a running job: `stop` (anything with `aborted`, such as an AbortSignal) is
 * looked at after each event's callback, and once it is aborted a flag tells the job, which reads it
 * between its own units of work (a training step) and ends cleanly; `signal` (an AbortSignal)
 * terminates the worker at once and rejects with the signal's reason once the thread is gone.
 */
import { Worker } from 'node:worker_threads';
import { deserializeError, serializeError, type SerializedError } from '../errors.js';

/** Jobs the worker knows (see in_worker_entry.ts). */
export type WorkerJob = 'train' | 'gradients' | 'cam' | 'detect';

/** Sent to the worker. */
export interface WorkerJobData {
  job: WorkerJob;
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

const JOB_NAMES: Record<WorkerJob, string> = {
  train: 'Training worker',
  gradients: 'Gradient study worker',
  cam: 'Activation map worker',
  detect: 'Detection worker',
};

/** How the caller ends a running job: see the file header. */
export interface WorkerJobSignals {
  stop?: { readonly aborted: boolean };
  signal?: AbortSignal;
}

/** Runs `job(args, report)` in a new worker thread; `report` runs here, in order, for every event. */
export function runInWorker<R, E>(
  job: WorkerJob,
  args: unknown,
  report?: (event: E) => void,
  { stop, signal }: WorkerJobSignals = {},
): Promise<R> {
  const control = new Int32Array(new SharedArrayBuffer(8));
  const worker = new Worker(new URL('./in_worker_entry.js', import.meta.url), {
    workerData: { job, args, control } satisfies WorkerJobData,
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
        settle(() => reject(stopError ?? deserializeError(msg.error, JOB_NAMES[job])));
      }
    });
    // An error the job did not catch: user errors keep their class (one sentence), others their stack.
    worker.on('error', (err) =>
      settle(() => reject(stopError ?? deserializeError(serializeError(err), JOB_NAMES[job]))),
    );
    worker.on('exit', (code) =>
      settle(() => reject(stopError ?? new Error(`${JOB_NAMES[job]} exited with code ${code}.`))),
    );
  });
}
