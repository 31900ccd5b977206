/**
 * Training (native or reference kernels), the public entry: train() and trainInThisThread(). A run
 * builds a ResNet for a dataset (IDX or ImageFolder), optionally starts from weights (fine-tuning;
 * a head of another class count is replaced by a freshly initialized one), trains with SGD or AdamW under a per-step lr schedule, evaluates on the
 * held-out split after every epoch, and keeps a run directory:
 *
 *   RUNDIR/steps.jsonl                  one line per optimizer step (epoch, step, loss, acc, lr)
 *   RUNDIR/metrics.jsonl                one line per epoch (trainLoss, trainAcc, valTop1, valTop5, …)
 *   RUNDIR/curves.png                   two panels: loss per step and per epoch; accuracies per epoch
 *   RUNDIR/checkpoint-epoch-N.safetensors   the `keepCheckpoints` latest epochs (see checkpoint.ts)
 *   RUNDIR/last.safetensors             where `resume` continues: the latest epoch, or the step
 *                                       where a stopped run (`stop`) ended
 *   RUNDIR/final.safetensors            the model's state dict (torchvision keys)
 *
 * Everything is deterministic: the initialization is seeded, the loader's order depends only on
 * (seed, epoch) and each sample's augmentation on (seed, epoch, index), and a checkpoint inside an
 * epoch records the step within it and the epoch's running sums, so `resume` reproduces the step
 * losses, metrics and final weights of an uninterrupted run exactly, from an epoch boundary or from
 * any step. A resumed run keeps the options it was started with; only `epochs` (when the schedule
 * does not depend on the run's length), `data`, `workers` and `keepCheckpoints` may change.
 *
 * The parts: options.ts (options and their checks), data_splits.ts, finetune.ts, freeze.ts,
 * optimizer_from_options.ts, loop.ts (the loop: step, epochEnd), evaluate.ts, run_files.ts (logs,
 * curves, checkpoint retention), resume.ts (starting or resuming in a run directory), checkpoint.ts.
 */
import { removeUnfinishedWrites } from '../io/atomic_write.js';
import { getBackend, setBackend } from '../backends/registry.js';
import { runInWorker } from '../runtime/in_worker.js';
import { resolveBackend } from '../tasks/runner.js';
import { trainOn, type TrainEvent, type TrainResult } from './loop.js';
import type { TrainCallOptions } from './options.js';

export { resolveData, resolveEvalData, type DataSplits } from './data_splits.js';
export { evaluate, evaluateModel, type EvalResult } from './evaluate.js';
export type { TrainEvent, TrainResult } from './loop.js';
export {
  AUGMENTS,
  FREEZE_MODES,
  OPTIMIZERS,
  resolveTrainOptions,
  SCHEDULES,
  type AugmentName,
  type FreezeMode,
  type OptimizerName,
  type ResolvedTrainOptions,
  type ScheduleName,
  type TrainCallOptions,
  type TrainOptions,
} from './options.js';
export { describeRunConflict, findRunConflict, type RunConflict } from './resume.js';
export type { EpochMetrics, StepRecord } from './run_files.js';

/**
 * Trains a model as described in the file header, in a worker thread, so the caller's event loop
 * stays free during the steps (each one is seconds of synchronous kernel calls). `report` runs in the
 * caller's thread and receives every progress event; the worker waits until it has returned, so a
 * `report` that throws stops the run at that event and `train()` rejects with its error (nothing is
 * saved then; `stop` saves). User errors keep their class (UserError, StateDictError, …).
 */
export async function train(
  options: TrainCallOptions,
  report?: (event: TrainEvent) => void,
): Promise<TrainResult> {
  const { stop, signal, ...args } = options;
  let runDir = options.out ?? null;
  const watch = (event: TrainEvent): void => {
    if (event.type === 'start') runDir = event.runDir;
    report?.(event);
  };
  try {
    return await runInWorker<TrainResult, TrainEvent>(
      new URL('./train_job.js', import.meta.url),
      'trainJob',
      args,
      watch,
      { name: 'Training worker', stop, signal },
    );
  } catch (e) {
    if (signal?.aborted === true && runDir !== null) removeUnfinishedWrites(runDir);
    throw e;
  }
}

/**
 * `train()` in the calling thread: the same run, but every step blocks the event loop. For worker
 * threads (train_job.ts via runtime/in_worker.ts) and programs that have nothing else to do.
 */
export async function trainInThisThread(
  options: TrainCallOptions,
  report?: (event: TrainEvent) => void,
): Promise<TrainResult> {
  const previous = getBackend().name;
  setBackend(resolveBackend(options.backend));
  try {
    return await trainOn(options, report);
  } finally {
    setBackend(previous);
  }
}
