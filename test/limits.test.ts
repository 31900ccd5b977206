/**
 * Hostile inputs (issue 14): every decoder and parser checks the sizes a file declares before it
 * allocates them, and refuses with one sentence naming the file or key. The bombs are built here
 * byte by byte and opened in a fresh node process whose peak RSS must stay under 300 MB (each would
 * inflate to 1 GiB or more). Safetensors follows the reference reader (huggingface/safetensors,
 * safetensors/src/tensor.rs), checked on the byte strings its own tests serialize and parse.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { test, type TestContext } from 'node:test';
import { fileURLToPath } from 'node:url';
import * as zlib from 'node:zlib';
import { FileFormatError, UserError } from '../src/errors.js';
import { readIdx } from '../src/data/idx.js';
import { decodeImage, writePng } from '../src/io/image.js';
import { DEFAULT_MAX_IMAGE_PIXELS, setMaxImagePixels } from '../src/io/image_limits.js';
import { parseJson } from '../src/io/json.js';
import {
  checkFiniteWeightsFile,
  loadWeightsFile,
  parseSafetensors,
  saveWeightsFile,
  writeSafetensors,
} from '../src/io/weights/index.js';
import { unpickle } from '../src/io/weights/pickle.js';
import { parseTorchCheckpoint } from '../src/io/weights/torch_checkpoint.js';
import { resnet } from '../src/model/resnet.js';
import { classifyFiles } from '../src/tasks/classify.js';
import { createRunner } from '../src/tasks/runner.js';
import { Tensor } from '../src/tensor/tensor.js';
import { IMAGES, runCli } from './helpers/cli.js';
import { ADAM7, pngChunk } from './helpers/png_bytes.js';
import { ruleStateDict } from './helpers/rule_weights.js';
import { tempDirs } from './helpers/tmp.js';
import { buildZip } from './helpers/zip.js';

const tmp = tempDirs('resnet50-limits-');
const FIXTURES = fileURLToPath(new URL('../../test/fixtures/limits/', import.meta.url));
const PEAK_RSS_CAP_MB = 300;

function writeTmp(name: string, bytes: Uint8Array): string {
  const path = join(tmp(), name);
  writeFileSync(path, bytes);
  return path;
}

/** Asserts `err` is a `cls` with a one-line, one-sentence message naming every string in `names`. */
function assertOneSentence(err: unknown, cls: typeof UserError, ...names: string[]): true {
  assert.ok(err instanceof cls, `expected ${cls.name}, got ${String(err)}`);
  assert.ok(!err.message.includes('\n'), `message spans lines: ${err.message}`);
  assert.match(err.message, /\.$/, `not a sentence: ${err.message}`);
  for (const name of names)
    assert.ok(err.message.includes(name), `message does not name ${name}: ${err.message}`);
  return true;
}

// ---------------------------------------------------------------------------------------------
// Compressed bombs: 1 MiB of zeros deflates to about 1 KiB; a full flush ends it byte-aligned with
// a fresh dictionary, so n copies of it are a valid deflate stream of n MiB.
// ---------------------------------------------------------------------------------------------

const ZERO_MIB = zlib.deflateRawSync(Buffer.alloc(1 << 20), { finishFlush: zlib.constants.Z_FULL_FLUSH });
const FINAL_EMPTY_BLOCK = Buffer.from([0x03, 0x00]);

/** Raw deflate of `prefix` followed by `mib` MiB of zeros. */
function zerosDeflateRaw(mib: number, prefix: Uint8Array = new Uint8Array(0)): Buffer {
  const head = zlib.deflateRawSync(prefix, { finishFlush: zlib.constants.Z_FULL_FLUSH });
  return Buffer.concat([head, ...new Array<Buffer>(mib).fill(ZERO_MIB), FINAL_EMPTY_BLOCK]);
}

/** zlib framing; the checksum is not computed (readers must stop before they reach it). */
function zlibFrame(raw: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([0x78, 0x01]), raw, Buffer.alloc(4)]);
}

/** gzip framing, checksum and size left 0 as above. */
function gzipFrame(raw: Uint8Array): Buffer {
  return Buffer.concat([Buffer.from([0x1f, 0x8b, 8, 0, 0, 0, 0, 0, 0, 3]), raw, Buffer.alloc(8)]);
}

interface ChildResult {
  name?: string;
  message?: string;
  peakMB: number;
}

