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
 */
import { Worker } from 'node:worker_threads';
import { deserializeError } from '../errors.js';
export const CONTINUE = 1;
export const STOP = 2;
const JOB_NAMES = {
    train: 'Training worker',
    gradients: 'Gradient study worker',
    cam: 'Activation map worker',
    detect: 'Detection worker',
};
/** Runs `job(args, report)` in a new worker thread; `report` runs here, in order, for every event. */
export function runInWorker(job, args, report) {
    const control = new Int32Array(new SharedArrayBuffer(4));
    const worker = new Worker(new URL('./in_worker_entry.js', import.meta.url), {
        workerData: { job, args, control },
    });
    return new Promise((resolve, reject) => {
        let stopError = null;
        let settled = false;
        const settle = (fn) => {
            if (settled)
                return;
            settled = true;
            fn();
        };
        worker.on('message', (msg) => {
            if (msg.type === 'event') {
                let answer = CONTINUE;
                try {
                    report?.(msg.event);
                }
                catch (err) {
                    stopError = err;
                    answer = STOP;
                }
                Atomics.store(control, 0, answer);
                Atomics.notify(control, 0);
            }
            else if (msg.type === 'done') {
                settle(() => resolve(msg.result));
            }
            else {
                settle(() => reject(stopError ?? deserializeError(msg.error, JOB_NAMES[job])));
            }
        });
        worker.on('error', (err) => settle(() => reject(stopError ?? err)));
        worker.on('exit', (code) => settle(() => reject(stopError ?? new Error(`${JOB_NAMES[job]} exited with code ${code}.`))));
    });
}
//# sourceMappingURL=in_worker.js.map