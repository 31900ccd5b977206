/**
 * `resnet50 eval --weights W --data D`: top-1/top-5 accuracy on a dataset's evaluation split (IDX
 * test, ImageFolder val/ or the whole folder) on the native engine when built, and a confusion
 * matrix PNG. W may be plain weights or a training checkpoint (its optimizer tensors are ignored);
 * its arch and the input size it was trained at are the defaults.
 */
import { DataLoader } from '../data/loader.js';
import { presetInputSize } from '../data/transforms.js';
import { readActivationScales, readWeightsMetadata } from '../io/weights/index.js';
import { ARCHITECTURES, resnet, type ArchName, type ResNet } from '../model/resnet.js';
import { BLOCK_SHORTCUTS, shortcutOptions } from '../tasks/model_card.js';
import { archMismatch, checkArch, loadModel } from '../tasks/pretrained.js';
import { checkPrecision } from '../tasks/plan_runner.js';
import { resolveBackend } from '../tasks/runner.js';
import { isCheckpointMetadata, readCheckpoint, readCheckpointMeta } from '../train/checkpoint.js';
import { evaluateModel, resolveEvalData } from '../train/trainer.js';
import { UserError } from '../errors.js';
import { confusionClasses, MAX_CONFUSION_CLASSES, writeConfusionMatrix } from '../viz/plot.js';
import {
  checkBatchFlags,
  inputSizeFlag,
  intFlag,
  stringFlag,
  UsageError,
  workersFlag,
  type Command,
} from './args.js';
import { precisionFlag } from './common.js';

interface EvalModel {
  model: ResNet;
  arch: ArchName;
  /** The input size the weights were trained at, when the file records it. */
  inputSize: number | null;
}

async function modelFromWeights(weights: string, archFlag: string | undefined): Promise<EvalModel> {
  if (isCheckpointMetadata(readWeightsMetadata(weights))) {
    const fileArch = checkArch(readCheckpointMeta(weights).arch);
    const arch = checkArch(archFlag ?? fileArch);
    if (arch !== fileArch) throw archMismatch(weights, fileArch, arch);
    const { meta, modelState } = readCheckpoint(weights);
    const fc = modelState.get('fc.weight');
    if (fc === undefined) throw new UserError(`${weights}: the checkpoint has no fc layer to classify with.`);
    const saved = BLOCK_SHORTCUTS.find((s) => s === meta.options.shortcut);
    const shortcut = shortcutOptions(saved ?? ARCHITECTURES[arch].shortcut);
    const model = resnet(arch, { numClasses: fc.shape[0], init: 'none', ...shortcut });
    model.loadStateDict(modelState, { source: weights });
    const size = meta.options.inputSize;
    return { model, arch, inputSize: typeof size === 'number' ? size : null };
  }
  const { model, arch, recorded } = await loadModel({ arch: archFlag, weights });
  if (model.fc === null) throw new UserError(`${weights}: the weights have no fc layer to classify with.`);
  const inputSize = recorded.preprocess === undefined ? null : presetInputSize(recorded.preprocess);
  return { model, arch, inputSize };
}

