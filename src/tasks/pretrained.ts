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
  saveWeightsFile,
} from '../io/weights/index.js';
import { checkStateDict } from '../nn/module.js';
import { resolveBackend, runnerOn, type Runner } from './runner.js';
import type { WeightSource } from '../model/plan.js';
import type { SafetensorsEntry } from '../io/weights/index.js';
import { fetchWeights, type FetchOptions } from '../io/download.js';
import {
  resnet,
  isArchName,
  ARCHITECTURES,
  type ArchName,
  type ResNet,
  type ResNetOptions,
} from '../model/resnet.js';
import {
  defaultWeightsName,
  getWeightsEntry,
  isWeightsName,
  listWeights,
  type WeightsEntry,
} from '../model/weights_registry.js';
import { PRESETS } from '../data/transforms.js';
import { OptionError, UserError } from '../errors.js';
import { completeCard, readRecordedCard, type ModelCard, type RecordedCard } from './model_card.js';

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

export function checkArch(arch: string): ArchName {
  if (!isArchName(arch)) {
    throw new OptionError(
      `Unknown arch '${arch}' ({arch}); choose one of ${Object.keys(ARCHITECTURES).join(', ')}.`,
    );
  }
  return arch;
}

function isNamedWeights(spec: string): boolean {
  const upper = spec.toUpperCase();
  return upper === 'DEFAULT' || isWeightsName(upper);
}

/** The architecture whose state-dict keys these are (blocks per stage, basic or bottleneck), if any. */
export function guessArch(keys: Iterable<string>): ArchName | undefined {
  const blocks = [0, 0, 0, 0];
  let bottleneck = false;
  for (const key of keys) {
    const m = /^layer([1-4])\.(\d+)\.(conv\d)/.exec(key);
    if (m === null) continue;
    const stage = Number(m[1]) - 1;
    blocks[stage] = Math.max(blocks[stage], Number(m[2]) + 1);
    bottleneck ||= m[3] === 'conv3';
  }
  return (Object.keys(ARCHITECTURES) as ArchName[]).find((arch) => {
    const { block, layers } = ARCHITECTURES[arch];
    return layers.join() === blocks.join() && (block.expansion === 4) === bottleneck;
  });
}

/** The one sentence for weights of another architecture than the one asked for. */
export function archMismatch(path: string, fileArch: ArchName, arch: ArchName): UserError {
  return new OptionError(
    `${path} holds ${fileArch} weights but the arch is ${arch}; pass {arch} ${fileArch}.`,
  );
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
  const recorded = readRecordedCard(spec);
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
): { model: ResNet; arch: ArchName; card: ModelCard } {
  const { weightsPath, recorded, entry } = resolved;
  const fileArch = guessArch(shapes.keys());
  const arch = resolved.arch ?? fileArch ?? 'resnet50';
  if (fileArch !== undefined && fileArch !== arch) throw archMismatch(weightsPath, fileArch, arch);
  const fc = shapes.get('fc.weight');
  const numClasses = fc?.[0] ?? 1000;
  const model = resnet(arch, {
    ...options,
    numClasses,
    includeTop: options.includeTop ?? fc !== undefined,
    init: 'none',
  });
  const preprocess = PRESETS[entry?.preprocess ?? 'imagenet-v1'];
  return { model, arch, card: completeCard(recorded, { arch, numClasses, preprocess }, weightsPath) };
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
  options: LoadModelOptions & { backend?: string } = {},
): Promise<LoadedRunner> {
  const backend = resolveBackend(options.backend);
  const resolved = await resolveWeights(options);
  const streamable =
    backend === 'native' && resolved.entry !== undefined && options.weights !== resolved.weightsPath;
  if (streamable) resolved.weightsPath = cachedSafetensors(resolved.weightsPath);
  const index = backend === 'native' ? indexWeightsFile(resolved.weightsPath) : null;
  if (index !== null) {
    const shapes = new Map([...index].map(([k, e]) => [k, e.shape]));
    const { model, arch, card } = modelFor(resolved, shapes, options);
    checkStateDict(model.stateDict(), shapes, { source: resolved.weightsPath });
    if (options.allowNonFinite !== true) checkFiniteWeightsFile(resolved.weightsPath);
    const runner = runnerOn(model, backend, fromSafetensors(resolved.weightsPath, index));
    return { ...resolved, runner, arch, card, numClasses: card.numClasses };
  }
  const { model, ...loaded } = await loadModel(options);
  return { ...loaded, runner: runnerOn(model, backend), numClasses: loaded.card.numClasses };
}
