/**
 * Image decoding and preprocessing against PIL / torchvision 0.14 goldens written by
 * test/fixtures/gen_preprocess.py: 8-bit pixels must match exactly, normalized tensors within 1e-6.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { FileFormatError, ShapeError } from '../src/errors.js';
import { readImage, writePng, type RgbImage } from '../src/io/image.js';
import {
  IMAGENET_MEAN,
  IMAGENET_STD,
  PRESETS,
  batchTensors,
  centerCrop,
  preprocess,
  resizePil,
  resizeShorter,
  toNormalizedTensor,
} from '../src/data/transforms.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const fixtures = path.join(repoRoot, 'test/fixtures/preprocess');
const images = path.join(repoRoot, 'test/fixtures/images');

/**
 * Largest |ours - PIL| per sample. JPEGs, baseline and progressive, are decoded exactly like
 * libjpeg-turbo (ISLOW IDCT, fancy upsampling, colour tables; test/jpeg.test.ts covers the rest).
 */
const JPEG_MAX_DIFF = 0;

interface ImageCase {
  name: string;
  source: string;
  op: 'preset' | 'resize' | 'shorter' | 'crop';
  preset?: 'imagenet-v1' | 'imagenet-v2';
  size?: number | [number, number];
  width: number;
  height: number;
  sha256: string;
  png?: string;
  resized?: [number, number];
  resized_sha256?: string;
}

interface Goldens {
  decodes: { file: string; pil_mode: string; width: number; height: number; sha256: string }[];
  cases: ImageCase[];
  tensors: Record<string, { file: string; shape: number[]; stride?: number }>;
}

const goldens = JSON.parse(readFileSync(path.join(fixtures, 'goldens.json'), 'utf8')) as Goldens;

function sha256(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length, 'length mismatch');
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

function readF32(file: string): Float32Array {
  const buf = readFileSync(path.join(fixtures, file));
  return new Float32Array(buf.buffer.slice(buf.byteOffset, buf.byteOffset + buf.byteLength));
}

/** Checks an image against a golden case: size, exact bytes (max abs error shown on mismatch). */
function assertMatchesCase(actual: RgbImage, c: ImageCase): void {
  assert.deepEqual([actual.width, actual.height], [c.width, c.height], `${c.name}: size`);
  if (c.png !== undefined) {
    const expected = readImage(path.join(fixtures, c.png));
    const err = maxAbsDiff(actual.data, expected.data);
    assert.equal(err, 0, `${c.name}: max abs pixel error ${err}`);
  }
  assert.equal(sha256(actual.data), c.sha256, `${c.name}: pixels differ from torchvision`);
}

function sourceImage(source: string): RgbImage {
  if (source === 'shorter:64') return resizeShorter(readImage(path.join(fixtures, 'small.png')), 64);
  return readImage(path.resolve(repoRoot, source));
}

test('decodes every PNG colour type / bit depth and JPEG layout like PIL convert("RGB")', (t) => {
  for (const d of goldens.decodes) {
    const img = readImage(path.join(fixtures, d.file));
    const expected = readFileSync(path.join(fixtures, d.file.replace(/\.(png|jpg)$/, '.rgb.bin')));
    assert.deepEqual([img.width, img.height], [d.width, d.height], d.file);
    const err = maxAbsDiff(img.data, expected);
    if (d.file.endsWith('.jpg')) t.diagnostic(`${d.file}: max |ours - PIL| = ${err}`);
    assert.ok(err <= JPEG_MAX_DIFF, `${d.file} (PIL mode ${d.pil_mode}): max abs pixel error ${err}`);
  }
});

test('Resize + CenterCrop presets match torchvision on all photos', () => {
  for (const c of goldens.cases.filter((x) => x.op === 'preset')) {
    const preset = PRESETS[c.preset ?? 'imagenet-v1'];
    const resized = resizeShorter(sourceImage(c.source), preset.resize);
    assert.deepEqual([resized.width, resized.height], c.resized, `${c.name}: resized size`);
    assert.equal(sha256(resized.data), c.resized_sha256, `${c.name}: resized pixels differ`);
    assertMatchesCase(centerCrop(resized, preset.crop), c);
  }
});

test('direct resizes (down, up, one axis only) match Pillow', () => {
  for (const c of goldens.cases.filter((x) => x.op === 'resize')) {
    const [w, h] = c.size as [number, number];
    assertMatchesCase(resizePil(sourceImage(c.source), w, h), c);
  }
});

test('upscaling Resize(64) of a 20x30 image matches torchvision', () => {
  for (const c of goldens.cases.filter((x) => x.op === 'shorter')) {
    assertMatchesCase(resizeShorter(sourceImage(c.source), c.size as number), c);
  }
});

test('CenterCrop offsets (round half to even) and zero padding match torchvision', () => {
  for (const c of goldens.cases.filter((x) => x.op === 'crop')) {
    assertMatchesCase(centerCrop(sourceImage(c.source), c.size as number), c);
  }
});

test('ToTensor + Normalize equals torch float32 for every 8-bit level', () => {
  const data = new Uint8Array(256 * 3);
  for (let v = 0; v < 256; v++) data.fill(v, v * 3, v * 3 + 3);
  const ours = toNormalizedTensor({ width: 256, height: 1, data }, IMAGENET_MEAN, IMAGENET_STD);
  const expected = readF32(goldens.tensors.normalize_levels.file);
  assert.deepEqual(ours.shape, [1, ...goldens.tensors.normalize_levels.shape]);
  const err = maxAbsDiff(ours.data, expected);
  assert.ok(err <= 1e-6, `max abs error ${err}`);
});

