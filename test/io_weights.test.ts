/**
 * Tests for src/io/weights: golden fixtures written by real torch (test/fixtures/gen_weights.py),
 * safetensors/zip/pickle validation, key remapping and atomic writes.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tempDirs } from './helpers/tmp.js';
import { buildZip } from './helpers/zip.js';
import { existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { FileFormatError } from '../src/errors.js';
import { Tensor } from '../src/tensor/tensor.js';
import {
  loadWeightsFile,
  parseSafetensors,
  readSafetensors,
  readSafetensorsMetadata,
  readTorchCheckpoint,
  saveWeightsFile,
  toHuggingFaceKeys,
  toTorchvisionKeys,
  writeSafetensors,
} from '../src/io/weights/index.js';
import { unpickle } from '../src/io/weights/pickle.js';
import { openZip } from '../src/io/weights/zip.js';

const FIXTURES = fileURLToPath(new URL('../../test/fixtures/weights/', import.meta.url));
const fixture = (name: string): string => join(FIXTURES, name);

interface Expected {
  shape: number[];
  dtype: 'float32' | 'int64';
  in_pth: boolean;
  f32le_b64: string;
}
const EXPECTED: Record<string, Expected> = JSON.parse(readFileSync(fixture('expected.json'), 'utf8')).tensors;

function expectedValues(e: Expected): Float32Array {
  const bytes = Buffer.from(e.f32le_b64, 'base64');
  return new Float32Array(new Uint8Array(bytes).buffer);
}

/** Exact comparison; on failure reports the max abs error. */
function assertTensorEqual(name: string, t: Tensor | undefined, e: Expected): void {
  assert.ok(t, `missing tensor '${name}'`);
  assert.deepEqual([...t.shape], e.shape, `shape of '${name}'`);
  assert.equal(t.dtype, e.dtype, `dtype of '${name}'`);
  const want = expectedValues(e);
  assert.equal(t.data.length, want.length, `size of '${name}'`);
  let maxErr = 0;
  for (let i = 0; i < want.length; i++) maxErr = Math.max(maxErr, Math.abs(t.data[i]! - want[i]!));
  assert.equal(maxErr, 0, `values of '${name}' differ: max abs error ${maxErr}`);
}

const tmp = tempDirs('io-weights-');

/** Asserts `fn` throws a FileFormatError whose message names `path` and matches `pattern`. */
function assertFileError(fn: () => unknown, path: string, pattern: RegExp): void {
  assert.throws(fn, (e: unknown) => {
    assert.ok(e instanceof FileFormatError, `expected FileFormatError, got ${String(e)}`);
    assert.ok(e.message.includes(path), `message does not name the file: ${e.message}`);
    assert.match(e.message, pattern);
    return true;
  });
}

/** Builds a safetensors file from a raw header object and data bytes. */
function rawSafetensors(header: unknown, data: Uint8Array, headerText?: string): Buffer {
  const h = Buffer.from(headerText ?? JSON.stringify(header));
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(h.length));
  return Buffer.concat([len, h, data]);
}

function writeTmp(name: string, bytes: Uint8Array): string {
  const path = join(tmp(), name);
  writeFileSync(path, bytes);
  return path;
}

test('small.pth (torch.save) matches torch values exactly, incl. fp16/bf16/f64/int64, views and shared storage', () => {
  const m = loadWeightsFile(fixture('small.pth'));
  const keys = Object.keys(EXPECTED).filter((k) => EXPECTED[k]!.in_pth);
  assert.deepEqual([...m.keys()].sort(), keys.sort());
  for (const k of keys) assertTensorEqual(k, m.get(k), EXPECTED[k]!);
  assert.equal(m.get('layer1.0.bn1.num_batches_tracked')!.data[0], 12345);
  assert.equal(m.get('extra.shared_a')!.data.buffer, m.get('extra.shared_b')!.data.buffer);
});

test('readTorchCheckpoint views aligned float32 storages without copying', () => {
  const m = readTorchCheckpoint(fixture('small.pth'));
  const conv = m.get('conv1.weight')!;
  assert.ok(conv.data.buffer.byteLength > conv.data.byteLength, 'conv1.weight should view the file buffer');
});

test('small.safetensors matches torch values exactly for every dtype', () => {
  const m = readSafetensors(fixture('small.safetensors'));
  assert.deepEqual([...m.keys()].sort(), Object.keys(EXPECTED).sort());
  for (const [k, e] of Object.entries(EXPECTED)) assertTensorEqual(k, m.get(k), e);
  assert.deepEqual(readSafetensorsMetadata(fixture('small.safetensors')), {
    format: 'pt',
    source: 'gen_weights.py',
  });
});

