export { crc32 } from './zip.js';
import type { Tensor } from '../../tensor/tensor.js';
/** Storage data offsets are multiples of this (torch's kFieldAlignment). */
export declare const TORCH_RECORD_ALIGNMENT = 64;
/** The folder torch names the archive after: the file name up to its last dot. */
export declare function torchArchiveName(path: string): string;
/** data.pkl for an OrderedDict of tensors; tensor i uses storage key `String(i)`. */
export declare function torchStateDictPickle(entries: readonly (readonly [string, Tensor])[]): Uint8Array;
/**
 * Writes `tensors` (in map order) as a PyTorch checkpoint that `torch.load` reads as an OrderedDict
 * state dict. Throws FileFormatError naming `path` when the file cannot be written; no partial
 * file is left behind.
 */
export declare function writeTorchCheckpoint(path: string, tensors: Map<string, Tensor>): void;
