/**
 * Reader for PyTorch checkpoints in the zip format torch.save has used since 1.6:
 * `<archive>/data.pkl` (a pickle whose tensors point at storages through persistent ids),
 * `<archive>/data/<key>` (raw storage bytes) and optionally `<archive>/byteorder`.
 * The pickle is read by the restricted unpickler; torchGlobals below is the complete allowlist.
 */
import { FileFormatError, ShapeError } from '../../errors.js';
import { Tensor } from '../../tensor/tensor.js';
import { PyGlobal, unpickle, type GlobalImpl } from './pickle.js';
import { ELEMENT_TYPES, decodeElements, type ElementType } from './safetensors_format.js';
import { openZip, type ZipArchive } from './zip.js';

/** torch storage class → element encoding. */
const STORAGE_TYPES: Readonly<Record<string, ElementType>> = {
  'torch.FloatStorage': 'F32',
  'torch.HalfStorage': 'F16',
  'torch.BFloat16Storage': 'BF16',
  'torch.DoubleStorage': 'F64',
  'torch.LongStorage': 'I64',
  'torch.IntStorage': 'I32',
  'torch.ShortStorage': 'I16',
  'torch.CharStorage': 'I8',
  'torch.ByteStorage': 'U8',
  'torch.BoolStorage': 'BOOL',
};

/** Wrapper keys under which training scripts commonly store the state dict. */
const STATE_DICT_KEYS = ['state_dict', 'model', 'model_state_dict'];

/** A tensor record in data.pkl that does not make sense; reported as a FileFormatError naming the file. */
class BadRecord extends Error {}

/** A decoded storage: its elements as float32 values. */
class Storage {
  constructor(
    readonly type: ElementType,
    readonly data: Float32Array,
  ) {}
}

function isIndex(v: unknown): v is number {
  return typeof v === 'number' && Number.isSafeInteger(v) && v >= 0;
}

/**
 * Strided views are copied out of their storages, and one whose elements overlap (torch's expand()
 * writes a stride of 0) can name far more elements than its storage holds. The copies of a
 * checkpoint may total its storages' elements plus this allowance (64 MB of float32), no more.
 */
const OVERLAP_ALLOWANCE = 1 << 24;

/** Element counts of one checkpoint: decoded storages, and elements copied out of them by views. */
class ViewBudget {
  storageElements = 0;
  private copied = 0;

  /** Counts `numel` copied elements; throws before they are allocated when over the budget. */
  copy(numel: number): void {
    this.copied += numel;
    if (this.copied > this.storageElements + OVERLAP_ALLOWANCE) {
      throw new BadRecord(
        `tensor views copy ${this.copied} elements out of storages holding ${this.storageElements}; ` +
          `overlapping (zero-stride) views may add at most ${OVERLAP_ALLOWANCE}`,
      );
    }
  }
}

/** `_rebuild_tensor_v2(storage, storage_offset, size, stride, ...)`: honours offset and strides. */
function rebuildTensor(args: unknown[], budget: ViewBudget): Tensor {
  const [storage, offset, size, stride] = args;
  if (!(storage instanceof Storage) || !isIndex(offset)) throw new BadRecord('bad tensor storage or offset');
  if (!Array.isArray(size) || !size.every(isIndex) || !Array.isArray(stride) || !stride.every(isIndex)) {
    throw new BadRecord('bad tensor size or stride');
  }
  if (stride.length !== size.length) throw new BadRecord('tensor size and stride differ in length');
  const dtype = ELEMENT_TYPES[storage.type].dtype;
  const numel = size.reduce((a: number, d: number) => a * d, 1);
  if (numel === 0) return new Tensor(new Float32Array(0), size, dtype);
  let last = offset;
  size.forEach((d: number, i: number) => (last += (d - 1) * stride[i]));
  if (!Number.isSafeInteger(numel) || !Number.isSafeInteger(last) || last >= storage.data.length)
    throw new BadRecord('tensor lies outside its storage');
  if (isContiguous(size, stride))
    return new Tensor(storage.data.subarray(offset, offset + numel), size, dtype);
  budget.copy(numel);
  const out = new Float32Array(numel);
  const index = new Array<number>(size.length).fill(0);
  for (let n = 0; n < numel; n++) {
    let at = offset;
    for (let i = 0; i < size.length; i++) at += index[i]! * stride[i];
    out[n] = storage.data[at]!;
    for (let i = size.length - 1; i >= 0 && ++index[i]! === size[i]; i--) index[i] = 0;
  }
  return new Tensor(out, size, dtype);
}

function isContiguous(size: number[], stride: number[]): boolean {
  let expected = 1;
  for (let i = size.length - 1; i >= 0; i--) {
    if (size[i] !== 1 && stride[i] !== expected) return false;
    expected *= size[i]!;
  }
  return true;
}

/** `OrderedDict(items)`: a Map from a list of (key, value) pairs. */
function orderedDict(args: unknown[]): Map<unknown, unknown> {
  const items = args[0] ?? [];
  if (!Array.isArray(items) || !items.every((p) => Array.isArray(p) && p.length === 2))
    throw new BadRecord('OrderedDict built from something other than (key, value) pairs');
  return new Map(items as [unknown, unknown][]);
}