test('full imagenet-v1 pipeline on chelsea equals torch within 1e-6', () => {
  const { file, shape, stride = 1 } = goldens.tensors.chelsea_v1_stride16;
  const ours = preprocess(readImage(path.join(images, 'chelsea.png')), 'imagenet-v1');
  assert.deepEqual(ours.shape, [1, ...shape]);
  const sampled = ours.data.filter((_, i) => i % stride === 0);
  const err = maxAbsDiff(sampled, readF32(file));
  assert.ok(err <= 1e-6, `max abs error ${err}`);
});

test('preset "none" only normalizes (no resize or crop)', () => {
  const { file, shape } = goldens.tensors.small_none;
  const ours = preprocess(readImage(path.join(fixtures, 'small.png')), 'none');
  assert.deepEqual(ours.shape, [1, ...shape]);
  const err = maxAbsDiff(ours.data, readF32(file));
  assert.ok(err <= 1e-6, `max abs error ${err}`);
});

test('preprocess output is (1, 3, 224, 224) for both ImageNet presets', () => {
  const img = readImage(path.join(images, 'coffee.png'));
  for (const name of ['imagenet-v1', 'imagenet-v2'] as const) {
    const t = preprocess(img, name);
    assert.deepEqual(t.shape, [1, 3, 224, 224]);
    const crop = centerCrop(resizeShorter(img, PRESETS[name].resize), 224);
    assert.equal(maxAbsDiff(t.data, toNormalizedTensor(crop, IMAGENET_MEAN, IMAGENET_STD).data), 0);
  }
});

test('rocket.jpg decode vs PIL (libjpeg-turbo)', (t) => {
  const ours = readImage(path.join(images, 'rocket.jpg'));
  const pil = readImage(path.join(fixtures, 'rocket_pil.png'));
  assert.deepEqual([ours.width, ours.height], [pil.width, pil.height]);
  const err = maxAbsDiff(ours.data, pil.data);
  t.diagnostic(`rocket.jpg: max |ours - PIL| = ${err} levels (target <= 1, asserted <= ${JPEG_MAX_DIFF})`);
  assert.ok(err <= JPEG_MAX_DIFF, `max abs pixel error ${err}`);
  for (const c of goldens.cases.filter((x) => x.name.startsWith('rocket_imagenet'))) {
    const preset = PRESETS[c.preset ?? 'imagenet-v1'];
    const crop = centerCrop(resizeShorter(ours, preset.resize), preset.crop);
    const expected = readImage(path.join(fixtures, c.png ?? ''));
    const cropErr = maxAbsDiff(crop.data, expected.data);
    t.diagnostic(`${c.name}: max pixel error after resize/crop = ${cropErr}`);
    assert.ok(cropErr <= JPEG_MAX_DIFF, `${c.name}: max abs pixel error ${cropErr}`);
  }
});

test('readImage rejects bad files with a FileFormatError naming the file', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'preprocess-test-'));
  try {
    const empty = path.join(dir, 'empty.png');
    writeFileSync(empty, '');
    const text = path.join(dir, 'photo.png');
    writeFileSync(text, 'hello world\n');
    const bad = [path.join(dir, 'missing.png'), dir, empty, text, path.join(images, 'truncated.jpg')];
    for (const file of bad) {
      assert.throws(
        () => readImage(file),
        (err: unknown) =>
          err instanceof FileFormatError && err.message.includes(file) && !err.message.includes('\n'),
        file,
      );
    }
    // The truncated fixture must fail for being truncated, not for being missing.
    assert.throws(() => readImage(path.join(images, 'truncated.jpg')), /invalid or truncated JPEG/);
    assert.throws(() => readImage(text), /photo\.png: not a PNG or JPEG image \(starts with "hello wo"\)/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('writePng round-trips through readImage', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'preprocess-test-'));
  try {
    const img = readImage(path.join(fixtures, 'rgba.png'));
    const file = path.join(dir, 'out.png');
    writePng(file, img);
    assert.deepEqual(readImage(file), img);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('resizePil to the same size copies; batchTensors stacks and checks sizes', () => {
  const img = readImage(path.join(fixtures, 'small.png'));
  const same = resizePil(img, img.width, img.height);
  assert.notEqual(same.data, img.data);
  assert.deepEqual(same, img);

  const a = toNormalizedTensor(img);
  const b = toNormalizedTensor(resizePil(img, 30, 20));
  const batch = batchTensors([a, a]);
  assert.deepEqual(batch.shape, [2, 3, 30, 20]);
  assert.deepEqual(batch.data.subarray(a.size), a.data);
  assert.throws(() => batchTensors([a, b]), ShapeError);
  assert.throws(() => batchTensors([]), ShapeError);
});

test('a buffer given to reuse is filled when its size fits and ignored when not', () => {
  const img = readImage(path.join(fixtures, 'small.png'));
  const fresh = toNormalizedTensor(img);
  const spare = new Float32Array(fresh.size).fill(Number.NaN);
  const reused = toNormalizedTensor(img, IMAGENET_MEAN, IMAGENET_STD, spare);
  assert.equal(reused.data, spare, 'the tensor is written into the spare buffer');
  assert.deepEqual(reused.data, fresh.data);
  const wrong = new Float32Array(fresh.size - 1);
  assert.notEqual(toNormalizedTensor(img, IMAGENET_MEAN, IMAGENET_STD, wrong).data, wrong);
  assert.equal(preprocess(img, 'none', spare.fill(0)).data, spare);
  assert.deepEqual(spare, fresh.data);
});
