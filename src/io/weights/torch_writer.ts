/**
 * Writer for PyTorch checkpoints in the zip format of `torch.save(state_dict)` (torch >= 1.6),
 * laid out byte for byte as torch 1.13 writes an OrderedDict of contiguous CPU tensors:
 *
 * - a zip of STORED entries named `<stem>/data.pkl`, `<stem>/data/<key>` (storage keys in sorted
 *   string order) and `<stem>/version` (`3\n`), where `<stem>` is the file name without its extension;
 * - every local header carries an `FB` extra field padded with `Z` so each entry's data starts at a
 *   multiple of 64 bytes (torch mmaps storages), CRC and sizes follow in a data descriptor (except
 *   for empty entries), and the archive ends with ZIP64 end records, as torch's miniz writes them;
 * - data.pkl is pickle protocol 2: `OrderedDict()` filled by SETITEMS with
 *   `_rebuild_tensor_v2(persistent_id, 0, size, stride, False, OrderedDict())`, the persistent id being
 *   `('storage', torch.FloatStorage | torch.LongStorage, key, 'cpu', numel)`.
 *
 * float32 tensors become FloatStorage, int64 tensors LongStorage (little-endian int64). The file
 * appears atomically: it is written to a temp file in the same directory and renamed into place.
 */
import { basename } from 'node:path';
import { writeFileAtomic } from '../atomic_write.js';
import { crc32, float32Bytes, littleEndian } from '../bytes.js';

export { crc32 } from '../bytes.js';
import { FileFormatError } from '../../errors.js';
import type { Tensor } from '../../tensor/tensor.js';
import { PickleWriter } from './pickle_writer.js';

/** Storage data offsets are multiples of this (torch's kFieldAlignment). */
export const TORCH_RECORD_ALIGNMENT = 64;

/** The serialization format version torch 1.13 records in `<stem>/version`. */
const FORMAT_VERSION = '3\n';

const LOCAL_HEADER_SIZE = 30;
const CENTRAL_HEADER_SIZE = 46;
const DATA_DESCRIPTOR_SIZE = 16;
const ZIP64_EOCD_SIZE = 56;
const ZIP64_LOCATOR_SIZE = 20;
const EOCD_SIZE = 22;
/** General purpose flag bit 11: names are UTF-8 (torch always sets it). */
const FLAG_UTF8 = 0x0800;
/** Flag bit 3: CRC and sizes follow the data in a descriptor (torch's miniz omits it for empty entries). */
const FLAG_DESCRIPTOR = 0x0008;
/** Beyond this torch switches to ZIP64 per-entry fields, which this writer does not produce. */
const MAX_ZIP32 = 0xffffffff;

/** The folder torch names the archive after: the file name up to its last dot. */
export function torchArchiveName(path: string): string {
  const name = basename(path);
  const dot = name.lastIndexOf('.');
  const stem = dot >= 0 ? name.slice(0, dot) : name;
  return stem === '' ? 'archive' : stem;
}

/** Row-major strides as torch computes them for a contiguous tensor (size-0/1 dims count as 1). */
function contiguousStrides(shape: readonly number[]): number[] {
  const strides = new Array<number>(shape.length);
  let step = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    strides[i] = step;
    step *= Math.max(shape[i]!, 1);
  }
  return strides;
}

/** The storage bytes of a tensor: float32 or int64, little-endian. */
function storageBytes(t: Tensor, key: string, path: string): Uint8Array {
  if (t.dtype === 'int8')
    throw new FileFormatError(`${path}: int8 tensor '${key}' can only be saved in a .safetensors file.`);
  if (t.dtype === 'int64') {
    const ints = new BigInt64Array(t.size);
    for (let i = 0; i < t.size; i++) {
      const v = t.data[i]!;
      if (!Number.isInteger(v)) {
        throw new FileFormatError(`${path}: int64 tensor '${key}' holds the non-integer value ${v}.`);
      }
      ints[i] = BigInt(v);
    }
    return littleEndian(new Uint8Array(ints.buffer), 8);
  }
  return float32Bytes(t.data);
}

/** data.pkl for an OrderedDict of tensors; tensor i uses storage key `String(i)`. */
export function torchStateDictPickle(entries: readonly (readonly [string, Tensor])[]): Uint8Array {
  const w = new PickleWriter();
  const emptyOrderedDict = (): void => {
    w.global('collections', 'OrderedDict');
    w.tuple(0, () => undefined);
    w.reduce();
  };
  emptyOrderedDict();
  w.setItems(entries.length, (i) => {
    const [key, t] = entries[i]!;
    w.str(key);
    w.global('torch._utils', '_rebuild_tensor_v2');
    w.tuple(6, () => {
      w.tuple(5, () => {
        w.str('storage', 'storage');
        w.global('torch', t.dtype === 'int64' ? 'LongStorage' : 'FloatStorage');
        w.str(String(i));
        w.str('cpu', 'cpu');
        w.int(t.size);
      });
      w.persistentId();
      w.int(0);
      w.intTuple(t.shape);
      w.intTuple(contiguousStrides(t.shape));
      w.bool(false);
      emptyOrderedDict();
    });
    w.reduce();
  });
  return w.finish();
}

interface ZipRecord {
  readonly name: Uint8Array;
  readonly data: Uint8Array;
  readonly crc: number;
  readonly offset: number;
  /** Length of the `FB` extra field's payload (the `Z` padding). */
  readonly padding: number;
}

function zipFlags(r: ZipRecord): number {
  return r.data.length > 0 ? FLAG_UTF8 | FLAG_DESCRIPTOR : FLAG_UTF8;
}

