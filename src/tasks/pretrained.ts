/**
 * Builds a model with weights from a file or a named entry (IMAGENET1K_V1/V2, downloaded into the
 * cache), inferring the class count from the file's fc layer and the preset from the entry.
 */
import { basename } from 'node:path';
import { existsSync } from 'node:fs';
import {
  checkFiniteWeightsFile,
  indexWeightsFile,
  loadWeightsFile,
  saveWeightsFile,
} from '../io/weights/index.js';
import { fromSafetensors } from '../backends/native/compile.js';
import { checkStateDict } from '../nn/module.js';
import { createRunner, resolveBackend, type Runner } from './runner.js';
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
import type { PresetName } from '../data/transforms.js';
import { UserError } from '../errors.js';

export interface LoadModelOptions extends Omit<ResNetOptions, 'numClasses' | 'seed' | 'init'> {
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
  /** The preprocessing the weights were trained with. */
  preset: PresetName;
  /** The registry entry, for named weights (and files named like one). */
  entry?: WeightsEntry;
  weightsPath: string;
}

export function checkArch(arch: string): ArchName {
  if (!isArchName(arch)) {
    throw new UserError(
      `Unknown arch '${arch}' (--arch); choose one of ${Object.keys(ARCHITECTURES).join(', ')}.`,
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

export interface ResolvedWeights {
  arch: ArchName;
  entry?: WeightsEntry;
  weightsPath: string;
}

/** The arch and the local path of `options.weights`: a file, or a registry name downloaded into the cache. */
export async function resolveWeights(options: LoadModelOptions): Promise<ResolvedWeights> {
  const arch = checkArch(options.arch ?? 'resnet50');
  const spec = options.weights ?? defaultWeightsName(arch);
  if (isNamedWeights(spec)) {
    const entry = getWeightsEntry(arch, spec);
    return { arch, entry, weightsPath: await fetchWeights(entry, options.download) };
  }
  return { arch, entry: listWeights(arch).find((e) => e.fileName === basename(spec)), weightsPath: spec };
}

/** A model shaped for a file's tensors (arch checked, class count and head from fc.weight). */
function modelFor(
  resolved: ResolvedWeights,
  shapes: ReadonlyMap<string, readonly number[]>,
  options: LoadModelOptions,
): ResNet {
  const { arch, weightsPath } = resolved;
  const fileArch = guessArch(shapes.keys());
  if (fileArch !== undefined && fileArch !== arch) {
    throw new UserError(
      `${weightsPath} holds ${fileArch} weights but the arch is ${arch}; pass --arch ${fileArch}.`,
    );
  }
  const fc = shapes.get('fc.weight');
  return resnet(arch, {
    ...options,
    numClasses: fc?.[0] ?? 1000,
    includeTop: options.includeTop ?? fc !== undefined,
    init: 'none',
  });
}

export async function loadModel(options: LoadModelOptions = {}): Promise<LoadedModel> {
  const resolved = await resolveWeights(options);
  const tensors = loadWeightsFile(resolved.weightsPath, { allowNonFinite: options.allowNonFinite });
  const model = modelFor(resolved, new Map([...tensors].map(([k, t]) => [k, t.shape])), options);
  model.loadStateDict(tensors, { source: resolved.weightsPath });
  return { model, preset: resolved.entry?.preprocess ?? 'imagenet-v1', ...resolved };
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
  const preset = resolved.entry?.preprocess ?? 'imagenet-v1';
  const streamable =
    backend === 'native' && resolved.entry !== undefined && options.weights !== resolved.weightsPath;
  if (streamable) resolved.weightsPath = cachedSafetensors(resolved.weightsPath);
  const index = backend === 'native' ? indexWeightsFile(resolved.weightsPath) : null;
  if (index !== null) {
    const shapes = new Map([...index].map(([k, e]) => [k, e.shape]));
    const model = modelFor(resolved, shapes, options);
    checkStateDict(model.stateDict(), shapes, { source: resolved.weightsPath });
    if (options.allowNonFinite !== true) checkFiniteWeightsFile(resolved.weightsPath);
    const runner = createRunner(model, backend, fromSafetensors(resolved.weightsPath, index));
    return { runner, numClasses: model.options.numClasses, preset, ...resolved };
  }
  const { model } = await loadModel(options);
  return { runner: createRunner(model, backend), numClasses: model.options.numClasses, preset, ...resolved };
}
