/**
 * Training checkpoints: one safetensors file holding the model's state dict under torchvision keys
 * (BN running statistics and num_batches_tracked included, so the file also loads as plain weights
 * once the `optimizer.` tensors are dropped) and the optimizer's buffers under
 * `optimizer.<parameter name>.<buffer>`, plus JSON strings in the safetensors `__metadata__`:
 *
 *   format      'resnet50-train-checkpoint', version '2' (version 1, without the two keys below,
 *               is still read)
 *   epoch       epochs completed; step: optimizer steps completed
 *   stepsPerEpoch  optimizer steps per epoch of the run
 *   epochProgress  null at an epoch boundary; inside an epoch, the steps of epoch `epoch + 1` done and
 *               that epoch's running sums (see EpochProgress), so a resumed run continues it exactly
 *   optimizer   {type, paramGroups: [{params, hyper}], scalars: {param: {key: number}}}
 *   scheduler   {step} or null
 *   seed        the data (and init) seed
 *   arch, classes, options (the training options), metrics (one object per completed epoch)
 *
 * Files are written atomically (temp file + rename, by saveWeightsFile).
 */
import { FileFormatError, StateDictError } from '../errors.js';
import { firstNonFinite } from '../tensor/finite.js';
import { readSafetensors, readSafetensorsMetadata, saveWeightsFile } from '../io/weights/index.js';
import type { Module } from '../nn/module.js';
import { Tensor } from '../tensor/tensor.js';
import type { HyperValue, Optimizer, OptimizerState, ParamState } from './optim.js';
import type { LrScheduler } from './schedules.js';

export const CHECKPOINT_FORMAT = 'resnet50-train-checkpoint';
export const CHECKPOINT_VERSION = '2';
const READABLE_VERSIONS = ['1', '2'];
/** Prefix of the optimizer buffers among the tensors. */
export const OPTIMIZER_PREFIX = 'optimizer.';

/** A JSON value as stored in the metadata. */
export type JsonValue = null | boolean | number | string | JsonValue[] | { [key: string]: JsonValue };

/** The optimizer part of the metadata: everything but the buffers. */
export interface OptimizerMeta {
  type: string;
  paramGroups: { params: string[]; hyper: Record<string, HyperValue> }[];
  /** Numeric per-parameter state (AdamW's step count), by parameter name. */
  scalars: Record<string, Record<string, number>>;
}

/**
 * A checkpoint taken inside an epoch: `steps` steps of the epoch in progress are done, with the
 * running sums of that epoch (summed loss, correct predictions and images seen, seconds of training
 * steps and of wall time), so the epoch's metrics come out as in an uninterrupted run.
 */
export interface EpochProgress {
  steps: number;
  lossSum: number;
  correct: number;
  seen: number;
  trainSeconds: number;
  seconds: number;
}

/** What a checkpoint records besides tensors. */
export interface CheckpointMeta {
  /** Epochs completed. */
  epoch: number;
  /** Optimizer steps completed. */
  step: number;
  /** Optimizer steps per epoch of the run (null in version-1 checkpoints). */
  stepsPerEpoch: number | null;
  /** Where in epoch `epoch + 1` the checkpoint was taken; null at an epoch boundary. */
  epochProgress: EpochProgress | null;
  seed: number;
  arch: string;
  classes: string[];
  optimizer: OptimizerMeta;
  scheduler: { step: number } | null;
  options: { [key: string]: JsonValue };
  metrics: { [key: string]: JsonValue }[];
}

/** What saveCheckpoint needs. */
export interface CheckpointInput {
  model: Module;
  optimizer: Optimizer;
  scheduler?: LrScheduler | null;
  epoch: number;
  step: number;
  stepsPerEpoch: number;
  epochProgress?: EpochProgress | null;
  seed: number;
  arch: string;
  classes: readonly string[];
  options: { [key: string]: JsonValue };
  metrics: readonly { [key: string]: JsonValue }[];
}

