/**
 * Worker thread of `runInWorker` (in_worker.ts): runs one job in this thread and reports its events
 * to the caller, waiting after each one until the caller's callback has returned.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { serializeError } from '../errors.js';
import { CONTINUE, STOP } from './in_worker.js';
/** The caller's callback threw; `runInWorker` rejects with that error, not this one. */
class StoppedByCaller extends Error {
}
const JOBS = {
    train: async (args, report) => (await import('../train/trainer.js')).trainInThisThread(args, report),
    gradients: async (args, report) => (await import('../train/gradient_study.js')).gradientStudyInThisThread(args, report),
    cam: async (args) => (await import('./cam.js')).camImagesInThisThread(args),
    detect: async (args, report) => (await import('./detect.js')).detectImagesInThisThread(args, report),
};
const port = parentPort;
if (!port)
    throw new Error('in_worker_entry.js must run in a worker thread.');
const { job, args, control } = workerData;
const post = (msg) => port.postMessage(msg);
function report(event) {
    Atomics.store(control, 0, 0);
    post({ type: 'event', event });
    Atomics.wait(control, 0, 0);
    const answer = Atomics.load(control, 0);
    if (answer === STOP)
        throw new StoppedByCaller('stopped by the progress callback');
    if (answer !== CONTINUE)
        throw new Error(`worker job ${job}: unexpected answer ${answer} from the caller`);
}
try {
    post({ type: 'done', result: await JOBS[job](args, report) });
}
catch (err) {
    post({ type: 'error', error: serializeError(err) });
}
//# sourceMappingURL=in_worker_entry.js.map