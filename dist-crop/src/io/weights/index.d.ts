import type { Tensor } from '../../tensor/tensor.js';
import { type SafetensorsEntry } from './safetensors.js';
export { isHuggingFaceLayout, toHuggingFaceKeys, toTorchvisionKeys } from './key_map.js';
export { parseSafetensors, readSafetensors, readSafetensorsMetadata, readSafetensorsIndex, type SafetensorsEntry, writeSafetensors, } from './safetensors.js';
export { readTorchCheckpoint } from './torch_checkpoint.js';
export { writeTorchCheckpoint } from './torch_writer.js';
export type WeightsFormat = 'safetensors' | 'torch';
/** Identifies the format from the first bytes; throws FileFormatError for anything else. */
export declare function detectWeightsFormat(head: Uint8Array, path: string): WeightsFormat;
/**
 * For a safetensors file whose tensors are all F32 (or I64 counters): where each torchvision-named
 * tensor lies in the file, read from the header alone, so an engine can stream the data. Null for
 * other formats and dtypes (load those with loadWeightsFile).
 */
export declare function indexWeightsFile(path: string): Map<string, SafetensorsEntry> | null;
/** Loads a .safetensors or PyTorch checkpoint file as torchvision-named tensors. */
export declare function loadWeightsFile(path: string): Map<string, Tensor>;
/**
 * Saves tensors in the format the extension names: `.safetensors` (with `metadata`) or `.pth`/`.pt`
 * (a torch.save checkpoint; `metadata` has no place there and is not written).
 */
export declare function saveWeightsFile(path: string, tensors: Map<string, Tensor>, metadata?: Record<string, string>): void;