/** A checkpoint read back: the meta, the model's tensors and the optimizer's state. */
export interface CheckpointContents {
  meta: CheckpointMeta;
  modelState: Map<string, Tensor>;
  optimizerState: OptimizerState;
}

/** Writes a checkpoint atomically to `path` (a .safetensors file). */
export function saveCheckpoint(path: string, input: CheckpointInput): void {
  const tensors = new Map(input.model.stateDict());
  const state = input.optimizer.stateDict();
  const shapes = new Map(input.optimizer.params().map((p) => [p.name, p.value.shape]));
  const scalars: Record<string, Record<string, number>> = {};
  for (const [name, s] of Object.entries(state.state)) {
    for (const [key, value] of Object.entries(s)) {
      if (typeof value === 'number') (scalars[name] ??= {})[key] = value;
      else {
        const shape = shapes.get(name) ?? [value.length];
        tensors.set(`${OPTIMIZER_PREFIX}${name}.${key}`, new Tensor(value, shape));
      }
    }
  }
  const optimizer: OptimizerMeta = { type: state.optimizer, paramGroups: state.paramGroups, scalars };
  const metadata: Record<string, string> = {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    epoch: String(input.epoch),
    step: String(input.step),
    stepsPerEpoch: String(input.stepsPerEpoch),
    epochProgress: JSON.stringify(input.epochProgress ?? null),
    seed: String(input.seed),
    arch: input.arch,
    classes: JSON.stringify(input.classes),
    optimizer: JSON.stringify(optimizer),
    scheduler: JSON.stringify(input.scheduler ? input.scheduler.stateDict() : null),
    options: JSON.stringify(input.options),
    metrics: JSON.stringify(input.metrics),
  };
  saveWeightsFile(path, tensors, metadata);
}

/** True when `metadata` (a safetensors `__metadata__`) is a training checkpoint's. */
export function isCheckpointMetadata(metadata: Record<string, string>): boolean {
  return metadata.format === CHECKPOINT_FORMAT;
}

function parseJson(path: string, key: string, text: string | undefined): JsonValue {
  if (text === undefined) throw new FileFormatError(`${path}: checkpoint metadata has no '${key}'.`);
  try {
    return JSON.parse(text) as JsonValue;
  } catch {
    throw new FileFormatError(`${path}: checkpoint metadata '${key}' is not valid JSON.`);
  }
}

function parseCount(path: string, key: string, text: string | undefined): number {
  const v = Number(text);
  if (text === undefined || !Number.isSafeInteger(v) || v < 0) {
    throw new FileFormatError(`${path}: checkpoint metadata '${key}' is not a count (got ${String(text)}).`);
  }
  return v;
}

function isObject(v: JsonValue): v is { [key: string]: JsonValue } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

const isFiniteNumber = (v: JsonValue): boolean => typeof v === 'number' && Number.isFinite(v);

/** A hyperparameter as the optimizers keep them: a number, a flag or a list of numbers. */
const isHyper = (v: JsonValue): boolean =>
  isFiniteNumber(v) || typeof v === 'boolean' || (Array.isArray(v) && v.every(isFiniteNumber));

/** True when `v` has the shape of OptimizerMeta (names, hyperparameters and scalars of the right types). */
function isOptimizerMeta(v: JsonValue): boolean {
  return (
    isObject(v) &&
    typeof v.type === 'string' &&
    Array.isArray(v.paramGroups) &&
    v.paramGroups.every(
      (g) =>
        isObject(g) &&
        Array.isArray(g.params) &&
        g.params.every((p) => typeof p === 'string') &&
        isObject(g.hyper) &&
        Object.values(g.hyper).every(isHyper),
    ) &&
    isObject(v.scalars ?? null) &&
    Object.values(v.scalars as { [key: string]: JsonValue }).every(
      (s) => isObject(s) && Object.values(s).every(isFiniteNumber),
    )
  );
}

/** Reads and checks the metadata of a checkpoint file (the header only). */
export function readCheckpointMeta(path: string): CheckpointMeta {
  return parseMeta(path, readSafetensorsMetadata(path));
}

