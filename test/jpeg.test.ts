/**
 * JPEG decoding against PIL 9.4 / libjpeg-turbo 2.1.5 goldens written by test/fixtures/gen_jpeg.py:
 * every file must decode to exactly PIL's `Image.open(f).convert('RGB')` pixels, and damaged or
 * unsupported files must fail with a one-sentence FileFormatError naming the file.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { FileFormatError, UserError } from '../src/errors.js';
import { decodeImage, readImage } from '../src/io/image.js';
import { DEFAULT_MAX_IMAGE_PIXELS, getMaxImagePixels, setMaxImagePixels } from '../src/io/image_limits.js';
import { REPO } from './helpers/cli.js';

const fixtures = path.join(REPO, 'test/fixtures/jpeg');

interface Golden {
  file: string;
  category: string;
  pil_mode: string;
  width: number;
  height: number;
  expected: string;
}

const goldens = (JSON.parse(readFileSync(path.join(fixtures, 'goldens.json'), 'utf8')) as { files: Golden[] })
  .files;

function fixture(name: string): Uint8Array {
  return readFileSync(path.join(fixtures, name));
}

test('every golden JPEG decodes exactly like PIL (max |ours - PIL| per category)', (t) => {
  const worst = new Map<string, number>();
  const failures: string[] = [];
  for (const g of goldens) {
    const ours = readImage(path.join(fixtures, g.file));
    const pil = readImage(path.join(fixtures, g.expected));
    assert.deepEqual([ours.width, ours.height], [g.width, g.height], `${g.file}: size`);
    let max = 0;
    for (let i = 0; i < ours.data.length; i++) max = Math.max(max, Math.abs(ours.data[i] - pil.data[i]));
    worst.set(g.category, Math.max(worst.get(g.category) ?? 0, max));
    if (max > 0)
      failures.push(`${g.file} (${g.category}, PIL mode ${g.pil_mode}): max |ours - PIL| = ${max}`);
  }
  for (const [category, max] of worst) {
    const n = goldens.filter((g) => g.category === category).length;
    t.diagnostic(`${category}: ${n} files, max |ours - PIL| = ${max}`);
  }
  assert.deepEqual(failures, []);
  assert.deepEqual([...worst.keys()].sort(), [
    'baseline',
    'cmyk',
    'colorspace',
    'damaged',
    'gray',
    'markers',
    'optimized',
    'progressive',
    'restart',
    'sampling',
    'scans',
    'smoothing',
    'tiny',
  ]);
});

/** Marker segments before the first scan: [marker code, start offset, end offset]. */
function headerSegments(bytes: Uint8Array): [number, number, number][] {
  const out: [number, number, number][] = [];
  for (let pos = 2; bytes[pos + 1] !== 0xda;) {
    const end = pos + 2 + ((bytes[pos + 2] << 8) | bytes[pos + 3]);
    out.push([bytes[pos + 1], pos, end]);
    pos = end;
  }
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  return Uint8Array.from(parts.flatMap((p) => [...p]));
}

const EOI = Uint8Array.of(0xff, 0xd9);

/** The file's headers up to (not including) its first scan. */
function headers(bytes: Uint8Array): Uint8Array {
  const segs = headerSegments(bytes);
  return bytes.subarray(0, segs[segs.length - 1][2]);
}

/** A copy with the frame header declaring width x height. */
function withFrameSize(bytes: Uint8Array, width: number, height: number): Uint8Array {
  const copy = bytes.slice();
  const [, start] = headerSegments(bytes).find(([code]) => code === 0xc0 || code === 0xc2) ?? [0, 0];
  copy.set([height >> 8, height & 255, width >> 8, width & 255], start + 5);
  return copy;
}

function assertRefused(bytes: Uint8Array, name: string, reason: RegExp): void {
  assert.throws(
    () => decodeImage(bytes, name),
    (err: unknown) => {
      assert.ok(err instanceof FileFormatError, `${name}: ${String(err)}`);
      assert.ok(err.message.startsWith(`${name}: `), err.message);
      assert.match(err.message, reason);
      assert.ok(!err.message.includes('\n') && err.message.endsWith('.'), `one sentence: ${err.message}`);
      return true;
    },
  );
}

