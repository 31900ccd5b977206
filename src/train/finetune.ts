/**
 * Fine-tuning: loads the weights a run starts from (`from`: a file or a registry name) into a fresh
 * model, keeping the model's own initialized head when the file's does not fit.
 */
import { loadWeightsFile } from '../io/weights/index.js';
import type { ArchName, ResNet } from '../model/resnet.js';
import { archMismatch, guessArch, resolveWeights } from '../tasks/pretrained.js';
import type { Tensor } from '../tensor/tensor.js';

/** Weights of `from` (a file or a registry name) as torchvision-named tensors. */
async function readFromWeights(
  from: string,
  arch: ArchName,
): Promise<{ path: string; tensors: Map<string, Tensor> }> {
  const { weightsPath } = await resolveWeights({ arch, weights: from });
  return { path: weightsPath, tensors: loadWeightsFile(weightsPath) };
}

/**
 * Loads fine-tuning weights into `model`; a missing head or one of another class count is kept as
 * initialized (torchvision init). Returns whether the head was replaced and a note saying so.
 */
export async function loadFrom(
  model: ResNet,
  from: string,
  arch: ArchName,
): Promise<{ replaced: boolean; note: string | null }> {
  const { path, tensors } = await readFromWeights(from, arch);
  const fileArch = guessArch(tensors.keys());
  if (fileArch !== undefined && fileArch !== arch) {
    throw archMismatch(path, fileArch, arch);
  }
  const own = model.stateDict();
  const ownFc = own.get('fc.weight');
  const fileFc = tensors.get('fc.weight');
  const fits = ownFc !== undefined && fileFc !== undefined && fileFc.shape.join() === ownFc.shape.join();
  const merged = new Map(tensors);
  if (!fits) {
    for (const key of [...merged.keys()]) if (key.startsWith('fc.')) merged.delete(key);
    for (const [key, t] of own) if (key.startsWith('fc.')) merged.set(key, t.clone());
  }
  model.loadStateDict(merged, { source: path });
  if (fits) return { replaced: false, note: null };
  const fileClasses = fileFc === undefined ? 'no classification head' : `${fileFc.shape[0]} classes`;
  return {
    replaced: true,
    note: `${path} has ${fileClasses} and the data ${ownFc?.shape[0]}: fc.weight and fc.bias are freshly initialized (the rest is loaded).`,
  };
}
