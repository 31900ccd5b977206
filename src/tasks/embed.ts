/** Embeddings: the pooled 2048-d vector or a stage's feature maps for each image. */
import type { Preset, PresetName } from '../data/transforms.js';
import { imageName, type ImageSource } from '../io/image.js';
import { imageTensor, prepareOrSkip, type ImageCallbacks } from './input.js';
import type { Runner } from './runner.js';
import type { EmbedLayer } from './results.js';

export { EMBED_LAYERS, type EmbedLayer } from './results.js';

export interface Embedding {
  file: string;
  layer: EmbedLayer;
  /** Without the batch axis: [C] for pool, [C, H, W] for a stage. */
  shape: number[];
  data: Float32Array;
}

/** Embeds images one at a time, in order; see ImageCallbacks for per-image results and failures. */
export async function embedFiles(
  runner: Runner,
  files: readonly ImageSource[],
  layer: EmbedLayer,
  preset: PresetName | Preset,
  callbacks: ImageCallbacks<Embedding> = {},
): Promise<Embedding[]> {
  const embeddings: Embedding[] = [];
  for (const [index, source] of files.entries()) {
    const x = prepareOrSkip(index, source, () => imageTensor(source, preset), callbacks.onFailure);
    if (x === undefined) continue;
    const t = await runner.features(x, layer);
    const result: Embedding = { file: imageName(source), layer, shape: t.shape.slice(1), data: t.data };
    callbacks.onResult?.({ index, result });
    embeddings.push(result);
  }
  return embeddings;
}
