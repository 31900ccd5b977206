import { FileFormatError } from '../../errors.js';
import { Tensor } from '../../tensor/tensor.js';
/** The error for pre-1.6 (non-zip) torch.save files. */
export declare function legacyCheckpointError(path: string): FileFormatError;
/** Parses an in-memory zip checkpoint; `path` names the file in error messages. */
export declare function parseTorchCheckpoint(buf: Uint8Array, path: string): Map<string, Tensor>;
export declare function readTorchCheckpoint(path: string): Map<string, Tensor>;
