/**
 * `train()`'s job in its worker thread (src/runtime/in_worker.ts calls it there): the run in that
 * thread, ending cleanly at the next step once the caller's `stop` is aborted.
 */
import type { StopFlag } from '../runtime/in_worker.js';
import { trainInThisThread, type TrainCallOptions, type TrainEvent, type TrainResult } from './trainer.js';

export function trainJob(
  args: Omit<TrainCallOptions, 'stop' | 'signal'>,
  report: (event: TrainEvent) => void,
  stop: StopFlag,
): Promise<TrainResult> {
  return trainInThisThread({ ...args, stop }, report);
}
