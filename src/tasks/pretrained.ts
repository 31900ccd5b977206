/**
 * Builds a model with weights from a file or a named entry (IMAGENET1K_V1/V2, downloaded into the
 * cache), with its model card: the architecture (given, recorded in the file or recognized from its
 * layers), the class count (from fc.weight), the class names and the preprocessing (recorded by
 * `resnet50 train`, else the registry entry's preset, else imagenet-v1).
 */
import { basename } from 'node:path';
import { existsSync } from 'node:fs';
import {
  checkFiniteWeightsFile,
  indexWeightsFile,
  loadWeightsFile,
  readActivationScales,
  readWeightsMetadata,
  saveWeightsFile,
} from '../io/weights/index.js';
import { checkStateDict } from '../nn/module.js';
import { checkPrecision, resolveBackend, runnerOn, type Runner } from './runner.js';
import { INT8_NEEDS_SCALES } from './plan_runner.js';
import type { WeightSource } from '../model/plan.js';
import type { Precision } from '../plan/plan.js';
import type { SafetensorsEntry } from '../io/weights/index.js';
import { fetchWeights, type FetchOptions } from '../io/download.js';
import type { ArchName, ResNet, ResNetOptions } from '../model/resnet.js';
import {
  defaultWeightsName,
  getWeightsEntry,
  isWeightsName,
  listWeights,
  type WeightsEntry,
} from '../model/weights_registry.js';
import { PRESETS } from '../data/transforms.js';
import { OptionError, UserError } from '../errors.js';
import { parseRecordedCard, type ModelCard, type RecordedCard } from './model_card.js';
import { archMismatch, checkArch, modelForWeights, type ShapedModel } from './weights_model.js';
import { labelsFor } from './labels.js';

export { archMismatch, checkArch, guessArch } from './weights_model.js';

export interface LoadModelOptions extends Omit<ResNetOptions, 'numClasses' | 'seed' | 'init'> {
  /** resnet18 … resnet152; default: the file's (recorded or recognized from its layers), else resnet50. */
  arch?: string;
  /** A weights file (.safetensors, .pth, .pt) or a name: IMAGENET1K_V1, IMAGENET1K_V2, DEFAULT. */
  weights?: string;
  download?: FetchOptions;
  /** Accept weights holding NaN or ±Inf (refused by default). */
  allowNonFinite?: boolean;
}

export interface LoadedModel {
  model: ResNet;
  arch: ArchName;
  /** What the weights are: class count and names, and the preprocessing they were trained with. */
  card: ModelCard;
  /** What the file's metadata records of the card (empty for files not written by `resnet50 train`). */
  recorded: RecordedCard;
  /** The registry entry, for named weights (and files named like one). */
  entry?: WeightsEntry;
  weightsPath: string;
}

function isNamedWeights(spec: string): boolean {
  const upper = spec.toUpperCase();
  return upper === 'DEFAULT' || isWeightsName(upper);
}

export interface ResolvedWeights {
  /**
   * The architecture: the option, the file's record or the registry's default; null when only the
   * tensors can tell (a file without metadata and no arch given).
   */
  arch: ArchName | null;
  entry?: WeightsEntry;
  weightsPath: string;
  recorded: RecordedCard;
}

/**
 * The arch and the local path of `options.weights` (a file, or a registry name downloaded into the
 * cache) and what the file records of its card. An arch given that differs from the recorded one is
 * a UserError.
 */
export async function resolveWeights(options: LoadModelOptions): Promise<ResolvedWeights> {
  const given = options.arch === undefined ? null : checkArch(options.arch);
  const spec = options.weights ?? defaultWeightsName(given ?? 'resnet50');
  if (isNamedWeights(spec)) {
    const arch = given ?? 'resnet50';
    const entry = getWeightsEntry(arch, spec);
    return { arch, entry, weightsPath: await fetchWeights(entry, options.download), recorded: {} };
  }
  const recorded = parseRecordedCard(readWeightsMetadata(spec), spec);
  if (given !== null && recorded.arch !== undefined && recorded.arch !== given) {
    throw archMismatch(spec, recorded.arch, given);
  }
  const arch = given ?? recorded.arch ?? null;
  const entry = listWeights(arch ?? undefined).find((e) => e.fileName === basename(spec));
  return { arch, entry, weightsPath: spec, recorded };
}