/**
 * Calls `fn(file)` from a built module (path relative to dist/src) in a fresh node and reports the
 * error it threw and the process's peak resident memory.
 */
function inChild(module: string, fn: string, file: string, env: Record<string, string> = {}): ChildResult {
  const url = new URL(`../src/${module}`, import.meta.url).href;
  const code = `
    import { ${fn} } from ${JSON.stringify(url)};
    const out = {};
    try { ${fn}(${JSON.stringify(file)}); } catch (e) { out.name = e.name; out.message = e.message; }
    out.peakMB = process.resourceUsage().maxRSS / 1024;
    console.log(JSON.stringify(out));`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', code], {
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 120_000,
  });
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout.trim().split('\n').at(-1)!) as ChildResult;
}

/** Opens a bomb in a child: refused with a FileFormatError matching `pattern`, under the RSS cap. */
function assertRefusedSmall(t: TestContext, module: string, fn: string, file: string, pattern: RegExp): void {
  const r = inChild(module, fn, file);
  t.diagnostic(`${basename(file)}: ${r.name ?? 'accepted'}, peak RSS ${r.peakMB.toFixed(0)} MB`);
  assert.equal(r.name, 'FileFormatError', `${file}: ${r.message ?? 'not refused'}`);
  assert.ok(r.message!.includes(file) && !r.message!.includes('\n'), r.message);
  assert.match(r.message!, pattern);
  assert.ok(r.peakMB < PEAK_RSS_CAP_MB, `peak RSS ${r.peakMB.toFixed(0)} MB while refusing ${file}`);
}

// ---------------------------------------------------------------------------------------------
// PNG
// ---------------------------------------------------------------------------------------------

interface PngSpec {
  width: number;
  height: number;
  depth?: number;
  colorType?: number;
  interlace?: number;
}

function pngFile(spec: PngSpec, zlibData: Uint8Array): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(spec.width, 0);
  ihdr.writeUInt32BE(spec.height, 4);
  ihdr.set([spec.depth ?? 8, spec.colorType ?? 2, 0, 0, spec.interlace ?? 0], 8);
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([
    signature,
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', zlibData),
    pngChunk('IEND', new Uint8Array(0)),
  ]);
}

/** Scanlines of an 8-bit RGB image, Adam7-interlaced, filter type j % 5 on row j of each pass. */
function interlacedScanlines(width: number, height: number, rgb: Uint8Array): Buffer {
  const rows: Buffer[] = [];
  for (const [x0, y0, dx, dy] of ADAM7) {
    const cols = Math.ceil((width - x0!) / dx!);
    if (cols <= 0) continue;
    let prev = Buffer.alloc(cols * 3);
    for (let j = 0, y = y0!; y < height; j++, y += dy!) {
      const line = Buffer.alloc(cols * 3);
      for (let i = 0; i < cols; i++)
        line.set(rgb.subarray((y * width + x0! + i * dx!) * 3, (y * width + x0! + i * dx!) * 3 + 3), i * 3);
      const filter = j % 5;
      const out = Buffer.alloc(1 + line.length);
      out[0] = filter;
      for (let k = 0; k < line.length; k++) {
        const [a, b, c] = [k >= 3 ? line[k - 3]! : 0, prev[k]!, k >= 3 ? prev[k - 3]! : 0];
        const p = a + b - c;
        const paeth =
          Math.abs(p - a) <= Math.abs(p - b) && Math.abs(p - a) <= Math.abs(p - c)
            ? a
            : Math.abs(p - b) <= Math.abs(p - c)
              ? b
              : c;
        out[1 + k] = line[k]! - [0, a, b, (a + b) >> 1, paeth][filter]!;
      }
      rows.push(out);
      prev = line;
    }
  }
  return Buffer.concat(rows);
}

test('PNG: an interlaced image with every filter type decodes to its pixels', () => {
  const [width, height] = [13, 11];
  const rgb = Uint8Array.from({ length: width * height * 3 }, (_, i) => (i * 37 + (i >> 3) * 11) & 255);
  const png = pngFile(
    { width, height, interlace: 1 },
    zlib.deflateSync(interlacedScanlines(width, height, rgb)),
  );
  const img = decodeImage(png, 'adam7.png');
  assert.deepEqual([img.width, img.height], [width, height]);
  assert.deepEqual(img.data, rgb);
});