test('truncated files are refused like PIL refuses them ("image file is truncated")', () => {
  const prog = fixture('b64x64_q95_420_prog.jpg');
  assertRefused(
    prog.subarray(0, Math.floor(prog.length * 0.6)),
    'cut.jpg',
    /invalid or truncated JPEG image \(data ends early/,
  );
  // A progressive file needs its end marker; a baseline one needs data past its scan (as in PIL).
  assertRefused(
    prog.subarray(0, prog.length - 2),
    'no_eoi.jpg',
    /data ends early, inside compressed image data/,
  );
  const padded = concat(prog.subarray(0, prog.length - 2), new Uint8Array(20));
  assertRefused(padded, 'no_eoi.jpg', /data ends early, before the end-of-image marker/);
  const baseline = fixture('b64x64_q95_420.jpg');
  assertRefused(
    baseline.subarray(0, baseline.length - 2),
    'no_eoi.jpg',
    /data ends early, inside compressed image data/,
  );
  assertRefused(baseline.subarray(0, 200), 'cut.jpg', /data ends early/);
});

test('structurally broken files are FileFormatErrors with one sentence', () => {
  const bytes = fixture('a61x47_q50_420.jpg');
  const segs = headerSegments(bytes);
  const [, sofStart, sofEnd] = segs.find(([code]) => code === 0xc0) ?? [0, 0, 0];
  const noFrame = concat(bytes.subarray(0, sofStart), bytes.subarray(sofEnd));
  assertRefused(noFrame, 'noframe.jpg', /a scan comes before the frame header/);
  assertRefused(concat(headers(bytes), EOI), 'headers.jpg', /it has headers but no scan data/);
  assertRefused(headers(bytes), 'headers.jpg', /it ends before any scan data/);
  const [, dhtStart] = segs.find(([code]) => code === 0xc4) ?? [0, 0];
  const badTable = bytes.slice();
  badTable[dhtStart + 5] = 3; // three 1-bit codes cannot exist
  assertRefused(badTable, 'badtable.jpg', /bad Huffman table/);
  const twelveBit = bytes.slice();
  twelveBit[sofStart + 4] = 12;
  assertRefused(
    twelveBit,
    'deep.jpg',
    /unsupported JPEG image \(12-bit samples; PIL reads 8-bit JPEGs only\)/,
  );
  assertRefused(
    fixture('error_arithmetic.jpg'),
    'arith.jpg',
    /unsupported JPEG image \(arithmetic coding; re-encode it with Huffman coding/,
  );
});

test('a huge declared frame is refused at its header, before any scan is decoded', () => {
  const bytes = fixture('a61x47_q50_420.jpg');
  const bomb = concat(headers(withFrameSize(bytes, 65535, 65535)), EOI);
  assert.ok(bomb.length < 1000, `${bomb.length} bytes`);
  const tooMany =
    /65535×65535 = 4294836225 pixels exceeds twice the limit of \d+ pixels \(a possible decompression bomb/;
  assertRefused(bomb, 'bomb.jpg', tooMany);
  // With its scan data present the error is the same: the scan is never reached.
  assertRefused(withFrameSize(bytes, 65535, 65535), 'bomb.jpg', tooMany);
  // Within the pixel cap but over libjpeg's 65500-pixel side.
  assertRefused(
    concat(headers(withFrameSize(bytes, 65535, 8)), EOI),
    'wide.jpg',
    /over libjpeg's limit of 65500/,
  );
});

test('the pixel cap warns above the limit, refuses above twice it, and is configurable', async () => {
  const bytes = fixture('a61x47_q50_420.jpg'); // 61 x 47 = 2867 pixels
  const envLimit = process.env.RESNET50_MAX_IMAGE_PIXELS;
  delete process.env.RESNET50_MAX_IMAGE_PIXELS;
  assert.equal(getMaxImagePixels(), DEFAULT_MAX_IMAGE_PIXELS);
  const warnings: Error[] = [];
  const onWarning = (w: Error) => warnings.push(w);
  process.on('warning', onWarning);
  try {
    setMaxImagePixels(2000);
    assert.equal(decodeImage(bytes, 'warn.jpg').width, 61);
    await new Promise((resolve) => setImmediate(resolve));
    assert.equal(warnings.length, 1);
    assert.equal(warnings[0].name, 'DecompressionBombWarning');
    assert.match(warnings[0].message, /warn\.jpg: image of 61×47 = 2867 pixels exceeds the limit of 2000/);
    setMaxImagePixels(1000);
    assertRefused(bytes, 'big.jpg', /61×47 = 2867 pixels exceeds twice the limit of 1000/);
    setMaxImagePixels(undefined);
    process.env.RESNET50_MAX_IMAGE_PIXELS = '1400';
    assertRefused(bytes, 'big.jpg', /exceeds twice the limit of 1400/);
    process.env.RESNET50_MAX_IMAGE_PIXELS = 'lots';
    assert.throws(
      () => decodeImage(bytes, 'x.jpg'),
      (e: unknown) => e instanceof UserError && /'lots'/.test(e.message),
    );
    assert.throws(() => setMaxImagePixels(-1), UserError);
  } finally {
    process.off('warning', onWarning);
    setMaxImagePixels(undefined);
    if (envLimit === undefined) delete process.env.RESNET50_MAX_IMAGE_PIXELS;
    else process.env.RESNET50_MAX_IMAGE_PIXELS = envLimit;
  }
  assert.equal(decodeImage(bytes, 'ok.jpg').height, 47);
});
