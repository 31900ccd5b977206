/** Embeddings: the pooled 2048-d vector or a stage's feature maps for each image. */
import type { PresetName } from '../data/transforms.js';
import type { Runner } from './runner.js';
export declare const EMBED_LAYERS: readonly ["pool", "stem", "layer1", "layer2", "layer3", "layer4"];
export type EmbedLayer = (typeof EMBED_LAYERS)[number];
export declare function isEmbedLayer(s: string): s is EmbedLayer;
export interface Embedding {
    file: string;
    layer: EmbedLayer;
    /** Without the batch axis: [C] for pool, [C, H, W] for a stage. */
    shape: number[];
    data: Float32Array;
}
export declare function embedFiles(runner: Runner, files: readonly string[], layer: EmbedLayer, preset: PresetName): Promise<Embedding[]>;
