/** `resnet50 train --data DIR|idx:DIR`: trains (native kernels when built), with live progress on stderr. */
import { join } from 'node:path';
import { readCheckpointMeta } from '../train/checkpoint.js';
import { AUGMENTS, FREEZE_MODES, OPTIMIZERS, SCHEDULES, train, } from '../train/trainer.js';
import { checkArch } from '../tasks/pretrained.js';
import { resolveBackend } from '../tasks/runner.js';
import { choiceFlag, intFlag, numberFlag, stringFlag, UsageError } from './args.js';
function optionalInt(values, name, min = 1) {
    return stringFlag(values, name) === undefined ? undefined : intFlag(values, name, min, min);
}
/** `9m12s`, `1h05m`, `42s`. */
export function formatDuration(seconds) {
    if (!Number.isFinite(seconds))
        return '?';
    const s = Math.max(0, Math.round(seconds));
    if (s < 60)
        return `${s}s`;
    if (s < 3600)
        return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, '0')}s`;
    return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, '0')}m`;
}
const pct = (v) => `${(v * 100).toFixed(1)}%`;
/** Progress on stderr: a `\r`-updated line on a terminal, else one line every `every` steps. */
function progressPrinter(every = 10) {
    const tty = process.stderr.isTTY === true;
    let open = false;
    const line = (text) => {
        process.stderr.write(`${open ? '\n' : ''}${text}\n`);
        open = false;
    };
    return (event) => {
        if (event.type === 'start') {
            const evalText = event.evalSamples > 0 ? `, evaluating on ${event.evalSamples}` : ', no evaluation split';
            line(`training ${event.arch} (${event.numClasses} classes) on ${event.trainSamples} images${evalText}: ` +
                `epochs ${event.startEpoch + 1}..${event.epochs}, ${event.stepsPerEpoch} steps of ${event.batchSize} → ${event.runDir}`);
            for (const note of event.notes)
                line(`note: ${note}`);
        }
        else if (event.type === 'step') {
            const text = `epoch ${event.epoch}/${event.epochs} step ${event.step}/${event.stepsPerEpoch} ` +
                `loss ${event.meanLoss.toFixed(3)} acc ${pct(event.acc)} ${event.imgPerSec.toFixed(1)} img/s ` +
                `ETA ${formatDuration(event.etaSeconds)}`;
            if (tty) {
                process.stderr.write(`\r${text}\x1b[K`);
                open = true;
            }
            else if (event.step % every === 0 || event.step === event.stepsPerEpoch)
                line(text);
        }
        else if (event.type === 'epoch') {
            const m = event.metrics;
            const val = m.valTop1 === null ? '' : `, val top-1 ${pct(m.valTop1)} top-5 ${pct(m.valTop5 ?? 0)}`;
            line(`epoch ${m.epoch}/${event.epochs}: train loss ${m.trainLoss.toFixed(4)} acc ${pct(m.trainAcc)}${val}, ` +
                `lr ${m.lr.toPrecision(3)}, ${m.imgPerSec.toFixed(1)} img/s, ${formatDuration(m.seconds)}; saved ${event.checkpoint}`);
        }
    };
}
export const trainCommand = {
    name: 'train',
    summary: 'train or fine-tune on an image folder or IDX data',
    help: `Usage: resnet50 train --data DIR|idx:DIR [--arch resnet50] [--classes N] [--epochs 1] [--batch 32]
                      [--lr 0.1] [--momentum 0.9] [--wd 1e-4] [--optimizer sgd|adamw]
                      [--schedule none|step|cosine|onecycle] [--warmup-epochs 0] [--label-smoothing 0]
                      [--clip NORM] [--input-size S] [--augment none|standard|crop] [--shuffle true|false]
                      [--seed 0] [--from WEIGHTS] [--freeze none|backbone|bn] [--steps-per-epoch K]
                      [--train-samples N] [--eval-samples N] [--workers 1] [--backend native|js] [--out RUNDIR] [--resume] [--json]

Trains a ResNet (convolutions and their gradients on the native engine when it is built, the rest
on the TypeScript kernels; --backend js for the reference alone) and evaluates it on the held-out
split after every epoch. RUNDIR gets steps.jsonl (per step), metrics.jsonl (per epoch), curves.png,
checkpoint-epoch-N.safetensors, last.safetensors and final.safetensors (torchvision keys).

  --data D            an ImageFolder directory (DIR/train + DIR/val if present, else one folder per
                      class and no evaluation) or idx:DIR (MNIST/Fashion-MNIST IDX files; test split
                      for evaluation)
  --arch A            resnet18, resnet34, resnet50 (default), resnet101, resnet152
  --classes N         size of the head (default: the dataset's class count)
  --epochs N          epochs in total (default 1)
  --batch N           images per step (default 32; the last incomplete batch is dropped)
  --lr X              learning rate (default 0.1 for sgd, 1e-3 for adamw)
  --momentum X        SGD momentum / AdamW beta1 (default 0.9)
  --wd X              weight decay, not applied to biases and BN (default 1e-4 sgd, 1e-2 adamw)
  --optimizer O       sgd (default) or adamw
  --schedule S        none (default), step (×0.1 at each third), cosine or onecycle, per step
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
  --resume            continue RUNDIR (--out) from last.safetensors with its saved options;
                      --epochs, --data and --workers may be given anew
  --json              print the final summary as JSON on stdout`,
    flags: {
        data: { type: 'string' },
        arch: { type: 'string' },
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
            const saved = readCheckpointMeta(join(out, 'last.safetensors')).options.data;
            if (typeof saved === 'string')
                data = saved;
        }
        if (data === undefined)
            throw new UsageError("train: --data DIR|idx:DIR is required (see 'resnet50 train --help').");
        const arch = stringFlag(values, 'arch');
        if (arch !== undefined)
            checkArch(arch);
        const inputSize = optionalInt(values, 'input-size', 32);
        const backend = stringFlag(values, 'backend');
        resolveBackend(backend);
        const options = {
            backend,
            data,
            arch,
            classes: optionalInt(values, 'classes'),
            epochs: optionalInt(values, 'epochs'),
            batchSize: optionalInt(values, 'batch', 2),
            lr: numberFlag(values, 'lr', { min: 0 }),
            momentum: numberFlag(values, 'momentum', { min: 0 }),
            weightDecay: numberFlag(values, 'wd', { min: 0 }),
            optimizer: stringFlag(values, 'optimizer') === undefined
                ? undefined
                : choiceFlag(values, 'optimizer', OPTIMIZERS, 'sgd'),
            schedule: stringFlag(values, 'schedule') === undefined
                ? undefined
                : choiceFlag(values, 'schedule', SCHEDULES, 'none'),
            warmupEpochs: optionalInt(values, 'warmup-epochs', 0),
            labelSmoothing: numberFlag(values, 'label-smoothing', { min: 0 }),
            clip: numberFlag(values, 'clip', { min: 0, above: true }),
            inputSize,
            augment: stringFlag(values, 'augment') === undefined
                ? undefined
                : choiceFlag(values, 'augment', AUGMENTS, 'standard'),
            shuffle: stringFlag(values, 'shuffle') === undefined
                ? undefined
                : choiceFlag(values, 'shuffle', ['true', 'false'], 'true') === 'true',
            seed: optionalInt(values, 'seed', 0),
            from: stringFlag(values, 'from'),
            freeze: stringFlag(values, 'freeze') === undefined
                ? undefined
                : choiceFlag(values, 'freeze', FREEZE_MODES, 'none'),
            stepsPerEpoch: optionalInt(values, 'steps-per-epoch'),
            trainSamples: optionalInt(values, 'train-samples'),
            evalSamples: optionalInt(values, 'eval-samples'),
            workers: optionalInt(values, 'workers', 0),
            out,
            resume,
        };
        const labelSmoothing = options.labelSmoothing;
        if (labelSmoothing !== undefined && labelSmoothing > 1) {
            throw new UsageError(`--label-smoothing must be in [0, 1], got '${labelSmoothing}'.`);
        }
        if (options.momentum !== undefined && options.optimizer === 'adamw' && options.momentum >= 1) {
            throw new UsageError(`--momentum is AdamW's beta1 and must be below 1, got '${options.momentum}'.`);
        }
        const result = await train(options, progressPrinter());
        if (values.json === true) {
            process.stdout.write(`${JSON.stringify(result)}\n`);
            return;
        }
        const last = result.metrics.at(-1);
        const val = last?.valTop1 == null ? '' : `, val top-1 ${pct(last.valTop1)} top-5 ${pct(last.valTop5 ?? 0)}`;
        process.stdout.write(`${result.arch}: ${result.epochs} epochs, ${result.globalStep} steps${last ? `, train loss ${last.trainLoss.toFixed(4)}` : ''}${val}\n` +
            `final weights: ${result.finalWeights}\n`);
    },
};
//# sourceMappingURL=train.js.map