test('PNG: a 74-byte file declaring 46341×46341 pixels is refused before anything is allocated', (t) => {
  const file = pngFile({ width: 46341, height: 46341, colorType: 0 }, zlib.deflateSync(Buffer.alloc(1000)));
  assert.equal(file.length, 74);
  const path = writeTmp('huge_dims.png', file);
  assertRefusedSmall(
    t,
    'io/image.js',
    'readImage',
    path,
    /46341×46341 = 2147488281 pixels exceeds twice the limit of 89478485/,
  );
});

test('PNG: image data inflating past what the header implies is refused, interlaced or not', (t) => {
  const plain = pngFile({ width: 1, height: 1 }, zlibFrame(zerosDeflateRaw(1024)));
  assertRefusedSmall(
    t,
    'io/image.js',
    'readImage',
    writeTmp('idat_1gib.png', plain),
    /inflates beyond the 4 bytes a 1×1 image needs/,
  );
  const interlaced = pngFile(
    { width: 16, height: 16, colorType: 0, interlace: 1 },
    zlibFrame(zerosDeflateRaw(1024)),
  );
  assertRefusedSmall(
    t,
    'io/image.js',
    'readImage',
    writeTmp('adam7_1gib.png', interlaced),
    /inflates beyond the 286 bytes a 16×16 image needs/,
  );
  // One byte too many, in process: refused as well (Pillow would ignore it).
  const oneMore = pngFile({ width: 2, height: 1 }, zlib.deflateSync(Buffer.alloc(8)));
  assert.throws(
    () => decodeImage(oneMore, 'one_more.png'),
    (e) => assertOneSentence(e, FileFormatError, 'one_more.png', '7 bytes'),
  );
});

test('PNG: the pixel limit warns above it, refuses above twice it, and is set by API or environment', async () => {
  const gray = (width: number, height: number) =>
    pngFile({ width, height, colorType: 0 }, zlib.deflateSync(Buffer.alloc((width + 1) * height)));
  const warnings: Error[] = [];
  const onWarning = (w: Error) => warnings.push(w);
  process.on('warning', onWarning);
  try {
    setMaxImagePixels(100);
    assert.equal(decodeImage(gray(20, 10), 'big.png').data.length, 600);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0]!.name, 'DecompressionBombWarning');
    assert.match(warnings[0]!.message, /big\.png: image of 20×10 = 200 pixels exceeds the limit of 100/);
    assert.throws(
      () => decodeImage(gray(20, 11), 'bigger.png'),
      (e) => assertOneSentence(e, FileFormatError, 'bigger.png', '220 pixels'),
    );
    assert.throws(() => setMaxImagePixels(0), UserError);
  } finally {
    process.off('warning', onWarning);
    setMaxImagePixels(DEFAULT_MAX_IMAGE_PIXELS);
  }
  const path = writeTmp('15x14.png', gray(15, 14));
  const refused = inChild('io/image.js', 'readImage', path, { RESNET50_MAX_IMAGE_PIXELS: '100' });
  assert.match(refused.message ?? '', /210 pixels exceeds twice the limit of 100 pixels/);
  assert.equal(
    inChild('io/image.js', 'readImage', path, { RESNET50_MAX_IMAGE_PIXELS: '105' }).message,
    undefined,
  );
  const bad = inChild('io/image.js', 'readImage', path, { RESNET50_MAX_IMAGE_PIXELS: 'lots' });
  assert.equal(bad.message, "RESNET50_MAX_IMAGE_PIXELS must be a positive integer, got 'lots'.");
});

// ---------------------------------------------------------------------------------------------
// Zip, pickle and torch checkpoints
// ---------------------------------------------------------------------------------------------