test('deflate-compressed checkpoint and protocol-4 checkpoint wrapped under state_dict', () => {
  const deflated = loadWeightsFile(fixture('deflated.pth'));
  assert.equal(deflated.size, 10);
  for (const [k, t] of deflated) assertTensorEqual(k, t, EXPECTED[k]!);
  const wrapped = loadWeightsFile(fixture('wrapped_proto4.pth'));
  assert.deepEqual([...wrapped.keys()], ['extra.f16', 'extra.i64', 'extra.sliced', 'extra.scalar']);
  for (const [k, t] of wrapped) assertTensorEqual(k, t, EXPECTED[k]!);
});

test('a pickle calling os.system is refused and nothing runs', () => {
  rmSync('/tmp/pwned', { force: true });
  const path = fixture('evil.pth');
  assertFileError(() => loadWeightsFile(path), path, /refusing to load global '(posix|os)\.system'/);
  assert.equal(existsSync('/tmp/pwned'), false);
});

test('unpickler refuses STACK_GLOBAL builtins.eval and reports malformed pickles', () => {
  const enc = (s: string): number[] => [0x8c, s.length, ...Buffer.from(s)];
  const evil = Uint8Array.from([0x80, 4, ...enc('builtins'), ...enc('eval'), 0x93, 0x2e]);
  assertFileError(
    () => unpickle(evil, 'x.pkl', { globals: {} }),
    'x.pkl',
    /refusing to load global 'builtins\.eval'/,
  );
  const truncated = Uint8Array.from([0x80, 2, 0x58, 10, 0, 0, 0, 0x61]);
  assertFileError(() => unpickle(truncated, 'y.pkl', { globals: {} }), 'y.pkl', /malformed pickle/);
  const underflow = Uint8Array.from([0x80, 2, 0x73, 0x2e]);
  assertFileError(() => unpickle(underflow, 'z.pkl', { globals: {} }), 'z.pkl', /stack underflow/);
  const ok = Uint8Array.from([0x80, 2, 0x7d, 0x71, 0, 0x58, 1, 0, 0, 0, 0x61, 0x4b, 7, 0x73, 0x2e]);
  assert.deepEqual(unpickle(ok, 'ok.pkl', { globals: {} }), new Map([['a', 7]]));
});

test('legacy (pre-1.6) torch.save files are rejected with a re-save hint', () => {
  const path = fixture('legacy.pth');
  assertFileError(() => loadWeightsFile(path), path, /legacy PyTorch checkpoint.*torch >= 1\.6/);
});

test('a safetensors header whose length byte is 0x80 is not taken for a legacy pickle', () => {
  // The 8-byte little-endian header length of 384 = 0x180 starts with 0x80, as a pickle does.
  const json = JSON.stringify({ w: { dtype: 'F32', shape: [2], data_offsets: [0, 8] } }).padEnd(384, ' ');
  const header = Buffer.alloc(8);
  header.writeBigUInt64LE(BigInt(json.length));
  const data = Buffer.from(new Float32Array([1.5, -2]).buffer);
  const path = writeTmp('len80.bin', Buffer.concat([header, Buffer.from(json), data]));
  assert.equal(readFileSync(path)[0], 0x80);
  assert.deepEqual(Array.from(loadWeightsFile(path).get('w')!.data), [1.5, -2]);
});

test('a zip cut in half or with corrupt data gives a clear error', () => {
  const full = readFileSync(fixture('small.pth'));
  const half = writeTmp('half.pth', full.subarray(0, full.length >> 1));
  assertFileError(() => loadWeightsFile(half), half, /end of central directory not found.*truncated/);
  const corrupt = Buffer.from(full);
  corrupt[5000] ^= 0xff;
  const bad = writeTmp('corrupt.pth', corrupt);
  assertFileError(() => loadWeightsFile(bad), bad, /CRC mismatch/);
});

test('zip reader: ZIP64 extra fields, stored views and deflate entries', () => {
  const text = new TextEncoder().encode('hello zip64 '.repeat(50));
  for (const zip64 of [false, true]) {
    const buf = buildZip(
      [
        ['a/stored', text, false],
        ['a/deflated', text, true],
      ],
      zip64,
    );
    const zip = openZip(buf, 'mem.zip');
    assert.deepEqual([...zip.entries.keys()], ['a/stored', 'a/deflated']);
    assert.deepEqual(new Uint8Array(zip.read('a/stored')), text);
    assert.equal(zip.read('a/stored').buffer, buf.buffer, 'stored entries are views');
    assert.deepEqual(new Uint8Array(zip.read('a/deflated')), text);
    assertFileError(() => zip.read('missing'), 'mem.zip', /missing/);
  }
  assertFileError(() => openZip(new Uint8Array(10), 'tiny.zip'), 'tiny.zip', /end of central directory/);
});

