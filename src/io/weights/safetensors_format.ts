/**
 * The safetensors format (https://github.com/huggingface/safetensors) on bytes in memory:
 * `u64 little-endian header length | JSON header | packed tensor data`. The header is validated by
 * the reference reader's rules before any data is touched; F32 data is viewed in place when aligned.
 * No file system here: safetensors.ts reads and writes files, the browser passes fetched bytes.
 */
import { FileFormatError } from '../../errors.js';
import { HOST_IS_LE } from '../bytes.js';
import { halfBitsToFloat } from '../../tensor/float16.js';
import { Tensor, formatShape, type DType } from '../../tensor/tensor.js';
import { parseJson, type JsonValue } from '../json.js';

/** Element encodings found in weight files (safetensors names; torch storages map onto them). */
export type ElementType = 'F32' | 'F16' | 'BF16' | 'F64' | 'I64' | 'I32' | 'I16' | 'I8' | 'U8' | 'BOOL';

/** Bytes per element and the Tensor dtype each element type loads as. */
export const ELEMENT_TYPES: Readonly<Record<ElementType, { bytes: number; dtype: DType }>> = {
  F32: { bytes: 4, dtype: 'float32' },
  F16: { bytes: 2, dtype: 'float32' },
  BF16: { bytes: 2, dtype: 'float32' },
  F64: { bytes: 8, dtype: 'float32' },
  I64: { bytes: 8, dtype: 'int64' },
  I32: { bytes: 4, dtype: 'int64' },
  I16: { bytes: 2, dtype: 'float32' },
  I8: { bytes: 1, dtype: 'int8' },
  U8: { bytes: 1, dtype: 'float32' },
  BOOL: { bytes: 1, dtype: 'float32' },
};

/** The reference reader's header limit (safetensors/src/tensor.rs MAX_HEADER_SIZE). */
const MAX_HEADER_BYTES = 100_000_000;

export function isElementType(s: string): s is ElementType {
  return Object.prototype.hasOwnProperty.call(ELEMENT_TYPES, s);
}

/**
 * Decodes `count` elements from `bytes` into float32 values. F32 data that is little-endian and
 * 4-byte aligned in memory is returned as a view on the same buffer (no copy).
 */
export function decodeElements(
  bytes: Uint8Array,
  type: ElementType,
  count: number,
  littleEndian = true,
): Float32Array {
  const le = littleEndian;
  if (type === 'F32' && le === HOST_IS_LE && bytes.byteOffset % 4 === 0) {
    return new Float32Array(bytes.buffer, bytes.byteOffset, count);
  }
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const out = new Float32Array(count);
  if (type === 'BF16') {
    const bits = new Uint32Array(out.buffer);
    for (let i = 0; i < count; i++) bits[i] = dv.getUint16(i * 2, le) << 16;
    return out;
  }
  const read = READERS[type];
  for (let i = 0; i < count; i++) out[i] = read(dv, i, le);
  return out;
}

const READERS: Record<Exclude<ElementType, 'BF16'>, (dv: DataView, i: number, le: boolean) => number> = {
  F32: (dv, i, le) => dv.getFloat32(i * 4, le),
  F16: (dv, i, le) => halfBitsToFloat(dv.getUint16(i * 2, le)),
  F64: (dv, i, le) => dv.getFloat64(i * 8, le),
  I64: (dv, i, le) => Number(dv.getBigInt64(i * 8, le)),
  I32: (dv, i, le) => dv.getInt32(i * 4, le),
  I16: (dv, i, le) => dv.getInt16(i * 2, le),
  I8: (dv, i) => dv.getInt8(i),
  U8: (dv, i) => dv.getUint8(i),
  BOOL: (dv, i) => (dv.getUint8(i) ? 1 : 0),
};

export interface HeaderEntry {
  name: string;
  type: ElementType;
  shape: number[];
  begin: number;
  end: number;
}

export interface Header {
  entries: HeaderEntry[];
  metadata: Record<string, string>;
  dataStart: number;
}

/** Validates the 8-byte header length against the file size; returns it as a number. */
export function headerLength(first8: Uint8Array, fileSize: number, source: string): number {
  if (fileSize < 8)
    throw new FileFormatError(`${source}: too short to be a safetensors file (${fileSize} bytes).`);
  const n = new DataView(first8.buffer, first8.byteOffset, 8).getBigUint64(0, true);
  if (n > BigInt(MAX_HEADER_BYTES)) {
    throw new FileFormatError(`${source}: safetensors header length ${n} is implausible (limit 100 MB).`);
  }
  if (Number(n) > fileSize - 8) {
    throw new FileFormatError(
      `${source}: safetensors header length ${n} exceeds the file size ${fileSize} (the file may be truncated).`,
    );
  }
  return Number(n);
}