test('zip: a deflated entry declaring 1 GiB from 1 MB, or inflating past its declared size, is refused', (t) => {
  const bomb = zerosDeflateRaw(1024);
  const declared = writeTmp(
    'declared_1gib.pth',
    buildZip([['a/data.pkl', new Uint8Array(0), true, { body: bomb, size: 1 << 30 }]], false),
  );
  assertRefusedSmall(
    t,
    'io/weights/index.js',
    'loadWeightsFile',
    declared,
    /'a\/data\.pkl' declares 1073741824 bytes from \d+ compressed \(more than 100:1/,
  );
  const lying = writeTmp(
    'lying_size.pth',
    buildZip([['a/data.pkl', new Uint8Array(0), true, { body: bomb, size: 4096 }]], true),
  );
  assertRefusedSmall(
    t,
    'io/weights/index.js',
    'loadWeightsFile',
    lying,
    /'a\/data\.pkl' inflates beyond the 4096 bytes it declares/,
  );
});

test('zip: an extra field running past the end of its entry is a FileFormatError', () => {
  const zip = buildZip([['a/data.pkl', Uint8Array.from([0x80, 2, 0x7d, 0x2e]), false]], true);
  const central = zip.lastIndexOf(Buffer.from([0x50, 0x4b, 0x01, 0x02]));
  zip.writeUInt16LE(4, central + 30); // the extra area now holds only the ZIP64 record's id and length (24)
  assert.throws(
    () => parseTorchCheckpoint(zip, 'extra.pth'),
    (e) => assertOneSentence(e, FileFormatError, 'extra.pth', 'extra field running past its end'),
  );
});

const pth = (pickle: number[]) => buildZip([['a/data.pkl', Uint8Array.from(pickle), false]], false);
const enc = (s: string): number[] => [0x8c, s.length, ...Buffer.from(s)];

test('pickle: 100,000-deep nesting and 200,000-item APPENDS give one sentence, not a stack overflow', () => {
  const N = 100_000;
  const cases: [string, number[]][] = [
    [
      'lists.pth',
      [0x80, 2, ...new Array<number>(N).fill(0x5d), ...new Array<number>(N - 1).fill(0x61), 0x2e],
    ],
    ['tuples.pth', [0x80, 2, 0x29, ...new Array<number>(N).fill(0x85), 0x2e]],
    ['marks.pth', [0x80, 2, ...new Array<number>(N).fill(0x28), ...new Array<number>(N).fill(0x6c), 0x2e]],
    [
      'appends.pth',
      [0x80, 2, 0x7d, ...enc('w'), 0x5d, 0x28, ...new Array<number>(2 * N).fill(0x4e), 0x65, 0x73, 0x2e],
    ],
  ];
  for (const [name, pickle] of cases) {
    assert.throws(
      () => parseTorchCheckpoint(pth(pickle), name),
      (e) => assertOneSentence(e, FileFormatError, name, 'not a state dict of tensors'),
    );
  }
});

test('pickle: an OrderedDict built from non-pairs is a FileFormatError', () => {
  const global = [0x63, ...Buffer.from('collections\nOrderedDict\n')];
  const pickle = [0x80, 2, ...global, 0x5d, 0x28, 0x4b, 1, 0x4b, 2, 0x65, 0x85, 0x52, 0x2e];
  assert.throws(
    () => parseTorchCheckpoint(pth(pickle), 'od.pth'),
    (e) =>
      assertOneSentence(
        e,
        FileFormatError,
        'od.pth',
        'OrderedDict built from something other than (key, value) pairs',
      ),
  );
});

test('pickle: a 256 KiB LONG4 integer decodes exactly (in linear time)', () => {
  const n = 256 * 1024;
  const long4 = (bytes: Uint8Array) => {
    const pickle = new Uint8Array(8 + n);
    pickle.set([0x80, 2, 0x8b]);
    new DataView(pickle.buffer).setUint32(3, n, true);
    pickle.set(bytes, 7);
    pickle[7 + n] = 0x2e;
    return unpickle(pickle, 'long.pkl', { globals: {} });
  };
  const one = new Uint8Array(n);
  one[0] = 1;
  assert.equal(long4(one), 1);
  const minimum = new Uint8Array(n);
  minimum[n - 1] = 0x80;
  assert.equal(long4(minimum), -(1n << BigInt(8 * n - 1)));
  const pattern = new Uint8Array(n).fill(0xab);
  pattern[n - 1] = 0x7f;
  const v = long4(pattern) as bigint;
  assert.equal(v.toString(16), `7f${'ab'.repeat(n - 1)}`);
});

test('torch: an expand()ed view is copied within budget; a 765-byte file naming 1 GiB of it is refused', (t) => {
  const small = loadWeightsFile(join(FIXTURES, 'expanded.pth'));
  assert.deepEqual([...small.get('w')!.shape], [4, 3]);
  assert.deepEqual([...small.get('w')!.data], [0, 1, 2, 0, 1, 2, 0, 1, 2, 0, 1, 2]);
  assertRefusedSmall(
    t,
    'io/weights/index.js',
    'loadWeightsFile',
    join(FIXTURES, 'expanded_1gib.pth'),
    /tensor views copy 268435456 elements out of storages holding 1; overlapping \(zero-stride\) views may add at most 16777216/,
  );
});

// ---------------------------------------------------------------------------------------------
// IDX
// ---------------------------------------------------------------------------------------------

test('IDX: a 1 MB gzip label file inflating to 1 GiB is refused at the size its header declares', (t) => {
  const header = Uint8Array.from([0, 0, 8, 1, 0, 0, 0, 10]);
  const path = writeTmp('labels-idx1-ubyte.gz', gzipFrame(zerosDeflateRaw(1024, header)));
  assertRefusedSmall(
    t,
    'data/idx.js',
    'readIdx',
    path,
    /gzip data inflates beyond the 18 bytes its IDX header declares/,
  );
  const exact = writeTmp(
    'ok-idx1-ubyte.gz',
    zlib.gzipSync(Buffer.concat([header, Buffer.from([...Array(10).keys()])])),
  );
  assert.deepEqual([...readIdx(exact, 1).data], [...Array(10).keys()]);
});

// ---------------------------------------------------------------------------------------------
// safetensors
// ---------------------------------------------------------------------------------------------

/** A safetensors file from header text and data. */
function st(header: string, data: Uint8Array = new Uint8Array(0)): Buffer {
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(Buffer.byteLength(header)));
  return Buffer.concat([len, Buffer.from(header), data]);
}

