/**
 * The native engine's pixel loop of ToTensor + Normalize (native/src/image/normalize_rgb.cc, what
 * `imageTensor` uses when the engine is built) against the TypeScript loop: the same floats for
 * random pixels with ImageNet's and other means and deviations, odd sizes, a buffer to reuse and a
 * view into a larger buffer; arguments that do not fit refused.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nativeAddon, nativeNormalize } from '../src/backends/native/addon.js';
import { IMAGENET_MEAN, IMAGENET_STD, preprocess, toNormalizedTensor } from '../src/data/transforms.js';
import { imageTensor } from '../src/tasks/input.js';
import { encodePng } from '../src/io/image.js';
import { Rng } from '../src/tensor/random.js';
import { NATIVE_SKIP } from './helpers/native.js';

function randomImage(width: number, height: number, seed: number) {
  const rng = new Rng(seed);
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = Math.floor(rng.uniform() * 256);
  return { width, height, data };
}

/** The first index where two float arrays differ bit for bit, or -1. */
function firstDifference(a: Float32Array, b: Float32Array): number {
  assert.equal(a.length, b.length);
  return a.findIndex((v, i) => !Object.is(v, b[i]));
}

test('native normalize: the same floats as the TypeScript loop', { skip: NATIVE_SKIP }, () => {
  const normalize = nativeNormalize()!;
  const cases: [number, number, readonly number[], readonly number[]][] = [
    [1, 1, IMAGENET_MEAN, IMAGENET_STD],
    [7, 3, IMAGENET_MEAN, IMAGENET_STD],
    [224, 224, IMAGENET_MEAN, IMAGENET_STD],
    [33, 65, [0.5, 0.5, 0.5], [0.5, 0.5, 0.5]],
    [16, 9, [0, 0, 0], [1, 1, 1]],
  ];
  for (const [i, [w, h, mean, std]] of cases.entries()) {
    const img = randomImage(w, h, i + 1);
    const ours = toNormalizedTensor(img, mean, std);
    const native = toNormalizedTensor(img, mean, std, undefined, normalize);
    const at = firstDifference(native.data, ours.data);
    assert.equal(
      at,
      -1,
      `${w}×${h}: value ${at} differs (native ${native.data[at]}, TypeScript ${ours.data[at]})`,
    );
    const reuse = new Float32Array(3 * w * h).fill(Number.NaN);
    const again = toNormalizedTensor(img, mean, std, reuse, normalize);
    assert.equal(again.data, reuse, 'written into the buffer to reuse');
    assert.equal(firstDifference(again.data, ours.data), -1);
  }
  // Pixels that are a view into a larger buffer (a decoded PNG's rows at the start of its scanlines).
  const img = randomImage(20, 10, 9);
  const backing = new Uint8Array(img.data.length + 10);
  backing.set(img.data, 5);
  const view = { ...img, data: backing.subarray(5, 5 + img.data.length) };
  assert.equal(
    firstDifference(
      toNormalizedTensor(view, undefined, undefined, undefined, normalize).data,
      toNormalizedTensor(img).data,
    ),
    -1,
  );
});

test(
  'imageTensor (native normalize and unfilter) equals preprocess with the TypeScript loops',
  { skip: NATIVE_SKIP },
  () => {
    const img = randomImage(230, 240, 3);
    const png = encodePng(img);
    for (const preset of ['none', 'imagenet-v1'] as const) {
      const ours = preprocess(img, preset);
      const native = imageTensor({ name: 'random.png', bytes: png }, preset);
      assert.deepEqual(native.shape, ours.shape);
      assert.equal(firstDifference(native.data, ours.data), -1, preset);
    }
  },
);

test('normalizeRgb refuses arguments that do not fit', { skip: NATIVE_SKIP }, () => {
  const addon = nativeAddon()!;
  const tables = new Float32Array(768);
  addon.normalizeRgb(new Uint8Array(6), tables, new Float32Array(6));
  assert.throws(
    () => addon.normalizeRgb(new Uint8Array(6), new Float32Array(767), new Float32Array(6)),
    /3 × 256/,
  );
  assert.throws(
    () => addon.normalizeRgb(new Uint8Array(6), tables, new Float32Array(5)),
    /one value per byte/,
  );
  assert.throws(() => addon.normalizeRgb(new Uint8Array(4), tables, new Float32Array(4)), /whole pixels/);
  assert.throws(
    () => addon.normalizeRgb(new Float32Array(6) as unknown as Uint8Array, tables, new Float32Array(6)),
    /rgb must be a Uint8Array/,
  );
  assert.throws(
    () => addon.normalizeRgb(new Uint8Array(6), tables, new Uint8Array(6) as unknown as Float32Array),
    /out must be a Float32Array/,
  );
});
