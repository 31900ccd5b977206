/**
 * The training loop (see trainer.ts for what a run does and writes). Shaped like llm.c's: openRun
 * sets everything up, then per epoch `step` trains on one batch at a time and `epochEnd` evaluates,
 * logs and checkpoints; stopRun and finishRun end the run.
 */
import { existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { copyFileAtomic, removeUnfinishedWrites } from '../io/atomic_write.js';
import type { Batch } from '../data/loader.js';
import { DataLoader } from '../data/loader.js';
import type { Preset } from '../data/transforms.js';
import { OptionError, StateDictError, UserError } from '../errors.js';
import { saveWeightsFile } from '../io/weights/index.js';
import { checkActivationMemory } from '../limits.js';
import { ARCHITECTURES, resnet, type ArchName, type ResNet } from '../model/resnet.js';
import type { ParamRef } from '../nn/module.js';
import * as ops from '../ops/index.js';
import { modelCardMetadata, shortcutOptions } from '../tasks/model_card.js';
import { getBackend } from '../backends/registry.js';
import {
  loadCheckpoint,
  readCheckpointMeta,
  saveCheckpoint,
  type CheckpointMeta,
  type EpochProgress,
  type JsonValue,
} from './checkpoint.js';
import { resolveData } from './data_splits.js';
import { argmax, evaluateModel } from './evaluate.js';
import { loadFrom } from './finetune.js';
import { setTrainingMode, trainableParams } from './freeze.js';
import { clipGradNorm, type Optimizer } from './optim.js';
import { buildOptimizer, buildSchedule } from './optimizer_from_options.js';
import { resolveTrainOptions, type ResolvedTrainOptions, type TrainCallOptions } from './options.js';
import { describeRunConflict, findRunConflict, resumeOptions } from './resume.js';
import {
  appendLine,
  pruneCheckpoints,
  readJsonLines,
  runFiles,
  writeCurves,
  writeLines,
  type EpochMetrics,
  type RunFiles,
  type StepRecord,
} from './run_files.js';
import { LrScheduler } from './schedules.js';

export type TrainEvent =
  | {
      type: 'start';
      runDir: string;
      arch: ArchName;
      numClasses: number;
      trainSamples: number;
      evalSamples: number;
      epochs: number;
      startEpoch: number;
      stepsPerEpoch: number;
      batchSize: number;
      notes: string[];
      /** The epochs finished before this call (a resumed run), else empty. */
      metrics: EpochMetrics[];
    }
  | {
      type: 'step';
      epoch: number;
      epochs: number;
      step: number;
      stepsPerEpoch: number;
      globalStep: number;
      loss: number;
      /** Running mean loss and accuracy of the epoch so far. */
      meanLoss: number;
      acc: number;
      lr: number;
      imgPerSec: number;
      etaSeconds: number;
    }
  | { type: 'epoch'; epochs: number; metrics: EpochMetrics; checkpoint: string }
  | { type: 'end'; result: TrainResult };

export interface TrainResult {
  runDir: string;
  arch: ArchName;
  numClasses: number;
  classes: string[];
  /** Epochs completed in total (including those before a resume). */
  epochs: number;
  globalStep: number;
  metrics: EpochMetrics[];
  /** The trained weights; null when the run was stopped (see `interrupted`). */
  finalWeights: string | null;
  lastCheckpoint: string | null;
  /**
   * Set when `stop` ended the run early: the epoch it was in (1-based) and the steps of it done
   * (0: it stopped at the epoch's start); `lastCheckpoint` holds that point and `resume` continues it.
   */
  interrupted: { epoch: number; step: number; stepsPerEpoch: number } | null;
  /** Fine-tuning: the loaded head did not fit and fc was freshly initialized. */
  headReplaced: boolean;
  notes: string[];
}

type Report = ((event: TrainEvent) => void) | undefined;

/** What is known before the run directory is touched: options, data, classes and loaders. */
interface RunPlan {
  o: ResolvedTrainOptions;
  runDir: string;
  files: RunFiles;
  /** The checkpoint being resumed, or null for a new run. */
  resumed: CheckpointMeta | null;
  numClasses: number;
  classes: string[];
  preprocess: Preset;
  trainLoader: DataLoader;
  evalLoader: DataLoader | null;
  /** Until the first step is recorded, a failure removes what this run wrote (set by openRun). */
  undoStart: (() => void) | null;
}

/** A run in progress: what `step` and `epochEnd` read and update. */
interface Run extends RunPlan {
  report: Report;
  stepsPerEpoch: number;
  startEpoch: number;
  model: ResNet;
  params: ParamRef[];
  optimizer: Optimizer;
  scheduler: LrScheduler;
  headReplaced: boolean;
  notes: string[];
  globalStep: number;
  metrics: EpochMetrics[];
  stepRecords: StepRecord[];
  /** The position in the epoch of a checkpoint taken inside it, until that epoch starts. */
  resumeProgress: EpochProgress | null;
  lastCheckpoint: string | null;
  /** The global step of the latest checkpoint written or loaded (-1: none). */
  savedStep: number;
  /** Seconds of the steps timed in this call, for the ETA. */
  stepSecondsSum: number;
  stepsTimed: number;
}

/** The epoch in progress: its 0-based index, running sums and (wall-clock) start in ms. */
interface Epoch {
  index: number;
  p: EpochProgress;
  start: number;
}

/** Runs the training (trainInThisThread sets the backend first). */
export async function trainOn(options: TrainCallOptions, report?: Report): Promise<TrainResult> {
  const plan = planRun(options);
  try {
    const run = await openRun(plan, options, report);
    for (let epoch = run.startEpoch; epoch < run.o.epochs; epoch++) {
      const e = beginEpoch(run, epoch);
      for await (const batch of run.trainLoader.batches(epoch, e.p.steps)) {
        if (e.p.steps >= run.stepsPerEpoch) break;
        if (options.signal?.aborted === true) throw options.signal.reason;
        if (options.stop?.aborted === true) return stopRun(run, e);
        step(run, e, batch);
      }
      await epochEnd(run, e);
    }
    return finishRun(run);
  } catch (e) {
    plan.undoStart?.();
    throw e;
  } finally {
    await plan.trainLoader.close();
    await plan.evalLoader?.close();
  }
}

/** Options (a resumed run's are its checkpoint's), data, classes and loaders of the run. */
function planRun(options: TrainCallOptions): RunPlan {
  const first = resolveTrainOptions(options);
  const runDir = first.out;
  const files = runFiles(runDir);
  const conflict = findRunConflict({ ...options, out: runDir });
  if (conflict !== null) throw new UserError(describeRunConflict(conflict));
  const resumed = options.resume === true && existsSync(files.last) ? readCheckpointMeta(files.last) : null;
  const o = resumed === null ? first : resumeOptions(resumed, options, runDir);
  const data = resolveData(o.data, o);
  const size = data.inputSize;
  checkActivationMemory(o.arch, ARCHITECTURES[o.arch], o.batchSize, size, size, true, {
    batch: 'batchSize',
    size: 'inputSize',
  });
  const numClasses = o.classes ?? data.classes.length;
  if (numClasses < data.classes.length) {
    throw new OptionError(
      `{classes} ${numClasses} is fewer than the ${data.classes.length} classes of ${o.data}.`,
    );
  }
  const classes = [
    ...data.classes,
    ...Array.from({ length: numClasses - data.classes.length }, (_, i) => `class ${data.classes.length + i}`),
  ];
  const workers = o.workers;
  const trainLoader = new DataLoader(data.train, {
    batchSize: o.batchSize,
    shuffle: o.shuffle,
    seed: o.seed,
    workers,
    dropLast: true,
  });
  const evalLoader =
    data.eval === null ? null : new DataLoader(data.eval, { batchSize: o.batchSize, seed: o.seed, workers });
  const { preprocess } = data;
  return {
    o,
    runDir,
    files,
    resumed,
    numClasses,
    classes,
    preprocess,
    trainLoader,
    evalLoader,
    undoStart: null,
  };
}

/**
 * Builds the model (fine-tuning weights loaded, frozen parts set), its optimizer and schedule,
 * prepares the run directory (a new run's empty logs, or a resumed run's state and logs up to its
 * checkpoint) and reports 'start'.
 */
async function openRun(plan: RunPlan, options: TrainCallOptions, report: Report): Promise<Run> {
  const { o, runDir, files, resumed, numClasses, trainLoader } = plan;
  if (trainLoader.batchesPerEpoch === 0) {
    throw new UserError(
      `${o.data}: the training split has ${trainLoader.length} images, fewer than one batch of ${o.batchSize}.`,
    );
  }
  const stepsPerEpoch = Math.min(trainLoader.batchesPerEpoch, o.stepsPerEpoch ?? Infinity);
  if (resumed !== null && resumed.stepsPerEpoch !== null && resumed.stepsPerEpoch !== stepsPerEpoch) {
    throw new UserError(
      `${o.data} gives ${stepsPerEpoch} steps per epoch, but the run in ${runDir} was trained with ${resumed.stepsPerEpoch}; resume it with the same data.`,
    );
  }

  const model = resnet(o.arch, { numClasses, seed: o.seed, ...shortcutOptions(o.shortcut) });
  const notes: string[] = [];
  let headReplaced = false;
  if (o.from !== null && resumed === null) {
    const { replaced, note } = await loadFrom(model, o.from, o.arch);
    headReplaced = replaced;
    if (note !== null) notes.push(note);
  }
  const params = trainableParams(model, model.parameters(), o.freeze);
  const optimizer = buildOptimizer(o, params);
  const scheduler = new LrScheduler(optimizer, buildSchedule(o, stepsPerEpoch));

  const createdDir = !existsSync(runDir);
  mkdirSync(runDir, { recursive: true });
  const stale = removeUnfinishedWrites(runDir, 'stale');
  if (stale.length > 0)
    notes.push(
      `removed ${stale.length} unfinished write${stale.length === 1 ? '' : 's'} of a killed run: ${stale.join(', ')}.`,
    );
  // The plan becomes the run (one object, so trainOn's undoStart is the one `step` clears).
  const run: Run = Object.assign(plan, {
    report,
    stepsPerEpoch,
    startEpoch: 0,
    model,
    params,
    optimizer,
    scheduler,
    headReplaced,
    notes,
    globalStep: 0,
    metrics: [],
    stepRecords: [],
    resumeProgress: null,
    lastCheckpoint: resumed !== null ? files.last : null,
    savedStep: -1,
    stepSecondsSum: 0,
    stepsTimed: 0,
  });
  if (resumed !== null) {
    const meta = loadCheckpoint(files.last, { model, optimizer, scheduler });
    if (meta.arch !== o.arch || meta.classes.length !== numClasses) {
      throw new StateDictError(
        `${files.last}: the checkpoint is for ${meta.arch} with ${meta.classes.length} classes, not ${o.arch} with ${numClasses}.`,
      );
    }
    run.startEpoch = meta.epoch;
    run.globalStep = meta.step;
    run.savedStep = meta.step;
    run.metrics = meta.metrics as unknown as EpochMetrics[];
    run.resumeProgress = meta.epochProgress;
    // Lines written after the checkpoint (steps cut short) are dropped, so the files continue it exactly.
    run.stepRecords = readJsonLines<StepRecord>(files.steps).filter((s) => s.step <= meta.step);
    writeLines(files.steps, run.stepRecords);
    writeLines(files.metrics, run.metrics);
    notes.push(
      meta.epochProgress === null
        ? `resuming ${runDir} after epoch ${meta.epoch} (step ${meta.step}).`
        : `resuming ${runDir} in epoch ${meta.epoch + 1} after step ${meta.step} (step ${meta.epochProgress.steps} of ${stepsPerEpoch} in the epoch).`,
    );
  } else {
    if (options.resume === true) notes.push(`no checkpoint yet in ${runDir}; starting from scratch.`);
    writeLines(files.steps, []);
    writeLines(files.metrics, []);
    run.undoStart = () => {
      for (const path of [files.steps, files.metrics, files.curves]) rmSync(path, { force: true });
      if (createdDir && readdirSync(runDir).length === 0) rmSync(runDir, { recursive: true });
    };
  }
  report?.({
    type: 'start',
    runDir,
    arch: o.arch,
    numClasses,
    trainSamples: trainLoader.length,
    evalSamples: plan.evalLoader?.length ?? 0,
    epochs: o.epochs,
    startEpoch: run.startEpoch,
    stepsPerEpoch,
    batchSize: o.batchSize,
    notes,
    metrics: [...run.metrics],
  });
  return run;
}

/** Starts epoch `index`: its running sums (continued from a checkpoint taken inside it), training mode. */
function beginEpoch(run: Run, index: number): Epoch {
  const p: EpochProgress = run.resumeProgress ?? {
    steps: 0,
    lossSum: 0,
    correct: 0,
    seen: 0,
    trainSeconds: 0,
    seconds: 0,
  };
  run.resumeProgress = null;
  const start = performance.now() - p.seconds * 1000;
  setTrainingMode(run.model, run.o.freeze);
  return { index, p, start };
}

/**
 * One optimizer step on one batch: forward, loss, backward, gradient clipping, update and lr
 * schedule; then the step is logged (steps.jsonl) and reported. A loss that is not finite ends the
 * run before the update.
 */
function step(run: Run, e: Epoch, batch: Batch): void {
  const { o, model, optimizer } = run;
  const { p } = e;
  const t0 = performance.now();
  model.zeroGrad();
  const logits = model.call(batch.x);
  const { loss, dlogits } = ops.crossEntropy(logits, batch.y, o.labelSmoothing);
  if (!Number.isFinite(loss)) {
    const where = `step ${run.globalStep + 1} (epoch ${e.index + 1}, step ${p.steps + 1} of ${run.stepsPerEpoch})`;
    writeRunCurves(run, `stopped at ${where}: the loss is ${loss}`);
    const kept = run.lastCheckpoint === null ? '' : ` (${run.lastCheckpoint} holds step ${run.savedStep})`;
    throw new UserError(
      `Training stopped at ${where}: the loss is ${loss}; lower the learning rate or clip the gradients${kept}.`,
    );
  }
  if (o.freeze === 'backbone') model.fc?.backward(dlogits);
  else model.backward(dlogits);
  if (o.clip !== null) clipGradNorm(run.params, o.clip);
  const lr = optimizer.lr;
  optimizer.step();
  run.scheduler.step();
  const n = batch.y.length;
  let batchCorrect = 0;
  for (let i = 0; i < n; i++) {
    if (argmax(logits.data.subarray(i * run.numClasses, (i + 1) * run.numClasses)) === batch.y[i])
      batchCorrect++;
  }
  const elapsed = performance.now() - t0;
  p.trainSeconds += elapsed / 1000;
  run.stepSecondsSum += elapsed / 1000;
  run.stepsTimed++;
  p.steps++;
  run.globalStep++;
  p.seen += n;
  p.correct += batchCorrect;
  p.lossSum += loss;

  const record: StepRecord = { epoch: e.index + 1, step: run.globalStep, loss, acc: batchCorrect / n, lr };
  run.stepRecords.push(record);
  appendLine(run.files.steps, record);
  run.undoStart = null;
  run.report?.({
    type: 'step',
    epoch: e.index + 1,
    epochs: o.epochs,
    step: p.steps,
    stepsPerEpoch: run.stepsPerEpoch,
    globalStep: run.globalStep,
    loss,
    meanLoss: p.lossSum / p.steps,
    acc: p.correct / p.seen,
    lr,
    imgPerSec: p.seen / p.trainSeconds,
    etaSeconds: (run.stepSecondsSum / run.stepsTimed) * remainingSteps(run, e),
  });
}

function remainingSteps(run: Run, e: Epoch): number {
  return run.stepsPerEpoch - e.p.steps + (run.o.epochs - e.index - 1) * run.stepsPerEpoch;
}

/**
 * The end of an epoch: evaluation on the held-out split, its metrics line, curves.png, the epoch's
 * checkpoint (copied to last.safetensors; older ones pruned), and the 'epoch' report. An evaluation
 * that fails on the data saves the epoch's training first, so resuming evaluates again.
 */
async function epochEnd(run: Run, e: Epoch): Promise<void> {
  const { o, files } = run;
  const { p } = e;
  let valTop1: number | null = null;
  let valTop5: number | null = null;
  if (run.evalLoader !== null) {
    run.model.eval();
    let r: { top1: number; top5: number };
    try {
      r = await evaluateModel(run.model, getBackend().name, run.evalLoader, run.numClasses);
    } catch (err) {
      if (!(err instanceof UserError)) throw err;
      p.seconds = (performance.now() - e.start) / 1000;
      save(run, files.last, e.index, p);
      throw new UserError(
        `${err.message.replace(/\.$/, '')} (evaluating epoch ${e.index + 1}; its training is saved in ${files.last}: fix the data and resume).`,
      );
    }
    valTop1 = r.top1;
    valTop5 = r.top5;
  }
  const m: EpochMetrics = {
    epoch: e.index + 1,
    step: run.globalStep,
    trainLoss: p.lossSum / p.steps,
    trainAcc: p.correct / p.seen,
    valTop1,
    valTop5,
    lr: run.optimizer.lr,
    imgPerSec: p.seen / p.trainSeconds,
    seconds: (performance.now() - e.start) / 1000,
  };
  run.metrics.push(m);
  appendLine(files.metrics, m);
  writeRunCurves(run, null);
  const checkpoint = o.keepCheckpoints > 0 ? files.checkpoint(e.index + 1) : files.last;
  save(run, checkpoint, e.index + 1, null);
  if (checkpoint !== files.last) copyFileAtomic(checkpoint, files.last);
  pruneCheckpoints(run.runDir, o.keepCheckpoints);
  run.lastCheckpoint = files.last;
  run.report?.({ type: 'epoch', epochs: o.epochs, metrics: m, checkpoint });
}

/**
 * Ends the run early (`stop`) before the next step of epoch `e`: last.safetensors records the
 * position (unless the latest checkpoint already does), curves.png says where it stopped.
 */
function stopRun(run: Run, e: Epoch): TrainResult {
  const { p } = e;
  if (run.globalStep !== run.savedStep) {
    p.seconds = (performance.now() - e.start) / 1000;
    save(run, run.files.last, e.index, p.steps > 0 ? p : null);
  }
  run.lastCheckpoint = run.files.last;
  writeRunCurves(
    run,
    `stopped after step ${run.globalStep} (epoch ${e.index + 1}, step ${p.steps} of ${run.stepsPerEpoch})`,
  );
  return endRun(run, {
    epochs: e.index,
    finalWeights: null,
    interrupted: { epoch: e.index + 1, step: p.steps, stepsPerEpoch: run.stepsPerEpoch },
  });
}

/** Ends a completed run: final.safetensors holds the weights with the model card. */
function finishRun(run: Run): TrainResult {
  const { o, files } = run;
  const card = {
    arch: o.arch,
    shortcut: o.shortcut,
    numClasses: run.numClasses,
    classNames: run.classes,
    preprocess: run.preprocess,
  };
  saveWeightsFile(files.final, run.model.stateDict(), {
    format: 'resnet50-weights',
    ...modelCardMetadata(card),
  });
  return endRun(run, {
    epochs: Math.max(run.startEpoch, o.epochs),
    finalWeights: files.final,
    interrupted: null,
  });
}

function endRun(run: Run, end: Pick<TrainResult, 'epochs' | 'finalWeights' | 'interrupted'>): TrainResult {
  const result: TrainResult = {
    runDir: run.runDir,
    arch: run.o.arch,
    numClasses: run.numClasses,
    classes: run.classes,
    epochs: end.epochs,
    globalStep: run.globalStep,
    metrics: run.metrics,
    finalWeights: end.finalWeights,
    lastCheckpoint: run.lastCheckpoint,
    headReplaced: run.headReplaced,
    notes: run.notes,
    interrupted: end.interrupted,
  };
  run.report?.({ type: 'end', result });
  return result;
}

/** Saves a checkpoint of the run at its current step: `epochsDone` epochs and `epochProgress` of the next. */
function save(run: Run, path: string, epochsDone: number, epochProgress: EpochProgress | null): void {
  saveCheckpoint(path, {
    model: run.model,
    optimizer: run.optimizer,
    scheduler: run.scheduler,
    epoch: epochsDone,
    step: run.globalStep,
    stepsPerEpoch: run.stepsPerEpoch,
    epochProgress,
    seed: run.o.seed,
    arch: run.o.arch,
    classes: run.classes,
    options: run.o as unknown as { [key: string]: JsonValue },
    metrics: run.metrics as unknown as { [key: string]: JsonValue }[],
  });
  run.savedStep = run.globalStep;
}

/** curves.png as the run stands; `stopped` says why it ended early (or null). */
function writeRunCurves(run: Run, stopped: string | null): void {
  writeCurves(run.files.curves, {
    steps: run.stepRecords,
    metrics: run.metrics,
    stepsPerEpoch: run.stepsPerEpoch,
    epochs: run.o.epochs,
    hasEval: run.evalLoader !== null,
    stopped,
  });
}
