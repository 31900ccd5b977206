/**
 * `resnet50 quantize --weights W --calib D --out W.int8.safetensors`: int8 weights (symmetric, per
 * output channel) and per-tensor activation scales from calibration, in one safetensors file that
 * every command loads (io/weights/quantized.ts describes the layout).
 */
import { DataLoader } from '../data/loader.js';
import { presetInputSize } from '../data/transforms.js';
import { UserError } from '../errors.js';
import { readWeightsMetadata, saveWeightsFile } from '../io/weights/index.js';
import { quantizedStateDict } from '../io/weights/quantized.js';
import { withBackend } from '../backends/registry.js';
import { CALIBRATION_METHODS, calibrate, U8_LEVELS } from '../tasks/calibrate.js';
import { loadModel } from '../tasks/pretrained.js';
import { resolveBackend } from '../tasks/runner.js';
import { resolveData } from '../train/data_splits.js';
import type { Tensor } from '../tensor/tensor.js';
import { choiceFlag, intFlag, stringFlag, UsageError, type Command } from './args.js';

export const quantizeCommand: Command = {
  name: 'quantize',
  summary: 'int8 weights and activation scales from calibration images',
  help: `Usage: resnet50 quantize --weights W --calib D --out FILE.safetensors
                         [--method minmax|percentile|entropy] [--percentile P] [--samples N] [--arch A]

Calibrates W on images of D and writes FILE: every convolution after a ReLU (all but the stem) as
int8 weights with one scale per output channel, and the scale of its input (u8, per tensor); the
stem, batch norm and the fc stay float32. The model card (arch, classes, preprocessing) is kept,
and every command loads FILE (with --precision int8 on the int8 engine, else widened to float32).

  --weights W    a .safetensors/.pth/.pt file or IMAGENET1K_V1 / IMAGENET1K_V2
  --calib D      idx:DIR (its train split) or an image folder (its train/ part, else all of it),
                 preprocessed as the weights record
  --method M     minmax (default): the largest input seen; percentile: the --percentile of all
                 input values (default 99.999); entropy: the least KL divergence (TensorRT's)
  --samples N    calibration images (default 256), the first N of D
  --out FILE     where to write (.safetensors; written to a temp file first, then renamed)`,
  flags: {
    weights: { type: 'string' },
    calib: { type: 'string' },
    method: { type: 'string' },
    percentile: { type: 'string' },
    samples: { type: 'string' },
    arch: { type: 'string' },
    out: { type: 'string' },
  },
  async run(values, positionals) {
    if (positionals.length > 0)
      throw new UsageError(
        `quantize: unexpected argument '${positionals[0]}' (see 'resnet50 quantize --help').`,
      );
    const weights = stringFlag(values, 'weights');
    const calib = stringFlag(values, 'calib');
    const out = stringFlag(values, 'out');
    for (const [flag, value] of [
      ['--weights W', weights],
      ['--calib D', calib],
      ['--out FILE', out],
    ] as const) {
      if (value === undefined)
        throw new UsageError(`quantize: ${flag} is required (see 'resnet50 quantize --help').`);
    }
    if (!/\.safetensors$/i.test(out!))
      throw new UsageError(`--out must name a .safetensors file, got '${out}'.`);
    const method = choiceFlag(values, 'method', CALIBRATION_METHODS, 'minmax');
    const percentileRaw = stringFlag(values, 'percentile');
    const percentile = percentileRaw === undefined ? 99.999 : Number(percentileRaw);
    if (!(percentile > 0 && percentile <= 100))
      throw new UsageError(`--percentile must be a number in (0, 100], got '${percentileRaw}'.`);
    if (percentileRaw !== undefined && method !== 'percentile')
      throw new UsageError(`--percentile goes with --method percentile, not ${method}.`);
    const samples = intFlag(values, 'samples', 256);

    const { model, card, weightsPath } = await loadModel({ weights, arch: stringFlag(values, 'arch') });
    const split = resolveData(calib!, {
      inputSize: presetInputSize(card.preprocess),
      augment: 'none',
      trainSamples: samples,
    });
    const loader = new DataLoader(split.train, { batchSize: 16, workers: 1 });
    const batches: Tensor[] = [];
    try {
      for await (const batch of loader.batches(0)) batches.push(batch.x);
    } finally {
      await loader.close();
    }
    const count = batches.reduce((n, b) => n + b.shape[0]!, 0);
    const t0 = performance.now();
    const thresholds = withBackend(resolveBackend(undefined), () =>
      calibrate(model, batches, { method, percentile }),
    );
    if (thresholds.size === 0) throw new UserError(`${weightsPath}: no convolution could be quantized.`);
    const scales = new Map([...thresholds].map(([conv, t]) => [conv, t / U8_LEVELS]));
    const metadata = {
      ...readWeightsMetadata(weightsPath),
      quantization: JSON.stringify({
        weights: 'int8 symmetric per output channel',
        activations: 'u8 per tensor',
        method,
        ...(method === 'percentile' ? { percentile } : {}),
        images: count,
        calib,
      }),
    };
    saveWeightsFile(out!, quantizedStateDict(model.stateDict(), scales), metadata);
    process.stderr.write(
      `wrote ${out}: ${scales.size} convolutions in int8, calibrated (${method}) on ${count} images of ${calib} in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`,
    );
  },
};