test('safetensors: truncated file, bad header length, bad JSON and bad offsets are FileFormatErrors', () => {
  const full = readFileSync(fixture('small.safetensors'));
  const cut = writeTmp('cut.safetensors', full.subarray(0, full.length - 100));
  assertFileError(() => readSafetensors(cut), cut, /outside the data section/);

  const big = Buffer.from(full.subarray(0, 64));
  big.writeBigUInt64LE(1000n, 0);
  const long = writeTmp('long.safetensors', big);
  assertFileError(() => readSafetensors(long), long, /header length 1000 exceeds the file size 64/);

  big.writeBigUInt64LE(1n << 40n, 0);
  const absurd = writeTmp('absurd.safetensors', big);
  assertFileError(() => readSafetensors(absurd), absurd, /implausible/);
  assertFileError(() => readSafetensorsMetadata(absurd), absurd, /implausible/);
  assertFileError(() => parseSafetensors(new Uint8Array(5), 'short.st'), 'short.st', /too short/);

  const data = new Uint8Array(16);
  const cases: [string, Buffer, RegExp][] = [
    ['json', rawSafetensors(null, data, '{"a": {"dtype": "F32",'), /not valid JSON/],
    ['array', rawSafetensors([1, 2], data), /not a JSON object/],
    [
      'range',
      rawSafetensors({ a: { dtype: 'F32', shape: [8], data_offsets: [0, 32] } }, data),
      /outside the data/,
    ],
    ['size', rawSafetensors({ a: { dtype: 'F32', shape: [3], data_offsets: [0, 16] } }, data), /needs 12/],
    [
      'dtype',
      rawSafetensors({ a: { dtype: 'C64', shape: [2], data_offsets: [0, 16] } }, data),
      /unsupported dtype/,
    ],
    [
      'shape',
      rawSafetensors({ a: { dtype: 'F32', shape: [-4], data_offsets: [0, 16] } }, data),
      /invalid shape/,
    ],
    [
      'neg',
      rawSafetensors({ a: { dtype: 'F32', shape: [1], data_offsets: [8, 4] } }, data),
      /outside the data/,
    ],
    [
      'overlap',
      rawSafetensors(
        {
          a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] },
          b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] },
        },
        data,
      ),
      /overlap/,
    ],
    ['meta', rawSafetensors({ __metadata__: { a: 1 } }, data), /__metadata__\.a is not a string/],
  ];
  for (const [name, bytes, pattern] of cases) {
    const path = writeTmp(`${name}.safetensors`, bytes);
    assertFileError(() => loadWeightsFile(path), path, pattern);
  }
});

test('safetensors: aligned F32 is a view on the file buffer, misaligned F32 is copied correctly', () => {
  const data = Buffer.alloc(6 + 8);
  data.writeUInt16LE(0x3c00, 0); // f16 1.0
  data.writeUInt16LE(0xc000, 2); // f16 -2.0
  data.writeUInt16LE(0x7bff, 4); // f16 65504
  data.writeFloatLE(1.5, 6);
  data.writeFloatLE(-0.25, 10);
  const header = {
    h: { dtype: 'F16', shape: [3], data_offsets: [0, 6] },
    f: { dtype: 'F32', shape: [2], data_offsets: [6, 14] },
  };
  const m = parseSafetensors(rawSafetensors(header, data, JSON.stringify(header).padEnd(128)), 'mis.st');
  assert.deepEqual([...m.get('h')!.data], [1, -2, 65504]);
  assert.deepEqual([...m.get('f')!.data], [1.5, -0.25]);

  const aligned = readFileSync(fixture('small.safetensors'));
  const conv = parseSafetensors(aligned, 'x').get('conv1.weight')!;
  assert.equal(conv.data.buffer, aligned.buffer);
});

