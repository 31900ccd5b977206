/** Embeddings: the pooled 2048-d vector or a stage's feature maps for each image. */
import type { Preset, PresetName } from '../data/transforms.js';
import { imageTensor } from './input.js';
import type { Runner } from './runner.js';

export const EMBED_LAYERS = ['pool', 'stem', 'layer1', 'layer2', 'layer3', 'layer4'] as const;
export type EmbedLayer = (typeof EMBED_LAYERS)[number];

export function isEmbedLayer(s: string): s is EmbedLayer {
  return (EMBED_LAYERS as readonly string[]).includes(s);
}

export interface Embedding {
  file: string;
  layer: EmbedLayer;
  /** Without the batch axis: [C] for pool, [C, H, W] for a stage. */
  shape: number[];
  data: Float32Array;
}

export async function embedFiles(
  runner: Runner,
  files: readonly string[],
  layer: EmbedLayer,
  preset: PresetName | Preset,
): Promise<Embedding[]> {
  const embeddings: Embedding[] = [];
  for (const file of files) {
    const t = await runner.features(imageTensor(file, preset), layer);
    embeddings.push({ file, layer, shape: t.shape.slice(1), data: t.data });
  }
  return embeddings;
}