const bytes = (...values: number[]) => Uint8Array.from(values);
const latin1 = (s: string) => Buffer.from(s, 'latin1');
const TEST_I32 = '{"test":{"dtype":"I32","shape":[2,2],"data_offsets":[0,16]}}';

test("safetensors: the reference reader's own test vectors get the same verdicts", () => {
  const accepted: [string, Uint8Array, string[], number[][]][] = [
    [
      'zero_sized',
      latin1('<\0\0\0\0\0\0\0{"test":{"dtype":"I32","shape":[2,0],"data_offsets":[0, 0]}}'),
      ['test'],
      [[2, 0]],
    ],
    ['whitespace_padded', latin1('\x06\0\0\0\0\0\0\0{}\x0D\x20\x09\x0A'), [], []],
    ['whitespace_leading', latin1('\x06\0\0\0\0\0\0\0\x09\x0A{}\x0D\x20'), [], []],
    ['i32', latin1(`<\0\0\0\0\0\0\0${TEST_I32}${'\0'.repeat(16)}`), ['test'], [[2, 2]]],
  ];
  for (const [name, file, keys, shapes] of accepted) {
    const m = parseSafetensors(file, name);
    assert.deepEqual([...m.keys()], keys, name);
    assert.deepEqual(
      [...m.values()].map((t) => [...t.shape]),
      shapes,
      name,
    );
  }
  const refused: [string, Uint8Array, RegExp][] = [
    [
      'polyglot',
      latin1(`<\0\0\0\0\0\0\0${TEST_I32}${'\0'.repeat(16)}extra_bogus_data_for_polyglot_file`),
      /34 trailing bytes/,
    ],
    ['missing_2', latin1(`<\0\0\0\0\0\0\0${TEST_I32}${'\0'.repeat(14)}`), /outside the data section/],
    [
      'too_large',
      latin1(`<\0\0\0\0\xff\xff\xff${TEST_I32}${'\0'.repeat(16)}`),
      /implausible \(limit 100 MB\)/,
    ],
    ['too_small', bytes(), /too short/],
    ['bad_length', latin1('<\0\0\0\0\0\0\0'), /exceeds the file size/],
    ['non_utf8', bytes(1, 0, 0, 0, 0, 0, 0, 0, 0xff), /not valid JSON/],
    ['not_json', latin1('\x01\0\0\0\0\0\0\0{'), /not valid JSON/],
    [
      'invalid_info',
      latin1('<\0\0\0\0\0\0\0{"test":{"dtype":"I32","shape":[2,2],"data_offsets":[0, 4]}}'),
      /outside the data section/,
    ],
    [
      'overflow',
      latin1(
        `O\0\0\0\0\0\0\0{"test":{"dtype":"I32","shape":[2,18446744073709551614],"data_offsets":[0,16]}}${'\0'.repeat(16)}`,
      ),
      /invalid shape/,
    ],
  ];
  for (const [name, file, pattern] of refused) {
    assert.throws(
      () => parseSafetensors(file, `${name}.safetensors`),
      (e) =>
        assertOneSentence(e, FileFormatError, `${name}.safetensors`) && pattern.test((e as Error).message),
      name,
    );
  }
});