export const evalCommand: Command = {
  name: 'eval',
  summary: 'top-1/top-5 accuracy and a confusion matrix on a dataset',
  help: `Usage: resnet50 eval --weights W --data D [--arch A] [--batch 32] [--input-size S]
                     [--backend native|js] [--precision fp32|bf16|int8] [--samples N] [--workers 1]
                     [--out confusion.png] [--json]

Evaluates weights (a .safetensors/.pth file, e.g. RUNDIR/final.safetensors, or a training
checkpoint) on the evaluation split of D: the IDX test split for idx:DIR, DIR/val for an image
folder with train/ and val/, else the whole folder. Prints top-1/top-5 and writes a confusion matrix.

  --weights W     the weights to evaluate (required)
  --data D        idx:DIR or an ImageFolder directory (required)
  --arch A        resnet18 … resnet152 (default: from the file)
  --batch N       images per forward pass (default 32)
  --input-size S  image size (default: the one the weights were trained at when the file records
                  it, else 32 for IDX data, 224 for folders)
  --backend B     native (default when built) or js
  --precision P   fp32 (default), bf16 or int8 (native backend; see resnet50 classify --help): the
                  accuracy of the weights at that arithmetic
  --samples N     evaluate only the first N images
  --workers N     data loader threads (default 1)
  --out FILE      confusion matrix PNG (default confusion.png; of more than ${MAX_CONFUSION_CLASSES} classes,
                  the ${MAX_CONFUSION_CLASSES} most confused are drawn)
  --json          {"top1","top5","loss","count","confusion":FILE,...} (accuracies as fractions)`,
  flags: {
    weights: { type: 'string' },
    data: { type: 'string' },
    arch: { type: 'string' },
    batch: { type: 'string' },
    'input-size': { type: 'string' },
    backend: { type: 'string' },
    precision: { type: 'string' },
    samples: { type: 'string' },
    workers: { type: 'string' },
    out: { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(values, positionals) {
    if (positionals.length > 0) {
      throw new UsageError(`eval: unexpected argument '${positionals[0]}' (see 'resnet50 eval --help').`);
    }
    const weights = stringFlag(values, 'weights');
    const data = stringFlag(values, 'data');
    if (weights === undefined)
      throw new UsageError("eval: --weights W is required (see 'resnet50 eval --help').");
    if (data === undefined) throw new UsageError("eval: --data D is required (see 'resnet50 eval --help').");
    const archFlag = stringFlag(values, 'arch');
    if (archFlag !== undefined) checkArch(archFlag);
    const batchSize = intFlag(values, 'batch', 32);
    const sizeFlag =
      stringFlag(values, 'input-size') === undefined ? null : inputSizeFlag(values, 'input-size', 224, 32);
    const samples = stringFlag(values, 'samples') === undefined ? null : intFlag(values, 'samples', 1);
    const workers = workersFlag(values, 1);
    const out = stringFlag(values, 'out') ?? 'confusion.png';
    const backend = resolveBackend(stringFlag(values, 'backend'));
    const precision = precisionFlag(values);
    checkPrecision(backend, precision);
    // int8 runs on the activation scales of a file `resnet50 quantize` wrote.
    const inputScales = precision === 'int8' ? readActivationScales(weights) : undefined;

    const { model, arch, inputSize } = await modelFromWeights(weights, archFlag);
    const split = resolveEvalData(data, { inputSize: sizeFlag ?? inputSize, samples });
    checkBatchFlags(arch, batchSize, [split.inputSize, split.inputSize], false, 'input-size');
    const numClasses = model.options.numClasses;
    if (numClasses !== split.classes.length) {
      throw new UserError(
        `${weights} has a head of ${numClasses} classes but ${data} has ${split.classes.length}; evaluate it on data with its classes or fine-tune it first (resnet50 train --from).`,
      );
    }
    const loader = new DataLoader(split.spec, { batchSize, workers });
    const t0 = performance.now();
    let result;
    try {
      result = await evaluateModel(model, backend, loader, numClasses, precision, inputScales);
    } finally {
      await loader.close();
    }
    const seconds = (performance.now() - t0) / 1000;
    writeConfusionMatrix(out, result.confusion, split.classes);
    const drawn = confusionClasses(result.confusion).length;
    const summary = {
      weights,
      arch,
      data,
      split: split.split,
      backend,
      precision,
      inputSize: split.inputSize,
      count: result.count,
      top1: result.top1,
      top5: result.top5,
      loss: result.loss,
      seconds,
      confusion: out,
      confusionClasses: drawn,
    };
    if (values.json === true) {
      process.stdout.write(`${JSON.stringify(summary)}\n`);
      return;
    }
    process.stdout.write(
      `${arch} on ${result.count} images (${split.split} split of ${data}, ${split.inputSize}×${split.inputSize}, ${backend}${precision === 'fp32' ? '' : ` ${precision}`}): ` +
        `top-1 ${(result.top1 * 100).toFixed(2)}%, top-5 ${(result.top5 * 100).toFixed(2)}%, loss ${result.loss.toFixed(4)}\n` +
        `confusion matrix: ${out}${drawn < numClasses ? ` (the ${drawn} most confused of ${numClasses} classes)` : ''}\n`,
    );
  },
};