function isNonNegInt(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/**
 * Parses and validates the JSON header by the rules of the reference reader (huggingface/safetensors,
 * `Metadata::validate`): no duplicate keys, `__metadata__` a map of strings, and the tensors, in
 * order of their offsets, tile the data section of `dataLength` bytes exactly, from 0 to its end
 * with no gap, overlap or trailing byte (empty tensors sit anywhere along it).
 */
export function parseHeader(headerBytes: Uint8Array, dataLength: number, source: string): Header {
  let json: JsonValue;
  try {
    json = parseJson(new TextDecoder('utf-8', { fatal: true, ignoreBOM: true }).decode(headerBytes));
  } catch (e) {
    throw new FileFormatError(`${source}: safetensors header is not valid JSON (${(e as Error).message}).`);
  }
  if (!(json instanceof Map))
    throw new FileFormatError(`${source}: safetensors header is not a JSON object.`);
  const metadata: Record<string, string> = {};
  const entries: HeaderEntry[] = [];
  for (const [name, value] of json) {
    if (name === '__metadata__') {
      if (value === null) continue;
      if (!(value instanceof Map))
        throw new FileFormatError(`${source}: safetensors __metadata__ is not an object of strings.`);
      for (const [k, v] of value) {
        if (typeof v !== 'string')
          throw new FileFormatError(`${source}: safetensors __metadata__.${k} is not a string.`);
        metadata[k] = v;
      }
      continue;
    }
    entries.push(parseEntry(name, value, dataLength, source));
  }
  const sorted = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  let covered = 0;
  for (const [i, e] of sorted.entries()) {
    if (e.begin < covered)
      throw new FileFormatError(`${source}: tensors '${sorted[i - 1]!.name}' and '${e.name}' overlap.`);
    if (e.begin > covered) {
      throw new FileFormatError(
        `${source}: tensor '${e.name}' starts at data offset ${e.begin} but the tensors before it end at ${covered}.`,
      );
    }
    covered = e.end;
  }
  if (covered !== dataLength) {
    throw new FileFormatError(
      `${source}: safetensors data section has ${dataLength} bytes but its tensors cover ${covered} ` +
        `(${dataLength - covered} trailing bytes).`,
    );
  }
  return { entries, metadata, dataStart: 8 + headerBytes.length };
}

function parseEntry(name: string, value: JsonValue, dataLength: number, source: string): HeaderEntry {
  const bad = (what: string): FileFormatError => new FileFormatError(`${source}: tensor '${name}' ${what}.`);
  if (!(value instanceof Map)) throw bad('has no header entry object');
  const [dtype, shape, offsets] = ['dtype', 'shape', 'data_offsets'].map((k) => value.get(k));
  if (typeof dtype !== 'string' || !isElementType(dtype))
    throw bad(`has unsupported dtype '${String(dtype)}'`);
  if (!Array.isArray(shape) || !shape.every(isNonNegInt)) throw bad('has an invalid shape');
  if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every(isNonNegInt)) {
    throw bad('has invalid data_offsets');
  }
  const [begin, end] = offsets as [number, number];
  if (begin > end || end > dataLength) {
    throw bad(`has data_offsets [${begin}, ${end}] outside the data section (${dataLength} bytes)`);
  }
  const need = shape.reduce((a, d) => a * d, 1) * ELEMENT_TYPES[dtype].bytes;
  if (!Number.isSafeInteger(need)) throw bad(`has a shape ${formatShape(shape)} too large to address`);
  if (end - begin !== need) {
    throw bad(`has ${end - begin} bytes but ${dtype} × ${formatShape(shape)} needs ${need}`);
  }
  return { name, type: dtype, shape, begin, end };
}

/** Parses a whole safetensors file held in memory. F32 tensors view `buf` when aligned. */
export function parseSafetensors(buf: Uint8Array, source: string): Map<string, Tensor> {
  const n = headerLength(buf, buf.length, source);
  const header = parseHeader(buf.subarray(8, 8 + n), buf.length - 8 - n, source);
  const out = new Map<string, Tensor>();
  for (const e of header.entries) {
    const bytes = buf.subarray(header.dataStart + e.begin, header.dataStart + e.end);
    const count = e.shape.reduce((a, d) => a * d, 1);
    out.set(e.name, new Tensor(decodeElements(bytes, e.type, count), e.shape, ELEMENT_TYPES[e.type].dtype));
  }
  return out;
}

/** The `__metadata__` of safetensors bytes (empty object when absent), from the header alone. */
export function safetensorsMetadata(buf: Uint8Array, source: string): Record<string, string> {
  const n = headerLength(buf, buf.length, source);
  return parseHeader(buf.subarray(8, 8 + n), buf.length - 8 - n, source).metadata;
}
