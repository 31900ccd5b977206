/**
 * Reader and writer for the safetensors format (https://github.com/huggingface/safetensors):
 * `u64 little-endian header length | JSON header | packed tensor data`, as files. The parsing of
 * bytes is safetensors_format.ts's; here the file reads (whole, or the header alone) and the writer,
 * which emits F32/I64, sorted keys and a space-padded header, through a temp file renamed into place.
 */
import { closeSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { FileFormatError } from '../../errors.js';
import { writeFileAtomic } from '../atomic_write.js';
import { float32Bytes, littleEndian } from '../bytes.js';
import { floatToBf16Bits, floatToHalfBits } from '../../tensor/float16.js';
import type { Tensor } from '../../tensor/tensor.js';
import { headerLength, parseHeader, parseSafetensors, type ElementType } from './safetensors_format.js';

export {
  decodeElements,
  ELEMENT_TYPES,
  isElementType,
  parseSafetensors,
  type ElementType,
} from './safetensors_format.js';

function readFile(path: string): Uint8Array {
  try {
    return readFileSync(path);
  } catch (e) {
    throw new FileFormatError(`${path}: cannot read (${(e as Error).message}).`);
  }
}

export function readSafetensors(path: string): Map<string, Tensor> {
  return parseSafetensors(readFile(path), path);
}

/** Where one tensor's bytes lie in a safetensors file, from its header alone. */
export interface SafetensorsEntry {
  dtype: ElementType;
  shape: number[];
  /** Absolute byte offset of the data in the file. */
  offset: number;
  bytes: number;
}

/** Reads and validates only the header: tensor names, dtypes, shapes and data locations. */
export function readSafetensorsIndex(path: string): {
  entries: Map<string, SafetensorsEntry>;
  metadata: Record<string, string>;
} {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    const size = fstatSync(fd).size;
    const first8 = readAt(fd, 0, Math.min(8, size));
    const n = headerLength(first8, size, path);
    const header = parseHeader(readAt(fd, 8, n), size - 8 - n, path);
    const entries = new Map<string, SafetensorsEntry>();
    for (const e of header.entries) {
      entries.set(e.name, {
        dtype: e.type,
        shape: e.shape,
        offset: header.dataStart + e.begin,
        bytes: e.end - e.begin,
      });
    }
    return { entries, metadata: header.metadata };
  } catch (e) {
    if (e instanceof FileFormatError) throw e;
    throw new FileFormatError(`${path}: cannot read (${(e as Error).message}).`);
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}

/** Reads only the header and returns its `__metadata__` (empty object when absent). */
export function readSafetensorsMetadata(path: string): Record<string, string> {
  return readSafetensorsIndex(path).metadata;
}

/** Reads exactly `length` bytes at `position` (the caller has checked they exist). */
function readAt(fd: number, position: number, length: number): Uint8Array {
  const out = new Uint8Array(Math.max(length, 8));
  let done = 0;
  while (done < length) {
    const got = readSync(fd, out, done, length - done, position + done);
    if (got === 0) throw new Error('unexpected end of file');
    done += got;
  }
  return out.subarray(0, length);
}

/** How float tensors are stored: F32 (exact), or F16 / BF16 (rounded to nearest even; half the bytes). */
export type FloatStorage = 'F32' | 'F16' | 'BF16';

/** Little-endian bytes of a tensor: int64 as I64, int8 as I8, floats as `floats`. */
function encodeTensor(t: Tensor, floats: FloatStorage): { type: ElementType; bytes: Uint8Array } {
  if (t.dtype === 'int8') return { type: 'I8', bytes: new Uint8Array(Int8Array.from(t.data).buffer) };
  if (t.dtype === 'int64') {
    const ints = new BigInt64Array(t.size);
    for (let i = 0; i < t.size; i++) ints[i] = BigInt(Math.round(t.data[i]!));
    return { type: 'I64', bytes: littleEndian(new Uint8Array(ints.buffer), 8) };
  }
  if (floats === 'F32') return { type: 'F32', bytes: float32Bytes(t.data) };
  const toBits = floats === 'BF16' ? floatToBf16Bits : floatToHalfBits;
  const bytes = new Uint8Array(t.size * 2);
  const dv = new DataView(bytes.buffer);
  for (let i = 0; i < t.size; i++) dv.setUint16(i * 2, toBits(t.data[i]!), true);
  return { type: floats, bytes };
}

/**
 * Writes `tensors` (keys sorted) as safetensors. The file appears atomically: data goes to a temp
 * file in the same directory that is renamed over `path`, and is removed if anything fails. Float
 * tensors are stored as `floats` (F16/BF16 halve the file; readers widen them back to float32).
 */
export function writeSafetensors(
  path: string,
  tensors: Map<string, Tensor>,
  metadata?: Record<string, string>,
  floats: FloatStorage = 'F32',
): void {
  const header: Record<string, unknown> = {};
  if (metadata && Object.keys(metadata).length > 0) header['__metadata__'] = metadata;
  const blobs: Uint8Array[] = [];
  let offset = 0;
  for (const name of [...tensors.keys()].sort()) {
    if (name === '' || name === '__metadata__')
      throw new FileFormatError(`${path}: invalid tensor name '${name}'.`);
    const t = tensors.get(name)!;
    const { type, bytes } = encodeTensor(t, floats);
    header[name] = { dtype: type, shape: [...t.shape], data_offsets: [offset, offset + bytes.length] };
    blobs.push(bytes);
    offset += bytes.length;
  }
  let json = JSON.stringify(header);
  json += ' '.repeat((8 - (Buffer.byteLength(json) % 8)) % 8);
  const headerBytes = Buffer.from(json, 'utf-8');
  const lengthBytes = Buffer.alloc(8);
  lengthBytes.writeBigUInt64LE(BigInt(headerBytes.length));

  writeFileAtomic(path, [lengthBytes, headerBytes, ...blobs]);
}