function parseMeta(path: string, md: Record<string, string>): CheckpointMeta {
  if (!isCheckpointMetadata(md)) {
    throw new FileFormatError(`${path}: not a training checkpoint (no '${CHECKPOINT_FORMAT}' metadata).`);
  }
  if (!READABLE_VERSIONS.includes(md.version ?? '')) {
    throw new FileFormatError(
      `${path}: checkpoint version ${md.version} is not supported (expected ${READABLE_VERSIONS.join(' or ')}).`,
    );
  }
  const classes = parseJson(path, 'classes', md.classes);
  const optimizer = parseJson(path, 'optimizer', md.optimizer);
  const scheduler = parseJson(path, 'scheduler', md.scheduler);
  const options = parseJson(path, 'options', md.options);
  const metrics = parseJson(path, 'metrics', md.metrics);
  const progress = md.version === '1' ? null : parseJson(path, 'epochProgress', md.epochProgress);
  if (!Array.isArray(classes) || !classes.every((c) => typeof c === 'string')) {
    throw new FileFormatError(`${path}: checkpoint metadata 'classes' is not a list of names.`);
  }
  if (!isOptimizerMeta(optimizer) || !isObject(optimizer)) {
    throw new FileFormatError(`${path}: checkpoint metadata 'optimizer' is malformed.`);
  }
  if (
    scheduler !== null &&
    !(isObject(scheduler) && Number.isSafeInteger(scheduler.step) && (scheduler.step as number) >= 0)
  ) {
    throw new FileFormatError(`${path}: checkpoint metadata 'scheduler' is malformed.`);
  }
  if (!isObject(options)) throw new FileFormatError(`${path}: checkpoint metadata 'options' is malformed.`);
  if (typeof options.data !== 'string' && options.data !== undefined) {
    throw new FileFormatError(`${path}: checkpoint metadata 'options' has a 'data' that is not a path.`);
  }
  const isMetric = (v: JsonValue): boolean => v === null || isFiniteNumber(v);
  if (!Array.isArray(metrics) || !metrics.every((m) => isObject(m) && Object.values(m).every(isMetric))) {
    throw new FileFormatError(`${path}: checkpoint metadata 'metrics' is malformed.`);
  }
  const progressKeys = ['steps', 'lossSum', 'correct', 'seen', 'trainSeconds', 'seconds'] as const;
  if (
    progress !== null &&
    !(
      isObject(progress) &&
      progressKeys.every((k) => isFiniteNumber(progress[k]) && (progress[k] as number) >= 0) &&
      Number.isSafeInteger(progress.steps)
    )
  ) {
    throw new FileFormatError(`${path}: checkpoint metadata 'epochProgress' is malformed.`);
  }
  const epoch = parseCount(path, 'epoch', md.epoch);
  const step = parseCount(path, 'step', md.step);
  const stepsPerEpoch = md.version === '1' ? null : parseCount(path, 'stepsPerEpoch', md.stepsPerEpoch);
  const epochProgress = progress === null ? null : (progress as unknown as EpochProgress);
  if (stepsPerEpoch !== null) {
    // Every epoch has stepsPerEpoch steps: the counts of a version-2 checkpoint agree.
    const inEpoch = epochProgress?.steps ?? 0;
    if (inEpoch > stepsPerEpoch) {
      throw new FileFormatError(
        `${path}: checkpoint metadata 'epochProgress' has ${inEpoch} steps, more than the ${stepsPerEpoch} of an epoch.`,
      );
    }
    if (step !== epoch * stepsPerEpoch + inEpoch) {
      throw new FileFormatError(
        `${path}: checkpoint metadata 'step' ${step} does not match epoch ${epoch} of ${stepsPerEpoch} steps and ${inEpoch} more.`,
      );
    }
  }
  return {
    epoch,
    step,
    stepsPerEpoch,
    epochProgress,
    seed: parseCount(path, 'seed', md.seed ?? '0'),
    arch: md.arch ?? '',
    classes: classes as string[],
    optimizer: optimizer as unknown as OptimizerMeta,
    scheduler: scheduler === null ? null : { step: scheduler.step as number },
    options,
    metrics: metrics as { [key: string]: JsonValue }[],
  };
}

