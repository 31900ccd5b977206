/**
 * Builds a model with weights from a file or a named entry (IMAGENET1K_V1/V2, downloaded into the
 * cache), inferring the class count from the file's fc layer and the preset from the entry.
 */
import { basename } from 'node:path';
import { loadWeightsFile } from '../io/weights/index.js';
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

export async function loadModel(options: LoadModelOptions = {}): Promise<LoadedModel> {
  const arch = checkArch(options.arch ?? 'resnet50');
  const spec = options.weights ?? defaultWeightsName(arch);
  let entry: WeightsEntry | undefined;
  let weightsPath: string;
  if (isNamedWeights(spec)) {
    entry = getWeightsEntry(arch, spec);
    weightsPath = await fetchWeights(entry, options.download);
  } else {
    weightsPath = spec;
    entry = listWeights(arch).find((e) => e.fileName === basename(spec));
  }
  const tensors = loadWeightsFile(weightsPath);
  const fileArch = guessArch(tensors.keys());
  if (fileArch !== undefined && fileArch !== arch) {
    throw new UserError(
      `${weightsPath} holds ${fileArch} weights but the arch is ${arch}; pass --arch ${fileArch}.`,
    );
  }
  const fc = tensors.get('fc.weight');
  const model = resnet(arch, {
    ...options,
    numClasses: fc?.shape[0] ?? 1000,
    includeTop: options.includeTop ?? fc !== undefined,
    init: 'none',
  });
  model.loadStateDict(tensors, { source: weightsPath });
  return { model, arch, preset: entry?.preprocess ?? 'imagenet-v1', entry, weightsPath };
}
