import { type Runner } from './runner.js';
import { type FetchOptions } from '../io/download.js';
import { type ArchName, type ResNet, type ResNetOptions } from '../model/resnet.js';
import { type WeightsEntry } from '../model/weights_registry.js';
import type { PresetName } from '../data/transforms.js';
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
export declare function checkArch(arch: string): ArchName;
/** The architecture whose state-dict keys these are (blocks per stage, basic or bottleneck), if any. */
export declare function guessArch(keys: Iterable<string>): ArchName | undefined;
export interface ResolvedWeights {
    arch: ArchName;
    entry?: WeightsEntry;
    weightsPath: string;
}
/** The arch and the local path of `options.weights`: a file, or a registry name downloaded into the cache. */
export declare function resolveWeights(options: LoadModelOptions): Promise<ResolvedWeights>;
export declare function loadModel(options?: LoadModelOptions): Promise<LoadedModel>;
/**
 * For downloaded weights: a float32 safetensors copy of a cached `.pth`, written beside it once
 * (atomically), so that later runs stream it into the native engine instead of unpickling 100 MB.
 */
export declare function cachedSafetensors(pthPath: string): string;
export interface LoadedRunner extends Omit<LoadedModel, 'model'> {
    runner: Runner;
    numClasses: number;
}
/**
 * Weights ready to run on a backend (default: native when built). On the native backend an all-F32
 * safetensors file is streamed into the engine tensor by tensor, so the weights are held once.
 */
export declare function loadRunner(options?: LoadModelOptions & {
    backend?: string;
}): Promise<LoadedRunner>;
