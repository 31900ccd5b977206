import { type SerializedError } from '../errors.js';
/** Jobs the worker knows (see in_worker_entry.ts). */
export type WorkerJob = 'train' | 'gradients' | 'cam' | 'detect';
/** Sent to the worker. */
export interface WorkerJobData {
    job: WorkerJob;
    args: unknown;
    /** [0]: the caller's answer to the last event: 0 pending, CONTINUE or STOP. */
    control: Int32Array;
}
/** Sent by the worker. */
export type WorkerJobMessage = {
    type: 'event';
    event: unknown;
} | {
    type: 'done';
    result: unknown;
} | {
    type: 'error';
    error: SerializedError;
};
export declare const CONTINUE = 1;
export declare const STOP = 2;
/** Runs `job(args, report)` in a new worker thread; `report` runs here, in order, for every event. */
export declare function runInWorker<R, E>(job: WorkerJob, args: unknown, report?: (event: E) => void): Promise<R>;
