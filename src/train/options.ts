/**
 * The options of a training run: what `train()` accepts (TrainOptions, TrainCallOptions), the
 * choices of each named option, and resolveTrainOptions, which fills in the defaults and checks
 * every value (a UserError names the option).
 */
import { join } from 'node:path';
import { UserError } from '../errors.js';
import { checkInputSize, checkWorkers } from '../limits.js';
import { ARCHITECTURES, type ArchName } from '../model/resnet.js';
import { BLOCK_SHORTCUTS, type BlockShortcut } from '../tasks/model_card.js';
import { checkArch } from '../tasks/pretrained.js';

export type OptimizerName = 'sgd' | 'adamw';
export type ScheduleName = 'none' | 'step' | 'multistep' | 'cosine' | 'onecycle';
export type AugmentName = 'none' | 'standard' | 'crop';
/** 'backbone': only fc trains (the rest runs in eval mode); 'bn': BN layers in eval mode with frozen affine. */
export type FreezeMode = 'none' | 'backbone' | 'bn';

export const OPTIMIZERS: readonly OptimizerName[] = ['sgd', 'adamw'];
export const SCHEDULES: readonly ScheduleName[] = ['none', 'step', 'multistep', 'cosine', 'onecycle'];
export const AUGMENTS: readonly AugmentName[] = ['none', 'standard', 'crop'];
export const FREEZE_MODES: readonly FreezeMode[] = ['none', 'backbone', 'bn'];

export interface TrainOptions {
  /**
   * An ImageFolder directory (with train/ and val/ sub-folders, or one folder per class), `idx:DIR`,
   * or `idx:fashion-mnist` / `idx:mnist` (the copy `fetchDataset` keeps in the cache).
   */
  data: string;
  /** resnet18 … resnet152, resnet20 … resnet110 (default resnet50). */
  arch?: string;
  /**
   * The blocks' shortcut: 'projection' (option B), 'zero-pad' (option A) or 'none' (the plain twin,
   * no skip connections); default the architecture's (projection for ImageNet, zero-pad for CIFAR).
   */
  shortcut?: BlockShortcut;
  /** Size of the head (default: the dataset's class count). */
  classes?: number;
  epochs?: number;
  batchSize?: number;
  /** Default 0.1 for SGD, 1e-3 for AdamW. */
  lr?: number;
  /** SGD momentum, AdamW beta1 (default 0.9). */
  momentum?: number;
  /** Default 1e-4 for SGD, 1e-2 for AdamW; never applied to biases and BN parameters. */
  weightDecay?: number;
  optimizer?: OptimizerName;
  /**
   * Per-step schedule over the whole run (default none): step = ×0.1 at each third; multistep = ×0.1
   * at 50 % and 75 % of the run (He et al.'s CIFAR-10 recipe).
   */
  schedule?: ScheduleName;
  /** Linear warm-up from 1 % of the lr over this many epochs (default 0). */
  warmupEpochs?: number;
  labelSmoothing?: number;
  /** Clip the gradient norm to this value. */
  clip?: number | null;
  /** Training and evaluation image size (default 32 for IDX data, 224 for image folders). */
  inputSize?: number | null;
  /**
   * 'standard' (default): RandomResizedCrop + horizontal flip; 'crop': RandomCrop with 4 px of zero
   * padding + horizontal flip on the source image, then the evaluation preprocessing (for small
   * images such as Fashion-MNIST); 'none': the evaluation preprocessing.
   */
  augment?: AugmentName;
  shuffle?: boolean;
  /** Seeds the initialization, the shuffles and the augmentations (default 0). */
  seed?: number;
  /** Weights to start from: a file or IMAGENET1K_V1 / IMAGENET1K_V2 / DEFAULT. */
  from?: string | null;
  freeze?: FreezeMode;
  /** At most this many steps per epoch (quick runs). */
  stepsPerEpoch?: number | null;
  /** Use only the first N training samples. */
  trainSamples?: number | null;
  /** Evaluate on only the first N held-out samples. */
  evalSamples?: number | null;
  /** Loader worker threads (0 = in the training thread; default 1). */
  workers?: number;
  /** The run directory (default runs/<arch>-<date>). */
  out?: string;
  /**
   * Keep the checkpoints of this many latest epochs as checkpoint-epoch-N files (default 2; 0: none);
   * last.safetensors is always written.
   */
  keepCheckpoints?: number;
  /**
   * Continue from RUNDIR/last.safetensors with the options saved in it. `data`, `workers` and
   * `keepCheckpoints` given now replace theirs, and so may `epochs` when the schedule is 'none'; any
   * other option given must equal the saved one (`findRunConflict` says which does not).
   */
  resume?: boolean;
}

/** Options with every default filled in, as saved in checkpoints. */
export type ResolvedTrainOptions = {
  data: string;
  arch: ArchName;
  shortcut: BlockShortcut;
  classes: number | null;
  epochs: number;
  batchSize: number;
  lr: number;
  momentum: number;
  weightDecay: number;
  optimizer: OptimizerName;
  schedule: ScheduleName;
  warmupEpochs: number;
  labelSmoothing: number;
  clip: number | null;
  inputSize: number | null;
  augment: AugmentName;
  shuffle: boolean;
  seed: number;
  from: string | null;
  freeze: FreezeMode;
  stepsPerEpoch: number | null;
  trainSamples: number | null;
  evalSamples: number | null;
  workers: number;
  out: string;
  keepCheckpoints: number;
};

