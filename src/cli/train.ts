/**
 * `resnet50 train --data DIR|idx:DIR`: trains (native kernels when built), with live progress on
 * stderr. SIGINT/SIGTERM stop the run after the step in progress with a checkpoint to `--resume`
 * from (exit 130/143); a second one aborts at once.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../errors.js';
import { readCheckpointMeta } from '../train/checkpoint.js';
import {
  AUGMENTS,
  describeRunConflict,
  findRunConflict,
  FREEZE_MODES,
  OPTIMIZERS,
  resolveData,
  resolveTrainOptions,
  SCHEDULES,
  train,
  type TrainEvent,
  type TrainOptions,
  type TrainResult,
} from '../train/trainer.js';
import { BLOCK_SHORTCUTS } from '../tasks/model_card.js';
import { checkArch } from '../tasks/pretrained.js';
import { resolveBackend } from '../tasks/runner.js';
import {
  checkBatchFlags,
  choiceFlag,
  inputSizeFlag,
  intFlag,
  numberFlag,
  stringFlag,
  UsageError,
  workersFlag,
  type Command,
} from './args.js';

function optionalInt(values: Record<string, unknown>, name: string, min = 1): number | undefined {
  return stringFlag(values, name) === undefined ? undefined : intFlag(values, name, min, min);
}

/** `9m12s`, `1h05m`, `42s`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}

const pct = (v: number): string => `${(v * 100).toFixed(1)}%`;

/** Flags of the training options whose flag is not the option's name. */
const FLAGS: Partial<Record<keyof TrainOptions, string>> = {
  batchSize: 'batch',
  weightDecay: 'wd',
  warmupEpochs: 'warmup-epochs',
  labelSmoothing: 'label-smoothing',
  inputSize: 'input-size',
  stepsPerEpoch: 'steps-per-epoch',
  trainSamples: 'train-samples',
  evalSamples: 'eval-samples',
  keepCheckpoints: 'keep-checkpoints',
};

/** The flag of a training option, as typed. */
const flag = (option: keyof TrainOptions): string => `--${FLAGS[option] ?? option}`;

