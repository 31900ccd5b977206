/** Image classification: preprocess, forward, softmax, top-k with labels. */
import type { Preset, PresetName } from '../data/transforms.js';
import { imageName, type ImageSource } from '../io/image.js';
import { imageTensor, prepareOrSkip, type ImageCallbacks } from './input.js';
import type { Runner } from './runner.js';
import { softmax } from '../ops/index.js';
import { checkFinite } from '../tensor/finite.js';
import { checkTopK, topK, type Prediction } from './results.js';

export { topK, type Prediction } from './results.js';

export interface Classification {
  file: string;
  top: Prediction[];
  logits?: number[];
}

export interface ClassifyOptions extends ImageCallbacks<Classification> {
  /** A preset name or value, e.g. a loaded model's `card.preprocess`. */
  preset: PresetName | Preset;
  topK?: number;
  labels: readonly string[];
  logits?: boolean;
}

/** Classifies images one at a time, in order; see ImageCallbacks for per-image results and failures. */
export async function classifyFiles(
  runner: Runner,
  files: readonly ImageSource[],
  options: ClassifyOptions,
): Promise<Classification[]> {
  const k = checkTopK(options.topK ?? 5);
  const results: Classification[] = [];
  for (const [index, source] of files.entries()) {
    const x = prepareOrSkip(index, source, () => imageTensor(source, options.preset), options.onFailure);
    if (x === undefined) continue;
    const logits = await runner.forward(x);
    checkFinite(logits, `${imageName(source)}: the model's output`);
    const probabilities = softmax(logits).data;
    const result: Classification = {
      file: imageName(source),
      top: topK(probabilities, Math.min(k, probabilities.length), options.labels),
    };
    if (options.logits === true) result.logits = Array.from(logits.data);
    options.onResult?.({ index, result });
    results.push(result);
  }
  return results;
}