function localHeader(r: ZipRecord): Uint8Array {
  const out = new Uint8Array(LOCAL_HEADER_SIZE + r.name.length + 4 + r.padding);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, 0x04034b50, true);
  dv.setUint16(6, zipFlags(r), true);
  dv.setUint16(26, r.name.length, true);
  dv.setUint16(28, 4 + r.padding, true);
  out.set(r.name, LOCAL_HEADER_SIZE);
  const extra = LOCAL_HEADER_SIZE + r.name.length;
  out.set([0x46, 0x42], extra);
  dv.setUint16(extra + 2, r.padding, true);
  out.fill(0x5a, extra + 4);
  return out;
}

function dataDescriptor(r: ZipRecord): Uint8Array {
  if (r.data.length === 0) return new Uint8Array(0);
  const out = new Uint8Array(DATA_DESCRIPTOR_SIZE);
  const dv = new DataView(out.buffer);
  dv.setUint32(0, 0x08074b50, true);
  dv.setUint32(4, r.crc, true);
  dv.setUint32(8, r.data.length, true);
  dv.setUint32(12, r.data.length, true);
  return out;
}

function centralDirectory(records: readonly ZipRecord[], cdOffset: number): Uint8Array {
  const cdSize = records.reduce((n, r) => n + CENTRAL_HEADER_SIZE + r.name.length, 0);
  const out = new Uint8Array(cdSize + ZIP64_EOCD_SIZE + ZIP64_LOCATOR_SIZE + EOCD_SIZE);
  const dv = new DataView(out.buffer);
  let at = 0;
  for (const r of records) {
    dv.setUint32(at, 0x02014b50, true);
    dv.setUint16(at + 8, zipFlags(r), true);
    dv.setUint32(at + 16, r.crc, true);
    dv.setUint32(at + 20, r.data.length, true);
    dv.setUint32(at + 24, r.data.length, true);
    dv.setUint16(at + 28, r.name.length, true);
    dv.setUint32(at + 42, r.offset, true);
    out.set(r.name, at + CENTRAL_HEADER_SIZE);
    at += CENTRAL_HEADER_SIZE + r.name.length;
  }
  const count = records.length;
  const zip64 = cdOffset + cdSize;
  dv.setUint32(at, 0x06064b50, true);
  dv.setBigUint64(at + 4, BigInt(ZIP64_EOCD_SIZE - 12), true);
  dv.setUint16(at + 12, 0x031e, true);
  dv.setUint16(at + 14, 0x002d, true);
  dv.setBigUint64(at + 24, BigInt(count), true);
  dv.setBigUint64(at + 32, BigInt(count), true);
  dv.setBigUint64(at + 40, BigInt(cdSize), true);
  dv.setBigUint64(at + 48, BigInt(cdOffset), true);
  at += ZIP64_EOCD_SIZE;
  dv.setUint32(at, 0x07064b50, true);
  dv.setBigUint64(at + 8, BigInt(zip64), true);
  dv.setUint32(at + 16, 1, true);
  at += ZIP64_LOCATOR_SIZE;
  dv.setUint32(at, 0x06054b50, true);
  dv.setUint16(at + 8, Math.min(count, 0xffff), true);
  dv.setUint16(at + 10, Math.min(count, 0xffff), true);
  dv.setUint32(at + 12, cdSize, true);
  dv.setUint32(at + 16, cdOffset, true);
  return out;
}

/** Places the entries: offsets, 64-byte data alignment and CRCs, in archive order. */
function layout(entries: readonly (readonly [string, Uint8Array])[]): {
  records: ZipRecord[];
  cdOffset: number;
} {
  const encoder = new TextEncoder();
  const records: ZipRecord[] = [];
  let cursor = 0;
  for (const [name, data] of entries) {
    const nameBytes = encoder.encode(name);
    const start = cursor + LOCAL_HEADER_SIZE + nameBytes.length + 4;
    const padding = (TORCH_RECORD_ALIGNMENT - (start % TORCH_RECORD_ALIGNMENT)) % TORCH_RECORD_ALIGNMENT;
    records.push({ name: nameBytes, data, crc: crc32(data), offset: cursor, padding });
    cursor = start + padding + data.length + (data.length > 0 ? DATA_DESCRIPTOR_SIZE : 0);
  }
  return { records, cdOffset: cursor };
}

/**
 * Writes `tensors` (in map order) as a PyTorch checkpoint that `torch.load` reads as an OrderedDict
 * state dict. Throws FileFormatError naming `path` when the file cannot be written; no partial
 * file is left behind.
 */
export function writeTorchCheckpoint(path: string, tensors: Map<string, Tensor>): void {
  const list = [...tensors];
  const prefix = `${torchArchiveName(path)}/`;
  const storages = list.map(([key, t], i) => [`${prefix}data/${i}`, storageBytes(t, key, path)] as const);
  // torch writes storages in the sorted order of their (string) keys.
  storages.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const { records, cdOffset } = layout([
    [`${prefix}data.pkl`, torchStateDictPickle(list)],
    ...storages,
    [`${prefix}version`, new TextEncoder().encode(FORMAT_VERSION)],
  ]);
  const tail = centralDirectory(records, cdOffset);
  if (cdOffset + tail.length > MAX_ZIP32) {
    throw new FileFormatError(
      `${path}: checkpoint would exceed 4 GiB, which needs ZIP64 entries; save as .safetensors instead.`,
    );
  }

  writeFileAtomic(path, chunks(records, tail));
}

function* chunks(records: readonly ZipRecord[], tail: Uint8Array): Generator<Uint8Array> {
  for (const r of records) {
    yield localHeader(r);
    yield r.data;
    yield dataDescriptor(r);
  }
  yield tail;
}