function fail(message: string): never {
  throw new UserError(message);
}

export function checkNumber(name: string, v: number, min: number, integer: boolean, max = Infinity): void {
  if (
    typeof v !== 'number' ||
    !Number.isFinite(v) ||
    v < min ||
    v > max ||
    (integer && !Number.isInteger(v))
  ) {
    fail(
      `Invalid ${name} ${String(v)}: expected ${integer ? 'an integer' : 'a number'} ≥ ${min}${max < Infinity ? ` and ≤ ${max}` : ''}.`,
    );
  }
}

function checkChoice<T extends string>(name: string, v: T, choices: readonly T[]): void {
  if (!choices.includes(v)) fail(`Invalid ${name} '${String(v)}': expected one of ${choices.join(', ')}.`);
}

function optionalCount(name: string, v: number | null | undefined, min = 1): number | null {
  if (v === undefined || v === null) return null;
  checkNumber(name, v, min, true);
  return v;
}

/** Fills in defaults and checks every option (UserErrors name the option). */
export function resolveTrainOptions(o: TrainOptions): ResolvedTrainOptions {
  if (typeof o.data !== 'string' || o.data === '') fail('The training data (data) is missing.');
  const arch = checkArch(o.arch ?? 'resnet50');
  const optimizer = o.optimizer ?? 'sgd';
  checkChoice('optimizer', optimizer, OPTIMIZERS);
  const r: ResolvedTrainOptions = {
    data: o.data,
    arch,
    shortcut: o.shortcut ?? ARCHITECTURES[arch].shortcut,
    classes: optionalCount('classes', o.classes),
    epochs: o.epochs ?? 1,
    batchSize: o.batchSize ?? 32,
    lr: o.lr ?? (optimizer === 'sgd' ? 0.1 : 1e-3),
    momentum: o.momentum ?? 0.9,
    weightDecay: o.weightDecay ?? (optimizer === 'sgd' ? 1e-4 : 1e-2),
    optimizer,
    schedule: o.schedule ?? 'none',
    warmupEpochs: o.warmupEpochs ?? 0,
    labelSmoothing: o.labelSmoothing ?? 0,
    clip: o.clip ?? null,
    inputSize: o.inputSize ?? null,
    augment: o.augment ?? 'standard',
    shuffle: o.shuffle ?? true,
    seed: o.seed ?? 0,
    from: o.from ?? null,
    freeze: o.freeze ?? 'none',
    stepsPerEpoch: optionalCount('stepsPerEpoch', o.stepsPerEpoch),
    trainSamples: optionalCount('trainSamples', o.trainSamples),
    evalSamples: optionalCount('evalSamples', o.evalSamples),
    workers: o.workers ?? 1,
    out: o.out ?? join('runs', `${arch}-${new Date().toISOString().replace(/[:.]/g, '-').slice(0, 19)}`),
    keepCheckpoints: o.keepCheckpoints ?? 2,
  };
  checkChoice('shortcut', r.shortcut, BLOCK_SHORTCUTS);
  checkNumber('epochs', r.epochs, 1, true);
  checkNumber('batchSize', r.batchSize, 2, true);
  checkNumber('lr', r.lr, 0, false);
  checkNumber('momentum', r.momentum, 0, false, optimizer === 'adamw' ? 0.999999 : Infinity);
  checkNumber('weightDecay', r.weightDecay, 0, false);
  checkChoice('schedule', r.schedule, SCHEDULES);
  checkNumber('warmupEpochs', r.warmupEpochs, 0, true);
  if (r.warmupEpochs >= r.epochs && r.warmupEpochs > 0) {
    fail(`The warm-up (${r.warmupEpochs} epochs) must be shorter than the run (${r.epochs} epochs).`);
  }
  checkNumber('labelSmoothing', r.labelSmoothing, 0, false, 1);
  if (r.clip !== null) checkNumber('clip', r.clip, Number.MIN_VALUE, false);
  if (r.inputSize !== null) checkInputSize('inputSize', r.inputSize, 32);
  checkChoice('augment', r.augment, AUGMENTS);
  if (typeof r.shuffle !== 'boolean') fail(`Invalid shuffle ${String(r.shuffle)}: expected true or false.`);
  checkNumber('seed', r.seed, 0, true, Number.MAX_SAFE_INTEGER);
  checkChoice('freeze', r.freeze, FREEZE_MODES);
  checkWorkers('workers', r.workers);
  checkNumber('keepCheckpoints', r.keepCheckpoints, 0, true);
  return r;
}

/** Options of `train()`: the run, plus the kernels to run it on and what ends it early. */
export type TrainCallOptions = TrainOptions & {
  /** 'native' or 'js' (default: native when the addon is built, else the reference js kernels). */
  backend?: string;
  /**
   * Stops the run cleanly once `aborted` is true (an AbortSignal will do): the step in progress (or
   * the epoch's evaluation) finishes, RUNDIR/last.safetensors records the position in the epoch,
   * curves.png is updated, and the run resolves with `interrupted` set; `resume` continues it exactly.
   * `train()` looks at it after each progress event, the loop before each step.
   */
  stop?: { readonly aborted: boolean };
  /**
   * Ends the run at once when aborted: `train()` terminates its worker thread mid-step, removes the
   * file it was writing (writes go to a temp file that is renamed, so no partial file is left) and
   * rejects with the signal's reason; files written before stay. `trainInThisThread` can only look at
   * it between steps.
   */
  signal?: AbortSignal;
};
