/**
 * Worker thread of `runInWorker` (in_worker.ts): runs one job in this thread and reports its events
 * to the caller, waiting after each one until the caller's callback has returned. Training also gets
 * `stop`, whose `aborted` reads the caller's stop flag.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { serializeError } from '../errors.js';
import type { GradientStudyOptions } from '../train/gradient_study.js';
import type { CamJob } from './cam.js';
import type { DetectJob } from './detect.js';
import type { TrainCallOptions } from '../train/trainer.js';
import { CONTINUE, STOP, type WorkerJob, type WorkerJobData, type WorkerJobMessage } from './in_worker.js';

/** The caller's callback threw; `runInWorker` rejects with that error, not this one. */
class StoppedByCaller extends Error {}

type Job = (args: unknown, report: (event: unknown) => void) => Promise<unknown>;

const port = parentPort;
if (!port) throw new Error('in_worker_entry.js must run in a worker thread.');
const { job, args, control } = workerData as WorkerJobData;
const post = (msg: WorkerJobMessage): void => port.postMessage(msg);
const stop = {
  get aborted(): boolean {
    return Atomics.load(control, 1) !== 0;
  },
};

const JOBS: Record<WorkerJob, Job> = {
  train: async (args, report) =>
    (await import('../train/trainer.js')).trainInThisThread({ ...(args as TrainCallOptions), stop }, report),
  gradients: async (args, report) =>
    (await import('../train/gradient_study.js')).gradientStudyInThisThread(
      args as GradientStudyOptions,
      report,
    ),
  cam: async (args, report) => (await import('./cam.js')).camImagesInThisThread(args as CamJob, report),
  detect: async (args, report) =>
    (await import('./detect.js')).detectImagesInThisThread(args as DetectJob, report),
};

function report(event: unknown): void {
  Atomics.store(control, 0, 0);
  post({ type: 'event', event });
  Atomics.wait(control, 0, 0);
  const answer = Atomics.load(control, 0);
  if (answer === STOP) throw new StoppedByCaller('stopped by the progress callback');
  if (answer !== CONTINUE) throw new Error(`worker job ${job}: unexpected answer ${answer} from the caller`);
}

try {
  post({ type: 'done', result: await JOBS[job](args, report) });
} catch (err) {
  post({ type: 'error', error: serializeError(err) });
}
