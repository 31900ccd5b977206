/**
 * Tests for src/io/weights/torch_writer.ts: round trips through our reader, torch's archive layout
 * (64-byte aligned records, names, version, CRCs), atomic writes, the extension switch in
 * saveWeightsFile, and a golden pair: test/fixtures/weights/written_by_us.pth (written by this
 * writer; the test checks it is rewritten byte for byte) with written_by_us.torch.json, which is what
 * real PyTorch 1.13 reported when loading it (see test/fixtures/check_torch_load.py).
 * Set WRITE_TORCH_FIXTURE=1 to regenerate the .pth instead of comparing it.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { tempDirs } from './helpers/tmp.js';
import { mkdirSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as zlib from 'node:zlib';
import { FileFormatError } from '../src/errors.js';
import { Tensor } from '../src/tensor/tensor.js';
import { loadWeightsFile, readTorchCheckpoint, saveWeightsFile } from '../src/io/weights/index.js';
import { unpickle } from '../src/io/weights/pickle.js';
import { PickleWriter } from '../src/io/weights/pickle_writer.js';
import { TORCH_RECORD_ALIGNMENT, crc32, torchArchiveName, writeTorchCheckpoint, } from '../src/io/weights/torch_writer.js';
import { openZip } from '../src/io/weights/zip.js';
const FIXTURES = fileURLToPath(new URL('../../test/fixtures/weights/', import.meta.url));
const GOLDEN_PTH = join(FIXTURES, 'written_by_us.pth');
const GOLDEN_JSON = join(FIXTURES, 'written_by_us.torch.json');
const tmp = tempDirs('torch-writer-');
const int64 = (values, shape) => new Tensor(Float32Array.from(values), shape, 'int64');
/** The golden tensors: dyadic values, so float64 sums are exact in any order. */
function goldenTensors() {
    const conv = Float32Array.from({ length: 4 * 3 * 3 * 3 }, (_, i) => (((i * 7) % 33) - 16) / 8);
    return new Map([
        ['conv1.weight', new Tensor(conv, [4, 3, 3, 3])],
        ['bn1.weight', Tensor.from([1, 0.5, -0.25, 2], [4])],
        ['bn1.running_var', Tensor.from([0.125, 1, 3.5, 1024], [4])],
        ['bn1.num_batches_tracked', int64([12345], [])],
        [
            'fc.weight',
            new Tensor(Float32Array.from({ length: 30 }, (_, i) => (i - 15) / 4), [3, 10]),
        ],
        ['fc.bias', Tensor.from([-1.5, 0, 6], [3])],
        ['temperature', Tensor.from([0.75], [])],
        ['token_ids', int64([-3, 0, 7, 2 ** 24, -(2 ** 20)], [5])],
        ['column', Tensor.from([1, 2, 3], [3, 1, 1])],
        ['empty', Tensor.zeros([0, 3])],
    ]);
}
/** Exact comparison of shape, dtype and values. */
function assertSameTensors(got, want) {
    assert.deepEqual([...got.keys()], [...want.keys()]);
    for (const [key, w] of want) {
        const g = got.get(key);
        assert.deepEqual([...g.shape], [...w.shape], `shape of '${key}'`);
        assert.equal(g.dtype, w.dtype, `dtype of '${key}'`);
        assert.deepEqual([...g.data], [...w.data], `values of '${key}'`);
    }
}
/** Asserts `fn` throws a FileFormatError whose message names `path` and matches `pattern`. */
function assertFileError(fn, path, pattern) {
    assert.throws(fn, (e) => {
        assert.ok(e instanceof FileFormatError, `expected FileFormatError, got ${String(e)}`);
        assert.ok(e.message.includes(path), `message does not name the file: ${e.message}`);
        assert.match(e.message, pattern);
        return true;
    });
}
test('round trip: float32, int64, scalar, empty and view tensors', () => {
    const dir = tmp();
    const tensors = goldenTensors();
    // A view into a larger buffer (as the readers return) must write only its own elements.
    const backing = Float32Array.from({ length: 10 }, (_, i) => i);
    tensors.set('view', new Tensor(backing.subarray(3, 9), [2, 3]));
    const path = join(dir, 'rt.pth');
    writeTorchCheckpoint(path, tensors);
    assert.deepEqual(readdirSync(dir), ['rt.pth']);
    assertSameTensors(readTorchCheckpoint(path), tensors);
    assertSameTensors(loadWeightsFile(path), tensors);
});
test('round trip of a large state dict (memo indices past 255, storage keys sorted as strings)', () => {
    const dir = tmp();
    const tensors = new Map();
    for (let i = 0; i < 150; i++) {
        tensors.set(`layer.${i}.weight`, Tensor.from([i, -i, i / 2], [3, 1]));
        tensors.set(`layer.${i}.num_batches_tracked`, int64([i * 1000], []));
    }
    const path = join(dir, 'big.pt');
    writeTorchCheckpoint(path, tensors);
    assertSameTensors(readTorchCheckpoint(path), tensors);
    const names = [...openZip(readFileSync(path), path).entries.keys()];
    assert.deepEqual(names.slice(0, 5), [
        'big/data.pkl',
        'big/data/0',
        'big/data/1',
        'big/data/10',
        'big/data/100',
    ]);
    assert.equal(names.at(-1), 'big/version');
});
test('archive layout: torch names, STORED entries, 64-byte aligned data, CRCs, version 3', () => {
    const dir = tmp();
    const path = join(dir, 'resnet50.v1.pth');
    writeTorchCheckpoint(path, goldenTensors());
    const buf = readFileSync(path);
    const zip = openZip(buf, path);
    const names = [...zip.entries.keys()];
    assert.equal(names[0], 'resnet50.v1/data.pkl');
    assert.equal(names.at(-1), 'resnet50.v1/version');
    assert.deepEqual(names.slice(1, -1), Array.from({ length: 10 }, (_, i) => `resnet50.v1/data/${i}`));
    assert.equal(new TextDecoder().decode(zip.read('resnet50.v1/version')), '3\n');
    for (const [name, e] of zip.entries) {
        assert.equal(e.method, 0, `${name} is stored`);
        const at = e.localHeaderOffset;
        const nameLen = buf.readUInt16LE(at + 26);
        const extraLen = buf.readUInt16LE(at + 28);
        const extra = buf.subarray(at + 30 + nameLen, at + 30 + nameLen + extraLen);
        assert.equal(extra.subarray(0, 2).toString('latin1'), 'FB', `${name} has torch's padding field`);
        assert.equal(extra.readUInt16LE(2), extraLen - 4);
        assert.ok(extra.subarray(4).every((b) => b === 0x5a), `${name} is padded with 'Z'`);
        const dataStart = at + 30 + nameLen + extraLen;
        assert.equal(dataStart % TORCH_RECORD_ALIGNMENT, 0, `${name} data starts at ${dataStart}`);
        const data = zip.read(name);
        assert.equal(crc32(data), e.crc, `${name} CRC`);
        if (typeof zlib.crc32 === 'function')
            assert.equal(zlib.crc32(data) >>> 0, e.crc);
    }
});
test('crc32 and archive names', () => {
    assert.equal(crc32(new TextEncoder().encode('123456789')), 0xcbf43926);
    assert.equal(crc32(new Uint8Array(0)), 0);
    assert.equal(torchArchiveName('/a/b/resnet50.pth'), 'resnet50');
    assert.equal(torchArchiveName('model.v2.pt'), 'model.v2');
    assert.equal(torchArchiveName('noext'), 'noext');
    assert.equal(torchArchiveName('/x/.pth'), 'archive');
});
test('pickle writer encodes ints as CPython protocol 2 does', () => {
    const ints = [
        -1,
        255,
        256,
        65535,
        65536,
        -(2 ** 31),
        2 ** 31 - 1,
        2 ** 31,
        -(2 ** 31) - 1,
        2 ** 40,
        -(2 ** 40),
    ];
    const w = new PickleWriter();
    w.intTuple([...ints, Number.MAX_SAFE_INTEGER]);
    // pickle.dumps((*ints, 2**53 - 1), protocol=2).hex() from CPython.
    const want = '8002284affffffff4bff4d00014dffff4a000001004a000000804affffff7f8a0500000080008a05ffffff7fff' +
        '8a060000000000018a060000000000ff8a07ffffffffffff1f7471002e';
    assert.equal(Buffer.from(w.finish()).toString('hex'), want);
    const back = unpickle(Buffer.from(want, 'hex'), 'ints', { globals: {} });
    assert.deepEqual(back, [...ints, Number.MAX_SAFE_INTEGER]);
});
test('failed writes leave no file behind and name the path', () => {
    const dir = tmp();
    const t = new Map([['w', Tensor.from([1], [1])]]);
    const missing = join(dir, 'no', 'such', 'dir', 'w.pth');
    assertFileError(() => writeTorchCheckpoint(missing, t), missing, /cannot write/);
    assert.deepEqual(readdirSync(dir), []);
    const blocked = join(dir, 'blocked.pth');
    mkdirSync(join(blocked, 'child'), { recursive: true });
    assertFileError(() => writeTorchCheckpoint(blocked, t), blocked, /cannot write/);
    assert.deepEqual(readdirSync(dir), ['blocked.pth']);
    const fractional = join(dir, 'frac.pth');
    assertFileError(() => writeTorchCheckpoint(fractional, new Map([['n', int64([1.5], [])]])), fractional, /int64 tensor 'n' holds the non-integer value 1\.5/);
    assert.deepEqual(readdirSync(dir), ['blocked.pth']);
});
test('saveWeightsFile picks the format from the extension', () => {
    const dir = tmp();
    const tensors = goldenTensors();
    for (const name of ['w.pth', 'w.PT']) {
        const path = join(dir, name);
        saveWeightsFile(path, tensors, { ignored: 'metadata' });
        assert.equal(readFileSync(path).readUInt32LE(0), 0x04034b50, `${name} is a zip`);
        assertSameTensors(readTorchCheckpoint(path), tensors);
    }
    saveWeightsFile(join(dir, 'w.safetensors'), tensors);
    assert.notEqual(readFileSync(join(dir, 'w.safetensors')).readUInt32LE(0), 0x04034b50);
    for (const name of ['w.bin', 'w']) {
        const path = join(dir, name);
        assertFileError(() => saveWeightsFile(path, tensors), path, /\.safetensors.*\.pth\/\.pt/);
    }
    assert.deepEqual(readdirSync(dir).sort(), ['w.PT', 'w.pth', 'w.safetensors']);
});
test('golden: the committed checkpoint is rewritten byte for byte and matches what torch read', () => {
    const tensors = goldenTensors();
    if (process.env['WRITE_TORCH_FIXTURE'] === '1')
        writeTorchCheckpoint(GOLDEN_PTH, tensors);
    const dir = tmp();
    const path = join(dir, 'written_by_us.pth');
    writeTorchCheckpoint(path, tensors);
    const golden = readFileSync(GOLDEN_PTH);
    assert.ok(golden.length < 50_000);
    assert.ok(readFileSync(path).equals(golden), 'writer output changed');
    const torchSaw = JSON.parse(readFileSync(GOLDEN_JSON, 'utf8'));
    const weSee = {};
    for (const [key, t] of readTorchCheckpoint(GOLDEN_PTH)) {
        weSee[key] = [[...t.shape], `torch.${t.dtype}`, t.data.reduce((s, v) => s + v, 0)];
    }
    assert.deepEqual(weSee, torchSaw);
    assert.deepEqual(Object.keys(weSee), Object.keys(torchSaw));
});
//# sourceMappingURL=torch_writer.test.js.map