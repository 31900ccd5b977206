/**
 * Weights from bytes in memory, wherever they came from (a file in Node, a fetch or a File in a
 * browser): the format from the magic bytes (zip → PyTorch checkpoint, 8-byte length + `{` → safetensors,
 * pickle → legacy torch.save), the same safe readers, the finiteness check and torchvision's key names.
 * `name` (a path or a URL) is what error messages call the weights.
 */
import { FileFormatError } from '../../errors.js';
import { firstNonFinite } from '../../tensor/finite.js';
import type { Tensor } from '../../tensor/tensor.js';
import { toTorchvisionKeys } from './key_map.js';
import { dequantizeWeights } from './quantized.js';
import { parseSafetensors, safetensorsMetadata } from './safetensors_format.js';
import { legacyCheckpointError, parseTorchCheckpoint } from './torch_checkpoint.js';

export type WeightsFormat = 'safetensors' | 'torch';

export interface LoadWeightsOptions {
  /** Accept tensors holding NaN or ±Inf (refused by default, naming the first such tensor). */
  allowNonFinite?: boolean;
}

/** Identifies the format from the first bytes; throws FileFormatError for anything else. */
export function detectWeightsFormat(head: Uint8Array, name: string): WeightsFormat {
  if (head[0] === 0x50 && head[1] === 0x4b && (head[2] === 0x03 || head[2] === 0x05)) return 'torch';
  // A safetensors header (an 8-byte length, then '{') first: its length's low byte may well be 0x80.
  if (head.length > 8 && head[8] === 0x7b) return 'safetensors';
  if (head[0] === 0x80) throw legacyCheckpointError(name);
  if (/\.safetensors$/i.test(name)) return 'safetensors';
  throw new FileFormatError(
    `${name}: unknown weights format (expected a .safetensors file or a PyTorch .pth/.pt checkpoint).`,
  );
}

export function nonFiniteError(name: string, key: string, value: number, index: number): FileFormatError {
  return new FileFormatError(
    `${name}: tensor '${key}' is not finite (${value} at element ${index}); non-finite weights are ` +
      'refused unless explicitly allowed ({allowNonFinite}).',
    { namesOptions: true },
  );
}

/** Parses a .safetensors or PyTorch checkpoint held in memory into torchvision-named tensors. */
export function parseWeights(
  bytes: Uint8Array,
  name: string,
  options: LoadWeightsOptions = {},
): Map<string, Tensor> {
  if (bytes.length === 0) throw new FileFormatError(`${name}: file is empty.`);
  const format = detectWeightsFormat(bytes.subarray(0, 16), name);
  const tensors = format === 'torch' ? parseTorchCheckpoint(bytes, name) : parseSafetensors(bytes, name);
  if (options.allowNonFinite !== true) {
    for (const [key, t] of tensors) {
      const i = firstNonFinite(t.data);
      if (i >= 0) throw nonFiniteError(name, key, t.data[i]!, i);
    }
  }
  return toTorchvisionKeys(dequantizeWeights(tensors, name).tensors, name);
}

/** The `__metadata__` of safetensors bytes; empty for a PyTorch checkpoint, which has no place for it. */
export function parseWeightsMetadata(bytes: Uint8Array, name: string): Record<string, string> {
  return detectWeightsFormat(bytes.subarray(0, 16), name) === 'safetensors'
    ? safetensorsMetadata(bytes, name)
    : {};
}