test('safetensors: our writer emits byte for byte what the reference serialize() writes, and reads it back', () => {
  const f32 = Float32Array.from([0, 1, 2, 3, 4, 5]);
  const cases: [Map<string, Tensor>, Record<string, string> | undefined, number[]][] = [
    // safetensors/src/tensor.rs test_serialization, test_serialization_forced_alignement, test_empty.
    [
      new Map([['attn.0', new Tensor(f32, [1, 2, 3])]]),
      undefined,
      [
        64,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        ...Buffer.from('{"attn.0":{"dtype":"F32","shape":[1,2,3],"data_offsets":[0,24]}}'),
        0,
        0,
        0,
        0,
        0,
        0,
        128,
        63,
        0,
        0,
        0,
        64,
        0,
        0,
        64,
        64,
        0,
        0,
        128,
        64,
        0,
        0,
        160,
        64,
      ],
    ],
    [
      new Map([['attn0', new Tensor(f32, [1, 1, 2, 3])]]),
      undefined,
      [
        72,
        0,
        0,
        0,
        0,
        0,
        0,
        0,
        ...Buffer.from('{"attn0":{"dtype":"F32","shape":[1,1,2,3],"data_offsets":[0,24]}}       '),
        0,
        0,
        0,
        0,
        0,
        0,
        128,
        63,
        0,
        0,
        0,
        64,
        0,
        0,
        64,
        64,
        0,
        0,
        128,
        64,
        0,
        0,
        160,
        64,
      ],
    ],
    [new Map(), undefined, [8, 0, 0, 0, 0, 0, 0, 0, 123, 125, 32, 32, 32, 32, 32, 32]],
    [
      new Map(),
      { framework: 'pt' },
      [40, 0, 0, 0, 0, 0, 0, 0, ...Buffer.from('{"__metadata__":{"framework":"pt"}}     ')],
    ],
  ];
  for (const [tensors, metadata, reference] of cases) {
    const path = join(tmp(), 'ref.safetensors');
    writeSafetensors(path, tensors, metadata);
    assert.deepEqual([...readFileSync(path)], reference);
    const back = parseSafetensors(Uint8Array.from(reference), 'ref.safetensors');
    assert.deepEqual([...back.keys()], [...tensors.keys()]);
    for (const [k, t] of tensors) assert.deepEqual([...back.get(k)!.data], [...t.data], k);
  }
});

test('safetensors: duplicate keys, trailing bytes, gaps and deep nesting are refused; empty tensors are fine anywhere', () => {
  const entry = (dtype: string, shape: number[], begin: number, end: number) =>
    `{"dtype":"${dtype}","shape":${JSON.stringify(shape)},"data_offsets":[${begin},${end}]}`;
  const eight = new Uint8Array(8);
  const refused: [string, Buffer, string][] = [
    [
      'duplicate',
      st(`{"a":${entry('F32', [1], 0, 4)},"a":${entry('F32', [1], 4, 8)}}`, eight),
      'duplicate key "a"',
    ],
    [
      'duplicate_metadata',
      st(`{"__metadata__":{},"__metadata__":{},"a":${entry('F32', [2], 0, 8)}}`, eight),
      'duplicate key "__metadata__"',
    ],
    ['trailing', st(`{"a":${entry('F32', [1], 0, 4)}}`, eight), '4 trailing bytes'],
    [
      'gap',
      st(`{"a":${entry('F32', [1], 0, 4)},"b":${entry('U8', [0], 6, 6)}}`, new Uint8Array(6)),
      "tensor 'b' starts at data offset 6 but the tensors before it end at 4",
    ],
    [
      'nested',
      st(`{"a":${entry('F32', [2], 0, 8).slice(0, -1)},"x":${'['.repeat(126)}${']'.repeat(126)}}}`, eight),
      'nesting deeper than 127 levels',
    ],
    [
      'very_nested',
      st(`{"a":${'['.repeat(100_000)}${']'.repeat(100_000)}}`),
      'nesting deeper than 127 levels',
    ],
  ];
  for (const [name, file, what] of refused) {
    assert.throws(
      () => parseSafetensors(file, `${name}.safetensors`),
      (e) => assertOneSentence(e, FileFormatError, `${name}.safetensors`, what),
      name,
    );
  }
  // 125 levels inside the entry (127 in all) are within serde_json's limit, as in the reference.
  const deepest = st(
    `{"a":${entry('F32', [2], 0, 8).slice(0, -1)},"x":${'['.repeat(125)}${']'.repeat(125)}}}`,
    eight,
  );
  assert.deepEqual([...parseSafetensors(deepest, 'deepest').keys()], ['a']);
  // 0-byte tensors at offset 0, between tensors and at the end, in any header order.
  const empties = st(
    `{"z":${entry('F32', [0, 3], 8, 8)},"b":${entry('F32', [1], 4, 8)},"e":${entry('I64', [0], 0, 0)},"a":${entry('F32', [1], 0, 4)},"m":${entry('U8', [2, 0], 4, 4)}}`,
    Buffer.from(Float32Array.from([1.5, -2]).buffer),
  );
  const m = parseSafetensors(empties, 'empties');
  assert.deepEqual([...m.keys()], ['z', 'b', 'e', 'a', 'm']);
  assert.deepEqual([...m.get('a')!.data, ...m.get('b')!.data], [1.5, -2]);
  assert.deepEqual([...m.get('z')!.shape, ...m.get('m')!.shape], [0, 3, 2, 0]);
  assert.deepEqual(
    parseJson('{"__proto__": [1, {"a": null}]}'),
    new Map([['__proto__', [1, new Map([['a', null]])]]]),
  );
});

