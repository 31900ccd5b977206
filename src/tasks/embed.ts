/** Embeddings: the pooled 2048-d vector or a stage's feature maps for each image. */
import type { PresetName } from '../data/transforms.js';
import { imageTensor } from './input.js';
import type { ResNet, ResNetFeatures } from '../model/resnet.js';
import type { Tensor } from '../tensor/tensor.js';
import { UserError } from '../errors.js';

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

export function embedFiles(
  model: ResNet,
  files: readonly string[],
  layer: EmbedLayer,
  preset: PresetName,
): Embedding[] {
  return files.map((file) => {
    const features: ResNetFeatures = model.forwardFeatures(imageTensor(file, preset));
    const t: Tensor | undefined = features[layer];
    if (t === undefined) throw new UserError(`--layer ${layer} is not available with pooling 'none'.`);
    return { file, layer, shape: t.shape.slice(1), data: t.data };
  });
}