/** Reads a whole checkpoint: meta, model tensors (torchvision keys) and optimizer state. */
export function readCheckpoint(path: string): CheckpointContents {
  const meta = readCheckpointMeta(path);
  const tensors = readSafetensors(path);
  const modelState = new Map<string, Tensor>();
  const state: Record<string, ParamState> = {};
  for (const [key, t] of tensors) {
    const bad = firstNonFinite(t.data);
    if (bad >= 0) {
      throw new FileFormatError(
        `${path}: tensor '${key}' is not finite (${t.data[bad]} at element ${bad}); the checkpoint cannot be used.`,
      );
    }
    if (!key.startsWith(OPTIMIZER_PREFIX)) {
      modelState.set(key, t);
      continue;
    }
    const rest = key.slice(OPTIMIZER_PREFIX.length);
    const dot = rest.lastIndexOf('.');
    if (dot <= 0) throw new FileFormatError(`${path}: optimizer tensor '${key}' has no buffer name.`);
    (state[rest.slice(0, dot)] ??= {})[rest.slice(dot + 1)] = t.data.slice();
  }
  for (const [name, values] of Object.entries(meta.optimizer.scalars)) {
    for (const [key, value] of Object.entries(values)) (state[name] ??= {})[key] = value;
  }
  return {
    meta,
    modelState,
    optimizerState: { optimizer: meta.optimizer.type, state, paramGroups: meta.optimizer.paramGroups },
  };
}

/** The buffers each optimizer keeps per parameter once it has stepped (see optim.ts). */
function requiredState(type: string, hyper: Record<string, HyperValue>): string[] {
  if (type === 'SGD') return hyper.momentum === 0 ? [] : ['momentumBuffer'];
  if (type === 'AdamW')
    return ['step', 'expAvg', 'expAvgSq', ...(hyper.amsgrad === true ? ['maxExpAvgSq'] : [])];
  return [];
}

/**
 * Refuses the optimizer state of a checkpoint taken after some steps that lacks a parameter's
 * buffers: resuming would silently restart momentum (or Adam's moments) from zero.
 */
function checkOptimizerState(path: string, state: OptimizerState, step: number): void {
  for (const group of state.paramGroups) {
    const keys = requiredState(state.optimizer, group.hyper);
    for (const name of group.params) {
      const missing = keys.find((key) => state.state[name]?.[key] === undefined);
      if (missing !== undefined) {
        throw new StateDictError(
          `${path}: the optimizer state of ${name} has no '${missing}' after ${step} steps; the checkpoint is incomplete and cannot be resumed.`,
        );
      }
    }
  }
}

/**
 * Restores a checkpoint into a model (strict state dict), an optimizer (buffers, scalar state and
 * group hyperparameters) and a scheduler (its step, which resets the lrs); returns the meta with
 * the epoch and step to continue from.
 */
export function loadCheckpoint(
  path: string,
  target: { model: Module; optimizer?: Optimizer; scheduler?: LrScheduler | null },
): CheckpointMeta {
  const { meta, modelState, optimizerState } = readCheckpoint(path);
  target.model.loadStateDict(modelState, { source: path });
  if (target.optimizer !== undefined) {
    if (meta.step > 0) checkOptimizerState(path, optimizerState, meta.step);
    try {
      target.optimizer.loadStateDict(optimizerState);
    } catch (e) {
      if (e instanceof StateDictError) throw new StateDictError(`${path}: ${e.message}`);
      throw e;
    }
  }
  if (target.scheduler) {
    if (meta.scheduler === null) throw new StateDictError(`${path}: the checkpoint has no scheduler state.`);
    target.scheduler.loadStateDict(meta.scheduler);
  }
  return meta;
}