const passValue: GlobalImpl = {};

/** The allowlist: every global a tensor checkpoint may reference, and what calling it does. */
function torchGlobals(budget: ViewBudget): Readonly<Record<string, GlobalImpl>> {
  return {
    'collections.OrderedDict': { call: orderedDict },
    'torch._utils._rebuild_tensor': { call: (args) => rebuildTensor(args, budget) },
    'torch._utils._rebuild_tensor_v2': { call: (args) => rebuildTensor(args, budget) },
    'torch._utils._rebuild_parameter': { call: (args) => args[0] },
    'torch._utils._rebuild_parameter_with_state': { call: (args) => args[0] },
    'torch._tensor._rebuild_from_type_v2': {
      call: ([func, , args]) => {
        if (!(func instanceof PyGlobal) || !func.impl.call || !Array.isArray(args))
          throw new BadRecord('bad rebuild');
        return func.impl.call(args);
      },
    },
    'torch.Tensor': passValue,
    'torch.nn.parameter.Parameter': passValue,
    ...Object.fromEntries(Object.keys(STORAGE_TYPES).map((name) => [name, passValue])),
  };
}

function loadStorages(
  zip: ZipArchive,
  prefix: string,
  littleEndian: boolean,
  path: string,
  budget: ViewBudget,
) {
  const cache = new Map<string, Storage>();
  return (pid: unknown): Storage => {
    if (!Array.isArray(pid) || pid[0] !== 'storage' || pid.length < 5) {
      throw new FileFormatError(`${path}: unsupported persistent id in data.pkl.`);
    }
    const [, type, key, , numel] = pid;
    const elem = type instanceof PyGlobal ? STORAGE_TYPES[type.name] : undefined;
    if (!elem || typeof key !== 'string' || !isIndex(numel)) {
      throw new FileFormatError(`${path}: unsupported storage reference in data.pkl.`);
    }
    const hit = cache.get(key);
    if (hit) return hit;
    const bytes = zip.read(`${prefix}data/${key}`);
    const need = numel * ELEMENT_TYPES[elem].bytes;
    if (bytes.length < need) {
      throw new FileFormatError(`${path}: storage '${key}' has ${bytes.length} bytes, expected ${need}.`);
    }
    const storage = new Storage(elem, decodeElements(bytes.subarray(0, need), elem, numel, littleEndian));
    cache.set(key, storage);
    budget.storageElements += numel;
    return storage;
  };
}

function tensorDict(value: unknown): Map<string, Tensor> | null {
  if (!(value instanceof Map)) return null;
  for (const [k, v] of value) if (typeof k !== 'string' || !(v instanceof Tensor)) return null;
  return value as Map<string, Tensor>;
}

/** Accepts a dict of tensors, or a dict wrapping one under a STATE_DICT_KEYS key. */
function extractStateDict(obj: unknown, path: string): Map<string, Tensor> {
  const direct = tensorDict(obj);
  if (direct) return direct;
  if (obj instanceof Map) {
    for (const key of STATE_DICT_KEYS) {
      const inner = tensorDict(obj.get(key));
      if (inner) return inner;
    }
  }
  throw new FileFormatError(
    `${path}: checkpoint is not a state dict of tensors (expected a dict of tensors, or one under ` +
      `${STATE_DICT_KEYS.map((k) => `'${k}'`).join(', ')}).`,
  );
}

/** The error for pre-1.6 (non-zip) torch.save files. */
export function legacyCheckpointError(path: string): FileFormatError {
  return new FileFormatError(
    `${path}: legacy PyTorch checkpoint format (torch < 1.6 or _use_new_zipfile_serialization=False) is not ` +
      'supported; re-save it with torch >= 1.6 (torch.save(torch.load(f), f)) or convert it to .safetensors.',
  );
}

/** Parses an in-memory zip checkpoint; `path` names the file in error messages. */
export function parseTorchCheckpoint(buf: Uint8Array, path: string): Map<string, Tensor> {
  if (buf[0] === 0x80) throw legacyCheckpointError(path);
  const zip = openZip(buf, path);
  const pkl = [...zip.entries.keys()].find((name) => /^[^/]+\/data\.pkl$/.test(name));
  if (!pkl)
    throw new FileFormatError(`${path}: zip file is not a PyTorch checkpoint (no <archive>/data.pkl).`);
  const prefix = pkl.slice(0, -'data.pkl'.length);
  let littleEndian = true;
  if (zip.entries.has(`${prefix}byteorder`)) {
    const order = new TextDecoder().decode(zip.read(`${prefix}byteorder`)).trim();
    if (order !== 'little' && order !== 'big')
      throw new FileFormatError(`${path}: unknown byteorder '${order}'.`);
    littleEndian = order === 'little';
  }
  const budget = new ViewBudget();
  const persistentLoad = loadStorages(zip, prefix, littleEndian, path, budget);
  let obj: unknown;
  try {
    obj = unpickle(zip.read(pkl), path, { globals: torchGlobals(budget), persistentLoad });
  } catch (e) {
    if (!(e instanceof BadRecord || e instanceof ShapeError)) throw e;
    throw new FileFormatError(`${path}: malformed tensor record in data.pkl (${(e as Error).message}).`);
  }
  return extractStateDict(obj, path);
}