test('safetensors round trip keeps values, int64, metadata, sorted keys and a space-padded aligned header', () => {
  const dir = tmp();
  const path = join(dir, 'rt.safetensors');
  const tensors = new Map<string, Tensor>([
    ['z.weight', Tensor.from([1.5, -2, 3.25, 1e-30, 65504, -0], [2, 3])],
    ['a.num_batches_tracked', new Tensor(Float32Array.from([123456]), [], 'int64')],
    ['m.ids', new Tensor(Float32Array.from([-5, 0, 7]), [3], 'int64')],
  ]);
  saveWeightsFile(path, tensors, { format: 'pt', note: 'round trip' });
  assert.deepEqual(readdirSync(dir), ['rt.safetensors']);
  const bytes = readFileSync(path);
  const n = Number(bytes.readBigUInt64LE(0));
  assert.equal(n % 8, 0);
  const headerText = bytes.subarray(8, 8 + n).toString();
  assert.match(headerText, /^\{"__metadata__".* *$/);
  assert.deepEqual(Object.keys(JSON.parse(headerText)), [
    '__metadata__',
    'a.num_batches_tracked',
    'm.ids',
    'z.weight',
  ]);
  assert.equal(JSON.parse(headerText)['m.ids'].dtype, 'I64');
  const back = readSafetensors(path);
  for (const [k, t] of tensors) {
    assert.deepEqual([...back.get(k)!.data], [...t.data], k);
    assert.deepEqual(back.get(k)!.shape, t.shape, k);
    assert.equal(back.get(k)!.dtype, t.dtype, k);
  }
  assert.deepEqual(readSafetensorsMetadata(path), { format: 'pt', note: 'round trip' });
});

test('writes are atomic: failures leave no file behind and name the path', () => {
  const dir = tmp();
  const missing = join(dir, 'no', 'such', 'dir', 'w.safetensors');
  const t = new Map([['w', Tensor.from([1], [1])]]);
  assertFileError(() => writeSafetensors(missing, t), missing, /cannot write/);
  assert.deepEqual(readdirSync(dir), []);
  const blocked = join(dir, 'blocked.safetensors');
  mkdirSync(join(blocked, 'child'), { recursive: true });
  assertFileError(() => writeSafetensors(blocked, t), blocked, /cannot write/);
  assert.deepEqual(readdirSync(dir), ['blocked.safetensors']);
  const wrongExt = join(dir, 'w.bin');
  assertFileError(() => saveWeightsFile(wrongExt, t), wrongExt, /only be saved as \.safetensors/);
  assert.deepEqual(readdirSync(dir), ['blocked.safetensors']);
});

test('loadWeightsFile: missing file, directory, empty file and unknown format', () => {
  const dir = tmp();
  const missing = join(dir, 'nope.pth');
  assertFileError(() => loadWeightsFile(missing), missing, /no such file/);
  assertFileError(() => loadWeightsFile(dir), dir, /is a directory/);
  const empty = writeTmp('empty.safetensors', new Uint8Array(0));
  assertFileError(() => loadWeightsFile(empty), empty, /empty/);
  const text = writeTmp('notes.pth', Buffer.from('these are not weights at all'));
  assertFileError(() => loadWeightsFile(text), text, /unknown weights format/);
});

function keyShapes(file: string): Map<string, number[]> {
  return new Map(JSON.parse(readFileSync(fixture(file), 'utf8')) as [string, number[]][]);
}

test('HF microsoft/resnet-50 keys map exactly onto torchvision resnet50 keys and shapes, and back', () => {
  const hf = keyShapes('hf_resnet_keys.json');
  const tv = keyShapes('torchvision_resnet50_keys.json');
  const mapped = toTorchvisionKeys(hf);
  assert.deepEqual([...mapped.keys()].sort(), [...tv.keys()].sort());
  for (const [k, shape] of tv) assert.deepEqual(mapped.get(k), shape, k);
  const back = toHuggingFaceKeys(tv);
  assert.deepEqual([...back.keys()].sort(), [...hf.keys()].sort());
  const base = new Map([...hf].filter(([k]) => k.startsWith('resnet.')).map(([k, v]) => [k.slice(7), v]));
  assert.ok(toTorchvisionKeys(base).has('layer4.2.bn3.running_var'), 'bare ResNetModel keys');
  assert.equal(toTorchvisionKeys(tv), tv, 'torchvision/timm names pass through');
});

test('module./model. prefixes are stripped and remapped files load with torchvision names', () => {
  const wrapped = new Map([
    ['module.model.conv1.weight', 1],
    ['module.model.fc.bias', 2],
  ]);
  assert.deepEqual([...toTorchvisionKeys(wrapped).keys()], ['conv1.weight', 'fc.bias']);
  const partial = new Map([
    ['module.conv1.weight', 1],
    ['fc.bias', 2],
  ]);
  assert.deepEqual([...toTorchvisionKeys(partial).keys()], ['module.conv1.weight', 'fc.bias']);

  const path = join(tmp(), 'hf.safetensors');
  saveWeightsFile(
    path,
    new Map([
      ['resnet.embedder.embedder.convolution.weight', Tensor.from([1, 2], [2, 1, 1, 1])],
      ['resnet.encoder.stages.1.layers.0.shortcut.normalization.running_mean', Tensor.from([3, 4], [2])],
      ['resnet.encoder.stages.2.layers.5.layer.2.convolution.weight', Tensor.from([5], [1, 1, 1, 1])],
      ['classifier.1.weight', Tensor.from([6, 7], [1, 2])],
    ]),
  );
  const m = loadWeightsFile(path);
  assert.deepEqual([...m.keys()].sort(), [
    'conv1.weight',
    'fc.weight',
    'layer2.0.downsample.1.running_mean',
    'layer3.5.conv3.weight',
  ]);
  assert.deepEqual([...m.get('layer3.5.conv3.weight')!.data], [5]);
});
