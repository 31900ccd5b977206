/**
 * Starting or resuming a run in its directory: whether the options allow it (findRunConflict, worded
 * by describeRunConflict) and the options a resumed run continues with (resumeOptions).
 */
import { existsSync } from 'node:fs';
import { FileFormatError, UserError } from '../errors.js';
import { readCheckpointMeta, type CheckpointMeta, type JsonValue } from './checkpoint.js';
import {
  resolveTrainOptions,
  type ResolvedTrainOptions,
  type ScheduleName,
  type TrainOptions,
} from './options.js';
import { runFiles } from './run_files.js';

/** Options a resumed run may be given anew; every other option given must equal the saved one. */
const RESUMABLE_ANEW: ReadonlySet<string> = new Set([
  'data',
  'workers',
  'keepCheckpoints',
  'out',
  'resume',
  'epochs',
]);

/**
 * Why a run cannot start or resume in its directory, as data: the library words it with option
 * names (describeRunConflict), the CLI with its flags.
 */
export type RunConflict =
  /** The directory holds a run and `resume` is not set. */
  | { kind: 'occupied'; runDir: string }
  | { kind: 'nothing to resume'; path: string }
  /** `option` was given with another value than the run was started with. */
  | { kind: 'changed'; runDir: string; option: keyof TrainOptions; saved: JsonValue; given: JsonValue }
  /** Another `epochs` under a schedule that spreads over the whole run. */
  | { kind: 'schedule length'; runDir: string; schedule: ScheduleName; saved: number; given: number }
  /** `epochs` ends before the point the run has reached (`done` epochs and `steps` of the next). */
  | { kind: 'too few epochs'; runDir: string; done: number; steps: number; given: number };

/**
 * Checks that `options` can start a new run in `options.out` (no run there) or resume the one there
 * (a checkpoint, the same options, and an `epochs` that keeps the learning-rate schedule exact).
 */
export function findRunConflict(options: TrainOptions & { out: string }): RunConflict | null {
  const runDir = options.out;
  const lastPath = runFiles(runDir).last;
  const exists = existsSync(lastPath);
  if (options.resume !== true) return exists ? { kind: 'occupied', runDir } : null;
  // A run stopped before its first checkpoint starts again from scratch (trainOn says so).
  if (!exists) return existsSync(runDir) ? null : { kind: 'nothing to resume', path: lastPath };
  const meta = readCheckpointMeta(lastPath);
  const saved = meta.options;
  const given = new Map<string, unknown>(Object.entries(options));
  for (const key of Object.keys(saved)) {
    const value = given.get(key);
    if (value === undefined || RESUMABLE_ANEW.has(key) || value === saved[key]) continue;
    const option = key as keyof TrainOptions;
    return { kind: 'changed', runDir, option, saved: saved[key], given: value as JsonValue };
  }
  const savedEpochs = Number(saved.epochs);
  const epochs = options.epochs ?? savedEpochs;
  const schedule = saved.schedule as ScheduleName;
  if (epochs !== savedEpochs && schedule !== 'none') {
    return { kind: 'schedule length', runDir, schedule, saved: savedEpochs, given: epochs };
  }
  const steps = meta.epochProgress?.steps ?? 0;
  if (epochs < meta.epoch || (epochs === meta.epoch && steps > 0)) {
    return { kind: 'too few epochs', runDir, done: meta.epoch, steps, given: epochs };
  }
  return null;
}

/** One sentence for a conflict; `name` words an option (the CLI passes its flags). */
export function describeRunConflict(
  c: RunConflict,
  name: (option: keyof TrainOptions) => string = (option) => option,
): string {
  const show = (v: JsonValue): string => (v === null ? 'none' : String(v));
  switch (c.kind) {
    case 'occupied':
      return `${c.runDir} already holds a run (last.safetensors): continue it (${name('resume')}) or choose another directory (${name('out')}).`;
    case 'nothing to resume':
      return `${c.path}: no checkpoint to resume from.`;
    case 'changed':
      return `${c.runDir} was started with ${name(c.option)} ${show(c.saved)}, not ${show(c.given)}; a resumed run keeps its options (start a new run to change them).`;
    case 'schedule length':
      return `${c.runDir} was started with ${name('epochs')} ${c.saved} and ${name('schedule')} ${c.schedule}, whose learning rate depends on the run's length; resume it with ${name('epochs')} ${c.saved} (not ${c.given}) or start a new run.`;
    case 'too few epochs': {
      const done = `${c.done} epoch${c.done === 1 ? '' : 's'}${c.steps > 0 ? ` and ${c.steps} step${c.steps === 1 ? '' : 's'} of epoch ${c.done + 1}` : ''}`;
      return `${c.runDir} has already trained ${done}, more than ${name('epochs')} ${c.given} allows.`;
    }
  }
}

/** Options to use when resuming: the checkpoint's, with those a resumed run may change from the call. */
export function resumeOptions(meta: CheckpointMeta, call: TrainOptions, out: string): ResolvedTrainOptions {
  const saved = meta.options as unknown as TrainOptions;
  try {
    return resolveTrainOptions({
      ...saved,
      epochs: call.epochs ?? saved.epochs,
      data: call.data ?? saved.data,
      workers: call.workers ?? saved.workers,
      keepCheckpoints: call.keepCheckpoints ?? saved.keepCheckpoints,
      out,
    });
  } catch (e) {
    // Saved options pass the same checks and limits as given ones: a tampered file names itself.
    if (!(e instanceof UserError)) throw e;
    throw new FileFormatError(
      `${runFiles(out).last}: checkpoint metadata 'options' is refused: ${e.message.replace(/\.$/, '')}.`,
    );
  }
}
