/**
 * Worker thread of `train()`: runs the training loop off the caller's event loop. Each progress
 * event goes to the caller, and the worker sleeps (Atomics.wait) until the caller's callback has
 * returned; if it threw, the run stops right there, as it would in one thread.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { serializeError } from '../errors.js';
import {
  CONTINUE,
  STOP,
  trainInThisThread,
  type TrainEvent,
  type TrainWorkerData,
  type TrainWorkerMessage,
} from './trainer.js';

/** The caller's callback threw; its error is the one `train()` rejects with. */
class StoppedByCaller extends Error {}

const port = parentPort;
if (!port) throw new Error('train_worker.js must run in a worker thread.');
const { options, control } = workerData as TrainWorkerData;
const post = (msg: TrainWorkerMessage): void => port.postMessage(msg);

function report(event: TrainEvent): void {
  Atomics.store(control, 0, 0);
  post({ type: 'event', event });
  Atomics.wait(control, 0, 0);
  if (Atomics.load(control, 0) === STOP) throw new StoppedByCaller('stopped by the progress callback');
  if (Atomics.load(control, 0) !== CONTINUE) throw new Error('training worker: bad answer from the caller');
}

try {
  const result = await trainInThisThread(options, report);
  post({ type: 'done', result });
} catch (err) {
  post({ type: 'error', error: serializeError(err) });
}