/** A model shaped for a file's tensors (arch checked, class count and head from fc.weight), with its card. */
function modelFor(
  resolved: ResolvedWeights,
  shapes: ReadonlyMap<string, readonly number[]>,
  options: LoadModelOptions,
): ShapedModel {
  const { weightsPath, recorded, entry, arch } = resolved;
  const preprocess = PRESETS[entry?.preprocess ?? 'imagenet-v1'];
  return modelForWeights(shapes, { name: weightsPath, arch, recorded, preprocess }, options, labelsFor);
}

export async function loadModel(options: LoadModelOptions = {}): Promise<LoadedModel> {
  const resolved = await resolveWeights(options);
  const tensors = loadWeightsFile(resolved.weightsPath, { allowNonFinite: options.allowNonFinite });
  const shaped = modelFor(resolved, new Map([...tensors].map(([k, t]) => [k, t.shape])), options);
  shaped.model.loadStateDict(tensors, { source: resolved.weightsPath });
  return { ...resolved, ...shaped };
}

/**
 * For downloaded weights: a float32 safetensors copy of a cached `.pth`, written beside it once
 * (atomically), so that later runs stream it into the native engine instead of unpickling 100 MB.
 */
export function cachedSafetensors(pthPath: string): string {
  if (!pthPath.endsWith('.pth')) return pthPath;
  const copy = `${pthPath.slice(0, -'.pth'.length)}.safetensors`;
  if (!existsSync(copy)) saveWeightsFile(copy, loadWeightsFile(pthPath), { source: basename(pthPath) });
  return copy;
}

/**
 * Parameters read straight from an all-F32 safetensors file (see indexWeightsFile), tensor by tensor
 * inside the engine, so the model's own tensors are never filled and never cost memory.
 */
function fromSafetensors(file: string, index: ReadonlyMap<string, SafetensorsEntry>): WeightSource {
  return (key) => {
    const entry = index.get(key);
    if (entry === undefined || entry.dtype !== 'F32') {
      throw new UserError(`${file}: no float32 tensor '${key}'.`);
    }
    return { file, offset: entry.offset, length: entry.bytes / 4 };
  };
}

export interface LoadedRunner extends Omit<LoadedModel, 'model'> {
  runner: Runner;
  numClasses: number;
}

/**
 * Weights ready to run on a backend (default: native when built). On the native backend an all-F32
 * safetensors file is streamed into the engine tensor by tensor, so the weights are held once.
 */
export async function loadRunner(
  options: LoadModelOptions & { backend?: string; precision?: Precision } = {},
): Promise<LoadedRunner> {
  const backend = resolveBackend(options.backend);
  checkPrecision(backend, options.precision ?? 'fp32');
  const resolved = await resolveWeights(options);
  // int8: the activation scales of a quantized file, checked before its weights are read.
  const scales = options.precision === 'int8' ? readActivationScales(resolved.weightsPath) : undefined;
  if (scales !== undefined && scales.size === 0) throw new OptionError(INT8_NEEDS_SCALES);
  const streamable =
    backend === 'native' && resolved.entry !== undefined && options.weights !== resolved.weightsPath;
  if (streamable) resolved.weightsPath = cachedSafetensors(resolved.weightsPath);
  const index = backend === 'native' ? indexWeightsFile(resolved.weightsPath) : null;
  if (index !== null) {
    const shapes = new Map([...index].map(([k, e]) => [k, e.shape]));
    const { model, arch, card } = modelFor(resolved, shapes, options);
    checkStateDict(model.stateDict(), shapes, { source: resolved.weightsPath });
    if (options.allowNonFinite !== true) checkFiniteWeightsFile(resolved.weightsPath);
    const source = fromSafetensors(resolved.weightsPath, index);
    const runner = runnerOn(model, backend, source, options.precision, scales);
    return { ...resolved, runner, arch, card, numClasses: card.numClasses };
  }
  const { model, ...loaded } = await loadModel(options);
  return {
    ...loaded,
    runner: runnerOn(model, backend, undefined, options.precision, scales),
    numClasses: loaded.card.numClasses,
  };
}