// ---------------------------------------------------------------------------------------------
// Non-finite weights and outputs
// ---------------------------------------------------------------------------------------------

test('weights holding NaN or ±Inf are refused naming the first such tensor, unless allowNonFinite', () => {
  const tensors = new Map([
    ['conv1.weight', Tensor.from([0.5, -1, Infinity, 2], [1, 1, 2, 2])],
    ['fc.weight', Tensor.from([NaN, 1], [1, 2])],
  ]);
  for (const name of ['inf.safetensors', 'inf.pth']) {
    const path = join(tmp(), name);
    saveWeightsFile(path, tensors);
    assert.throws(
      () => loadWeightsFile(path),
      (e) =>
        assertOneSentence(
          e,
          FileFormatError,
          path,
          "tensor 'conv1.weight' is not finite (Infinity at element 2)",
          'allowNonFinite',
        ),
    );
    const loaded = loadWeightsFile(path, { allowNonFinite: true });
    assert.ok(Number.isNaN(loaded.get('fc.weight')!.data[0]));
    if (name.endsWith('.safetensors'))
      assert.throws(
        () => checkFiniteWeightsFile(path),
        (e) =>
          assertOneSentence(
            e,
            FileFormatError,
            path,
            "tensor 'conv1.weight' is not finite (Infinity at element 2)",
          ),
      );
  }
});

test('classify: a non-finite output is an error naming the image, not "NaN%"; the CLI refuses NaN weights', async () => {
  const model = resnet('resnet18', { numClasses: 4, init: 'none' });
  const sd = ruleStateDict(model);
  sd.get('fc.bias')!.data[1] = NaN;
  model.loadStateDict(sd);
  const small = join(tmp(), 'small.png');
  writePng(small, { width: 32, height: 32, data: new Uint8Array(32 * 32 * 3).fill(100) });
  await assert.rejects(
    classifyFiles(createRunner(model, { backend: 'js' }), [small], {
      preset: 'none',
      labels: ['a', 'b', 'c', 'd'],
    }),
    (e) => assertOneSentence(e, UserError, small, "the model's output is not finite (NaN at element 1)"),
  );

  const image = join(IMAGES, 'chelsea.png');
  const weights = join(tmp(), 'nan.safetensors');
  saveWeightsFile(weights, sd);
  const args = ['classify', image, '--arch', 'resnet18', '--weights', weights];
  for (const backend of ['native', 'js']) {
    const refused = runCli([...args, '--backend', backend]);
    assert.notEqual(refused.status, 0);
    assert.match(
      refused.stderr,
      /^resnet50: \S+nan\.safetensors: tensor 'fc\.bias' is not finite \(NaN at element 1\); [^\n]*\.\n$/,
    );
  }
  const allowed = runCli([...args, '--allow-nonfinite']);
  assert.notEqual(allowed.status, 0);
  assert.match(
    allowed.stderr,
    /^resnet50: \S+chelsea\.png: the model's output is not finite \(NaN at element 1\)\.\n$/,
  );
  assert.doesNotMatch(allowed.stdout, /NaN/);
});
