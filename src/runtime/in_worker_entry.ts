/**
 * Worker thread of `runInWorker` (in_worker.ts): imports the module the caller named, runs its
 * function in this thread and reports its events to the caller, waiting after each one until the
 * caller's callback has returned. The function's `stop.aborted` reads the caller's stop flag.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { serializeError } from '../errors.js';
import {
  CONTINUE,
  STOP,
  type StopFlag,
  type WorkerFunction,
  type WorkerJobData,
  type WorkerJobMessage,
} from './in_worker.js';

/** The caller's callback threw; `runInWorker` rejects with that error, not this one. */
class StoppedByCaller extends Error {}

const port = parentPort;
if (!port) throw new Error('in_worker_entry.js must run in a worker thread.');
const { module, exportName, args, control } = workerData as WorkerJobData;
const post = (msg: WorkerJobMessage): void => port.postMessage(msg);
const stop: StopFlag = {
  get aborted(): boolean {
    return Atomics.load(control, 1) !== 0;
  },
};

function report(event: unknown): void {
  Atomics.store(control, 0, 0);
  post({ type: 'event', event });
  Atomics.wait(control, 0, 0);
  const answer = Atomics.load(control, 0);
  if (answer === STOP) throw new StoppedByCaller('stopped by the progress callback');
  if (answer !== CONTINUE)
    throw new Error(`worker job ${exportName}: unexpected answer ${answer} from the caller`);
}

async function jobFunction(): Promise<WorkerFunction<unknown, unknown, unknown>> {
  const fn = ((await import(module)) as Record<string, unknown>)[exportName];
  if (typeof fn !== 'function') throw new Error(`${module} exports no function '${exportName}'.`);
  return fn as WorkerFunction<unknown, unknown, unknown>;
}

try {
  post({ type: 'done', result: await (await jobFunction())(args, report, stop) });
} catch (err) {
  post({ type: 'error', error: serializeError(err) });
}
