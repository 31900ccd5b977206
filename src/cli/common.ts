/** Flags shared by the commands that load weights and read images. */
import { basename, dirname, extname, join } from 'node:path';
import { PRESETS, type Preset, type PresetName } from '../data/transforms.js';
import { loadModel, loadRunner, type LoadedModel, type LoadedRunner } from '../tasks/pretrained.js';
import { PRECISIONS, type Precision } from '../plan/plan.js';
import type { Runner } from '../tasks/runner.js';
import { choiceFlag, stringFlag, type FlagSpec } from './args.js';

export const MODEL_FLAGS: FlagSpec = {
  weights: { type: 'string' },
  arch: { type: 'string' },
  preset: { type: 'string' },
  backend: { type: 'string' },
  precision: { type: 'string' },
  'allow-nonfinite': { type: 'boolean' },
};

export const PRECISION_HELP = `  --precision P  fp32 (default), bf16 or int8, on the native backend. bf16: bfloat16 weights
                 and activations, float32 accumulation, on amx or avx512bf16 kernels; int8: u8
                 activations and int8 weights of a file \`resnet50 quantize\` wrote, int32
                 accumulation, on amx, avx512vnni or avxvnni kernels (the stem and fc stay
                 float32). Elsewhere fp32-emulated kernels, slow and meant for testing`;

export const MODEL_HELP = `  --weights W    a .safetensors/.pth/.pt file (torchvision, timm or Hugging Face names) or
                 IMAGENET1K_V1 / IMAGENET1K_V2 (downloaded once into $RESNET50_CACHE,
                 default ~/.cache/resnet50)
  --arch A       resnet18, resnet34, resnet50, resnet101, resnet152; default: the file's
                 (recorded by resnet50 train, or recognized from its layers), else resnet50
  --preset P     imagenet-v1 (resize 256, crop 224), imagenet-v2 (resize 232, crop 224) or none;
                 default: the preprocessing the weights were trained with (recorded in the files
                 resnet50 train writes; imagenet-v1 for unknown files)
  --backend B    native (default when the addon is built) or js (the TypeScript reference);
                 also $RESNET50_BACKEND. $RESNET50_THREADS sets the native engine's threads
${PRECISION_HELP}
  --allow-nonfinite  load weights holding NaN or ±Inf (refused by default)`;

/** --preset when given (checked before anything is loaded), else undefined: the weights' card decides. */
export function presetFlag(values: Record<string, unknown>): Preset | undefined {
  if (stringFlag(values, 'preset') === undefined) return undefined;
  return PRESETS[choiceFlag(values, 'preset', Object.keys(PRESETS) as PresetName[], 'none')];
}

/** --precision: fp32 (default), bf16 or int8. */
export function precisionFlag(values: Record<string, unknown>): Precision {
  return choiceFlag(values, 'precision', PRECISIONS, 'fp32');
}

/** One stderr line saying which kernels a reduced-precision runner uses (and when they are emulated). */
export function noteKernels(runner: Runner): void {
  const variable = runner.precision === 'int8' ? '$RESNET50_INT8_ISA' : '$RESNET50_BF16_ISA';
  const why =
    runner.kernelPath === 'amx-emulated'
      ? ` (${variable} asked for emulated AMX tiles: slow)`
      : runner.kernelPath === 'fp32-emulated'
        ? ` (this CPU has no ${runner.precision === 'int8' ? 'VNNI' : 'AVX512-BF16'} or ${variable} asked for emulation: slow)`
        : '';
  process.stderr.write(`resnet50: ${runner.precision} on ${runner.kernelPath} kernels${why}.\n`);
}

/** The model with its weights in memory (for export and other whole-model uses). */
export async function loadFromFlags(
  values: Record<string, unknown>,
): Promise<LoadedModel & { preset: Preset }> {
  const preset = presetFlag(values);
  const loaded = await loadModel({
    arch: stringFlag(values, 'arch'),
    weights: stringFlag(values, 'weights'),
    allowNonFinite: values['allow-nonfinite'] === true,
  });
  return { ...loaded, preset: preset ?? loaded.card.preprocess };
}

/** Weights ready to run on --backend (resolved before anything is read), and the preprocessing to use. */
export async function runnerFromFlags(
  values: Record<string, unknown>,
): Promise<LoadedRunner & { preset: Preset }> {
  const preset = presetFlag(values);
  const precision = precisionFlag(values);
  const loaded = await loadRunner({
    arch: stringFlag(values, 'arch'),
    weights: stringFlag(values, 'weights'),
    backend: stringFlag(values, 'backend'),
    precision,
    allowNonFinite: values['allow-nonfinite'] === true,
  });
  if (precision !== 'fp32') noteKernels(loaded.runner);
  return { ...loaded, preset: preset ?? loaded.card.preprocess };
}

/**
 * Where the picture made for each image goes (cam overlays, detect boxes): `out` itself for one
 * image, else `out` with the image's name inserted (out/boxes.png → out/boxes-cat.png), and the
 * image's position appended when two images share a name.
 */
export function outputPaths(out: string, files: readonly string[]): string[] {
  if (files.length === 1) return [out];
  const ext = extname(out) || '.png';
  const stem = join(dirname(out), basename(out, extname(out)));
  const seen = new Map<string, number>();
  return files.map((file, i) => {
    const name = basename(file, extname(file));
    const count = (seen.get(name) ?? 0) + 1;
    seen.set(name, count);
    return `${stem}-${name}${count > 1 ? `-${i + 1}` : ''}${ext}`;
  });
}
