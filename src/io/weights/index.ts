/**
 * Entry point for weight files: reads a file and parses it as parse.ts does bytes (format from the
 * magic bytes, the safe readers, torchvision's key names); indexes and checks safetensors files an
 * engine streams. Saving picks the format from the extension: .safetensors, or .pth/.pt (torch.save's zip).
 */
import { closeSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { extname } from 'node:path';
import { FileFormatError } from '../../errors.js';
import { firstNonFinite } from '../../tensor/finite.js';
import type { Tensor } from '../../tensor/tensor.js';
import { toTorchvisionKeys } from './key_map.js';
import { activationScales } from './quantized.js';
import {
  detectWeightsFormat,
  nonFiniteError,
  parseWeights,
  type LoadWeightsOptions,
  type WeightsFormat,
} from './parse.js';
import {
  decodeElements,
  ELEMENT_TYPES,
  readSafetensorsIndex,
  writeSafetensors,
  type FloatStorage,
  type SafetensorsEntry,
} from './safetensors.js';
import { parseTorchCheckpoint } from './torch_checkpoint.js';
import { writeTorchCheckpoint } from './torch_writer.js';

export { isHuggingFaceLayout, toHuggingFaceKeys, toTorchvisionKeys } from './key_map.js';
export {
  parseSafetensors,
  readSafetensors,
  readSafetensorsMetadata,
  readSafetensorsIndex,
  type FloatStorage,
  type SafetensorsEntry,
  writeSafetensors,
} from './safetensors.js';
export { writeTorchCheckpoint } from './torch_writer.js';
export { detectWeightsFormat, parseWeights, type LoadWeightsOptions, type WeightsFormat } from './parse.js';

function readWeightsBytes(path: string): Uint8Array {
  let isDir: boolean;
  try {
    isDir = statSync(path).isDirectory();
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') throw new FileFormatError(`${path}: no such file.`);
    throw new FileFormatError(`${path}: cannot read (${(e as Error).message}).`);
  }
  if (isDir) throw new FileFormatError(`${path}: is a directory, not a weights file.`);
  let buf: Uint8Array;
  try {
    buf = readFileSync(path);
  } catch (e) {
    throw new FileFormatError(`${path}: cannot read (${(e as Error).message}).`);
  }
  return buf;
}

/** The format of the file at `path` from its first bytes, or null when it cannot be opened. */
function formatOfFile(path: string): WeightsFormat | null {
  const head = new Uint8Array(16);
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    readSync(fd, head, 0, 16, 0);
  } catch {
    return null;
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
  return detectWeightsFormat(head, path);
}

/**
 * For a safetensors file whose tensors are all F32 (or I64 counters): where each torchvision-named
 * tensor lies in the file, read from the header alone, so an engine can stream the data. Null for
 * other formats and dtypes (load those with loadWeightsFile).
 */
export function indexWeightsFile(path: string): Map<string, SafetensorsEntry> | null {
  if (formatOfFile(path) !== 'safetensors') return null;
  const { entries } = readSafetensorsIndex(path);
  if (![...entries.values()].every((e) => e.dtype === 'F32' || e.dtype === 'I64')) return null;
  return toTorchvisionKeys(entries, path);
}

/**
 * The `__metadata__` of a safetensors file (read from the header alone); empty for PyTorch files,
 * which have no place for it, and for a path that cannot be opened (loading it reports why).
 */
export function readWeightsMetadata(path: string): Record<string, string> {
  return formatOfFile(path) === 'safetensors' ? readSafetensorsIndex(path).metadata : {};
}

/**
 * The per-tensor activation scales of a file written by `resnet50 quantize` (each quantized conv's
 * `K.input_scale`, see quantized.ts), by conv name, read from the header and those few bytes alone;
 * empty for a file without them (float weights, PyTorch checkpoints).
 */
export function readActivationScales(path: string): Map<string, number> {
  const format = formatOfFile(path);
  // A path that cannot be opened: the sentence loading it gives (no such file, a directory, …).
  if (format === null) readWeightsBytes(path);
  if (format !== 'safetensors') return new Map();
  const { entries } = readSafetensorsIndex(path);
  const sizes = new Map(
    [...entries].map(([k, e]) => [k, { dtype: e.dtype, size: e.shape.reduce((a, b) => a * b, 1) }]),
  );
  const value = new Uint8Array(4);
  return activationScales(
    sizes,
    (key) => {
      const fd = openSync(path, 'r');
      try {
        readSync(fd, value, 0, 4, entries.get(key)!.offset);
      } finally {
        closeSync(fd);
      }
      return new DataView(value.buffer).getFloat32(0, true);
    },
    path,
  );
}

/** Loads a .safetensors or PyTorch checkpoint file as torchvision-named tensors. */
export function loadWeightsFile(path: string, options: LoadWeightsOptions = {}): Map<string, Tensor> {
  return parseWeights(readWeightsBytes(path), path, options);
}

/** Reads a PyTorch checkpoint file (keys as saved). */
export function readTorchCheckpoint(path: string): Map<string, Tensor> {
  let buf: Uint8Array;
  try {
    buf = readFileSync(path);
  } catch (e) {
    throw new FileFormatError(`${path}: cannot read (${(e as Error).message}).`);
  }
  return parseTorchCheckpoint(buf, path);
}

/** Bytes read at a time by checkFiniteWeightsFile (a multiple of every element size). */
const SCAN_CHUNK_BYTES = 1 << 22;

/**
 * For a safetensors file streamed into an engine (see indexWeightsFile), what loadWeightsFile checks
 * unless allowNonFinite: throws a FileFormatError naming the first tensor that holds NaN or ±Inf.
 * The data is read in chunks of 4 MiB, never held whole.
 */
export function checkFiniteWeightsFile(path: string): void {
  const { entries } = readSafetensorsIndex(path);
  const chunk = new Uint8Array(SCAN_CHUNK_BYTES);
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    for (const [key, e] of entries) {
      const width = ELEMENT_TYPES[e.dtype].bytes;
      if (ELEMENT_TYPES[e.dtype].dtype !== 'float32') continue;
      for (let done = 0; done < e.bytes; done += SCAN_CHUNK_BYTES) {
        const length = Math.min(SCAN_CHUNK_BYTES, e.bytes - done);
        if (readSync(fd, chunk, 0, length, e.offset + done) !== length)
          throw new Error('unexpected end of file');
        const values = decodeElements(chunk.subarray(0, length), e.dtype, length / width);
        const i = firstNonFinite(values);
        if (i >= 0) throw nonFiniteError(path, key, values[i]!, done / width + i);
      }
    }
  } catch (e) {
    if (e instanceof FileFormatError) throw e;
    throw new FileFormatError(`${path}: cannot read (${(e as Error).message}).`);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/**
 * Saves tensors in the format the extension names: `.safetensors` (with `metadata`; float tensors
 * stored as `floats`, default F32) or `.pth`/`.pt` (a torch.save checkpoint of float32 tensors;
 * `metadata` has no place there and is not written).
 */
export function saveWeightsFile(
  path: string,
  tensors: Map<string, Tensor>,
  metadata?: Record<string, string>,
  floats: FloatStorage = 'F32',
): void {
  const ext = extname(path).toLowerCase();
  if (ext === '.safetensors') writeSafetensors(path, tensors, metadata, floats);
  else if ((ext === '.pth' || ext === '.pt') && floats !== 'F32')
    throw new FileFormatError(
      `${path}: ${floats} weights can only be saved as .safetensors; .pth/.pt files are written as F32.`,
    );
  else if (ext === '.pth' || ext === '.pt') writeTorchCheckpoint(path, tensors);
  else
    throw new FileFormatError(
      `${path}: weights can only be saved as .safetensors or as a PyTorch .pth/.pt checkpoint ` +
        `(got ${ext === '' ? 'no extension' : `'${ext}'`}).`,
    );
}