/** A word for a path in a command line to copy: quoted when the shell would split or expand it. */
function shellWord(path: string): string {
  return /^[\w./:@%+=,-]+$/.test(path) ? path : `'${path.replace(/'/g, `'\\''`)}'`;
}

/**
 * Progress on stderr: a `\r`-updated line on a terminal, else a line every `every` steps (about ten
 * lines per epoch when epochs are shorter than 10·`every` steps) and at the end of each epoch.
 * `line` prints other lines without breaking an open progress line.
 */
function progressPrinter(every = 10): { report: (event: TrainEvent) => void; line: (text: string) => void } {
  const tty = process.stderr.isTTY === true;
  let open = false;
  let each = every;
  const line = (text: string): void => {
    process.stderr.write(`${open ? '\n' : ''}${text}\n`);
    open = false;
  };
  const report = (event: TrainEvent): void => {
    if (event.type === 'start') {
      const evalText =
        event.evalSamples > 0 ? `, evaluating on ${event.evalSamples}` : ', no evaluation split';
      line(
        `training ${event.arch} (${event.numClasses} classes) on ${event.trainSamples} images${evalText}: ` +
          `epochs ${event.startEpoch + 1}..${event.epochs}, ${event.stepsPerEpoch} step${event.stepsPerEpoch === 1 ? '' : 's'} of ${event.batchSize} → ${event.runDir}`,
      );
      for (const note of event.notes) line(`note: ${note}`);
      each = Math.min(every, Math.ceil(event.stepsPerEpoch / 10));
    } else if (event.type === 'step') {
      const text =
        `epoch ${event.epoch}/${event.epochs} step ${event.step}/${event.stepsPerEpoch} ` +
        `loss ${event.meanLoss.toFixed(3)} acc ${pct(event.acc)} ${event.imgPerSec.toFixed(1)} img/s ` +
        `ETA ${formatDuration(event.etaSeconds)}`;
      if (tty) {
        process.stderr.write(`\r${text}\x1b[K`);
        open = true;
      } else if (event.step % each === 0 || event.step === event.stepsPerEpoch) line(text);
    } else if (event.type === 'epoch') {
      const m = event.metrics;
      const val = m.valTop1 === null ? '' : `, val top-1 ${pct(m.valTop1)} top-5 ${pct(m.valTop5 ?? 0)}`;
      line(
        `epoch ${m.epoch}/${event.epochs}: train loss ${m.trainLoss.toFixed(4)} acc ${pct(m.trainAcc)}${val}, ` +
          `lr ${m.lr.toPrecision(3)}, ${m.imgPerSec.toFixed(1)} img/s, ${formatDuration(m.seconds)}; saved ${event.checkpoint}`,
      );
    }
  };
  return { report, line };
}

const SIGNAL_EXIT: Record<string, number> = { SIGINT: 130, SIGTERM: 143 };

/** How to continue the run in `runDir`, as a command to copy. */
function resumeHint(runDir: string): string {
  return `continue with: resnet50 train --out ${shellWord(runDir)} --resume`;
}

/** Where the run in `runDir` can continue from, after an abort: its last checkpoint, if any. */
function lastCheckpointText(runDir: string): string {
  const last = join(runDir, 'last.safetensors');
  if (!existsSync(last)) return `nothing to resume in ${runDir} (no checkpoint yet)`;
  const meta = readCheckpointMeta(last);
  const progress = meta.epochProgress;
  const at =
    progress === null
      ? `end of epoch ${meta.epoch}`
      : `epoch ${meta.epoch + 1}, step ${progress.steps} of ${meta.stepsPerEpoch ?? '?'}`;
  return `the last checkpoint is ${last} (step ${meta.step}, ${at}); ${resumeHint(runDir)}`;
}

/**
 * Runs `train()` so that the first SIGINT or SIGTERM stops it after the step in progress (the
 * result has `interrupted` set) and a second one aborts it at once; returns the result and the
 * first signal received, or the signal that aborted it and the run directory.
 */
async function trainUntilSignalled(
  options: TrainOptions & { backend?: string },
  printer: ReturnType<typeof progressPrinter>,
): Promise<
  | { result: TrainResult; signal: NodeJS.Signals | null }
  | { abortedBy: NodeJS.Signals; runDir: string | null }
> {
  const stop = new AbortController();
  const abort = new AbortController();
  let received: NodeJS.Signals | null = null;
  const onSignal = (signal: NodeJS.Signals): void => {
    if (received !== null) {
      abort.abort(signal);
      return;
    }
    received = signal;
    stop.abort();
    const again = signal === 'SIGINT' ? 'Ctrl-C' : signal;
    printer.line(
      `${signal}: stopping after the current step to save a checkpoint (${again} again aborts at once)`,
    );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  let runDir = options.out ?? null;
  try {
    const result = await train({ ...options, stop: stop.signal, signal: abort.signal }, (event) => {
      if (event.type === 'start') runDir = event.runDir;
      printer.report(event);
    });
    return { result, signal: received };
  } catch (e) {
    if (!abort.signal.aborted) throw e;
    return { abortedBy: abort.signal.reason as NodeJS.Signals, runDir };
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

export const trainCommand: Command = {
  name: 'train',
  summary: 'train or fine-tune on an image folder or IDX data',
  help: `Usage: resnet50 train --data DIR|idx:DIR [--arch resnet50] [--shortcut S] [--classes N] [--epochs 1] [--batch 32]
                      [--lr 0.1] [--momentum 0.9] [--wd 1e-4] [--optimizer sgd|adamw]
                      [--schedule none|step|multistep|cosine|onecycle] [--warmup-epochs 0] [--label-smoothing 0]
                      [--clip NORM] [--input-size S] [--augment none|standard|crop] [--shuffle true|false]
                      [--seed 0] [--from WEIGHTS] [--freeze none|backbone|bn] [--steps-per-epoch K]
                      [--train-samples N] [--eval-samples N] [--workers 1] [--backend native|js] [--out RUNDIR]
                      [--keep-checkpoints 2] [--resume] [--json]

Trains a ResNet (convolutions and their gradients on the native engine when it is built, the rest
on the TypeScript kernels; --backend js for the reference alone) and evaluates it on the held-out
split after every epoch. RUNDIR gets steps.jsonl (per step), metrics.jsonl (per epoch), curves.png
(loss per step and per epoch; accuracies), checkpoint-epoch-N.safetensors, last.safetensors and
final.safetensors (torchvision keys).

Ctrl-C (SIGINT) or SIGTERM stops after the step in progress: last.safetensors then holds that step,
the command prints how to continue (--resume continues exactly, as if never stopped) and exits 130
(SIGINT) or 143 (SIGTERM). A second signal aborts at once (exit 130/143; the checkpoint before stays).
A loss that is not finite stops the run with exit 1, naming the step; the last checkpoint stays.

  --data D            an ImageFolder directory (DIR/train + DIR/val if present, else one folder per
                      class and no evaluation) or idx:DIR (MNIST/Fashion-MNIST IDX files; test split
                      for evaluation)
  --arch A            resnet18, resnet34, resnet50 (default), resnet101, resnet152 (ImageNet's);
                      resnet20, resnet32, resnet44, resnet56, resnet110 (CIFAR's: 3×3 stem without
                      max-pool, 16/32/64 planes; for 32×32 inputs such as --input-size 32 IDX data)
  --shortcut S        projection (option B), zero-pad (option A) or none (the plain twin: no skip
                      connections); default projection for ImageNet's archs, zero-pad for CIFAR's
  --classes N         size of the head (default: the dataset's class count)
  --epochs N          epochs in total (default 1)
  --batch N           images per step (default 32; the last incomplete batch is dropped)
  --lr X              learning rate (default 0.1 for sgd, 1e-3 for adamw)
  --momentum X        SGD momentum / AdamW beta1 (default 0.9)
  --wd X              weight decay, not applied to biases and BN (default 1e-4 sgd, 1e-2 adamw)
  --optimizer O       sgd (default) or adamw
  --schedule S        none (default), step (×0.1 at each third), multistep (×0.1 at 50% and 75%:
                      the paper's CIFAR recipe), cosine or onecycle, per step
  --warmup-epochs N   linear warm-up from 1% of the lr (default 0)
  --label-smoothing X cross-entropy label smoothing (default 0)
  --clip NORM         clip the global gradient norm
  --input-size S      image size (default 32 for IDX data, 224 for folders)
  --augment A         standard (RandomResizedCrop + flip, default); crop (4 px zero padding,
                      random crop back to the source size, flip, then the evaluation resize:
                      the usual recipe for small images such as Fashion-MNIST); none
  --shuffle B         true (default) or false
  --seed N            seeds the initialization, order and augmentation (default 0)
  --from W            start from weights (file or IMAGENET1K_V1/V2); a head with another class
                      count is replaced by a freshly initialized one
  --freeze F          none (default), backbone (only fc trains) or bn (BN layers frozen, eval mode)
  --steps-per-epoch K at most K steps per epoch (quick runs)
  --train-samples N   use only the first N training images
  --eval-samples N    evaluate on only the first N held-out images
  --workers N         data loader threads (default 1; 0 = in the training thread)
  --backend B         native (default when built: native convolutions) or js (the reference kernels)
  --out RUNDIR        run directory (default runs/<arch>-<date>)
  --keep-checkpoints N  keep checkpoint-epoch-N files of the N latest epochs (default 2; 0: none);
                      last.safetensors is always kept
  --resume            continue RUNDIR (--out) from last.safetensors (an epoch's end or the step
                      where it was stopped) with its saved options; --data, --workers and
                      --keep-checkpoints may be given anew, and --epochs with --schedule none
                      (other schedules depend on the run's length); other flags must be as saved
  --json              print the final summary as JSON on stdout`,
  flags: {
    data: { type: 'string' },
    arch: { type: 'string' },
    shortcut: { type: 'string' },
    classes: { type: 'string' },
    epochs: { type: 'string' },
    batch: { type: 'string' },
    lr: { type: 'string' },
    momentum: { type: 'string' },
    wd: { type: 'string' },
    optimizer: { type: 'string' },
    schedule: { type: 'string' },
    'warmup-epochs': { type: 'string' },
    'label-smoothing': { type: 'string' },
    clip: { type: 'string' },
    'input-size': { type: 'string' },
    augment: { type: 'string' },
    shuffle: { type: 'string' },
    seed: { type: 'string' },
    from: { type: 'string' },
    freeze: { type: 'string' },
    'steps-per-epoch': { type: 'string' },
    'train-samples': { type: 'string' },
    'eval-samples': { type: 'string' },
    workers: { type: 'string' },
    out: { type: 'string' },
    'keep-checkpoints': { type: 'string' },
    backend: { type: 'string' },
    resume: { type: 'boolean' },
    json: { type: 'boolean' },
  },
  async run(values, positionals) {
    if (positionals.length > 0) {
      throw new UsageError(`train: unexpected argument '${positionals[0]}' (see 'resnet50 train --help').`);
    }
    const resume = values.resume === true;
    const out = stringFlag(values, 'out');
    let data = stringFlag(values, 'data');
    if (resume && out === undefined)
      throw new UsageError('--resume needs --out RUNDIR (the run to continue).');
    if (data === undefined && resume && out !== undefined) {
      const last = join(out, 'last.safetensors');
      if (!existsSync(last) && existsSync(out)) {
        throw new UsageError(
          `no checkpoint yet in ${out} (the run stopped before its first save); start it again with its --data and flags (with or without --resume).`,
        );
      }
      if (!existsSync(last))
        throw new UserError(describeRunConflict({ kind: 'nothing to resume', path: last }));
      const saved = readCheckpointMeta(last).options.data;
      if (typeof saved === 'string') data = saved;
    }
    if (data === undefined)
      throw new UsageError("train: --data DIR|idx:DIR is required (see 'resnet50 train --help').");
    const arch = stringFlag(values, 'arch');
    if (arch !== undefined) checkArch(arch);
    const inputSize =
      stringFlag(values, 'input-size') === undefined
        ? undefined
        : inputSizeFlag(values, 'input-size', 32, 32);
    const backend = stringFlag(values, 'backend');
    resolveBackend(backend);
    const options: TrainOptions & { backend?: string } = {
      backend,
      data,
      arch,
      shortcut:
        stringFlag(values, 'shortcut') === undefined
          ? undefined
          : choiceFlag(values, 'shortcut', BLOCK_SHORTCUTS, 'projection'),
      classes: optionalInt(values, 'classes'),
      epochs: optionalInt(values, 'epochs'),
      batchSize: optionalInt(values, 'batch', 2),
      lr: numberFlag(values, 'lr', { min: 0 }),
      momentum: numberFlag(values, 'momentum', { min: 0 }),
      weightDecay: numberFlag(values, 'wd', { min: 0 }),
      optimizer:
        stringFlag(values, 'optimizer') === undefined
          ? undefined
          : choiceFlag(values, 'optimizer', OPTIMIZERS, 'sgd'),
      schedule:
        stringFlag(values, 'schedule') === undefined
          ? undefined
          : choiceFlag(values, 'schedule', SCHEDULES, 'none'),
      warmupEpochs: optionalInt(values, 'warmup-epochs', 0),
      labelSmoothing: numberFlag(values, 'label-smoothing', { min: 0 }),
      clip: numberFlag(values, 'clip', { min: 0, above: true }),
      inputSize,
      augment:
        stringFlag(values, 'augment') === undefined
          ? undefined
          : choiceFlag(values, 'augment', AUGMENTS, 'standard'),
      shuffle:
        stringFlag(values, 'shuffle') === undefined
          ? undefined
          : choiceFlag(values, 'shuffle', ['true', 'false'] as const, 'true') === 'true',
      seed: optionalInt(values, 'seed', 0),
      from: stringFlag(values, 'from'),
      freeze:
        stringFlag(values, 'freeze') === undefined
          ? undefined
          : choiceFlag(values, 'freeze', FREEZE_MODES, 'none'),
      stepsPerEpoch: optionalInt(values, 'steps-per-epoch'),
      trainSamples: optionalInt(values, 'train-samples'),
      evalSamples: optionalInt(values, 'eval-samples'),
      workers: stringFlag(values, 'workers') === undefined ? undefined : workersFlag(values, 0),
      out,
      keepCheckpoints: optionalInt(values, 'keep-checkpoints', 0),
      resume,
    };
    const labelSmoothing = options.labelSmoothing;
    if (labelSmoothing !== undefined && labelSmoothing > 1) {
      throw new UsageError(`--label-smoothing must be in [0, 1], got '${labelSmoothing}'.`);
    }
    if (options.momentum !== undefined && options.optimizer === 'adamw' && options.momentum >= 1) {
      throw new UsageError(`--momentum is AdamW's beta1 and must be below 1, got '${options.momentum}'.`);
    }
    if (out !== undefined) {
      const conflict = findRunConflict({ ...options, out });
      if (conflict !== null) throw new UserError(describeRunConflict(conflict, flag));
    }
    if (!resume) {
      // The data and the memory a step takes are checked before the run directory is touched.
      const resolved = resolveTrainOptions(options);
      const split = resolveData(resolved.data, resolved);
      const size: [number, number] = [split.inputSize, split.inputSize];
      checkBatchFlags(resolved.arch, resolved.batchSize, size, true, 'input-size');
    }
    const printer = progressPrinter();
    const run = await trainUntilSignalled(options, printer);
    if ('abortedBy' in run) {
      const where = run.runDir === null ? 'before the run started' : lastCheckpointText(run.runDir);
      printer.line(`resnet50: aborted at once by a second ${run.abortedBy}; ${where}`);
      return SIGNAL_EXIT[run.abortedBy];
    }
    const { result, signal } = run;
    if (values.json === true) process.stdout.write(`${JSON.stringify(result)}\n`);
    if (result.interrupted !== null && signal !== null) {
      const { epoch, step, stepsPerEpoch } = result.interrupted;
      const at =
        step === 0
          ? `at the start of epoch ${epoch}`
          : `after step ${result.globalStep} (epoch ${epoch}, step ${step} of ${stepsPerEpoch})`;
      printer.line(
        `resnet50: stopped by ${signal} ${at}; saved ${result.lastCheckpoint}; ${resumeHint(result.runDir)}`,
      );
      return SIGNAL_EXIT[signal];
    }
    if (values.json === true) return 0;
    const last = result.metrics.at(-1);
    const val =
      last?.valTop1 == null ? '' : `, val top-1 ${pct(last.valTop1)} top-5 ${pct(last.valTop5 ?? 0)}`;
    process.stdout.write(
      `${result.arch}: ${result.epochs} epochs, ${result.globalStep} steps${last ? `, train loss ${last.trainLoss.toFixed(4)}` : ''}${val}\n` +
        `final weights: ${result.finalWeights}\n`,
    );
    return 0;
  },
};
