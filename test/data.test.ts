/**
 * Training data pipeline: IDX reading (Fashion-MNIST values checked against Python's gzip + numpy),
 * corrupt IDX files, ImageFolder scanning, seeded augmentation, and the DataLoader (seeded
 * per-epoch shuffles, resumable epochs, identical batches with 0 or 1 workers, prefetching).
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, unlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { gzipSync } from 'node:zlib';
import { after, describe, test } from 'node:test';
import { FileFormatError, UserError } from '../src/errors.js';
import { encodePng, type RgbImage } from '../src/io/image.js';
import { Rng } from '../src/tensor/random.js';
import {
  applyTransform,
  grayToRgb,
  horizontalFlip,
  randomHorizontalFlip,
  randomPaddedCrop,
  randomResizedCrop,
  validateTransform,
  randomResizedCropBox,
  resize,
  type TrainTransform,
} from '../src/data/augment.js';
import { FASHION_MNIST_CLASSES, readIdx, readIdxDataset } from '../src/data/idx.js';
import { scanImageFolder } from '../src/data/image_folder.js';
import { DataLoader, epochOrder, openDataset, type Batch, type Dataset } from '../src/data/loader.js';
import { resizePil, toNormalizedTensor } from '../src/data/transforms.js';
import { resolveData } from '../src/train/trainer.js';
import { FASHION_MNIST } from './helpers/cli.js';

const FASHION = FASHION_MNIST;
const tmp = mkdtempSync(join(tmpdir(), 'resnet50-data-'));
after(() => rmSync(tmp, { recursive: true, force: true }));

/** A deterministic test image whose pixels encode their position. */
function pattern(width: number, height: number, salt = 0): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < data.length; i++) data[i] = (i * 7 + salt * 31 + ((i / 3) | 0)) & 255;
  return { width, height, data };
}

function idxBytes(magicDims: number, dims: number[], payload: Uint8Array): Uint8Array {
  const header = Buffer.alloc(4 + 4 * dims.length);
  header[2] = 0x08;
  header[3] = magicDims;
  dims.forEach((d, i) => header.writeUInt32BE(d, 4 + 4 * i));
  return Buffer.concat([header, payload]);
}

async function collect(loader: DataLoader, epoch: number, start = 0): Promise<Batch[]> {
  const out: Batch[] = [];
  for await (const b of loader.batches(epoch, start)) out.push(b);
  return out;
}

describe('IDX', () => {
  test('reads the Fashion-MNIST test slice (values from Python gzip + struct)', () => {
    const ds = readIdxDataset(FASHION, 'test');
    assert.equal(ds.count, 512);
    assert.equal(ds.height, 28);
    assert.equal(ds.width, 28);
    assert.equal(ds.images.length, 512 * 28 * 28);
    assert.deepEqual(Array.from(ds.labels.subarray(0, 10)), [9, 2, 1, 1, 6, 1, 4, 6, 5, 7]);
    let total = 0;
    for (const v of ds.images) total += v;
    assert.equal(total, 30331366);
    let first = 0;
    for (const v of ds.images.subarray(0, 784)) first += v;
    assert.equal(first, 33456);
    assert.deepEqual(
      Array.from(ds.images.subarray(14 * 28, 15 * 28)),
      [
        0, 0, 0, 0, 0, 0, 2, 4, 1, 0, 0, 0, 98, 136, 110, 109, 110, 162, 135, 144, 149, 159, 167, 144, 158,
        169, 119, 0,
      ],
    );
    const counts = new Array<number>(10).fill(0);
    for (const l of ds.labels) counts[l]++;
    assert.deepEqual(counts, [56, 53, 71, 46, 58, 40, 47, 48, 45, 48]);
    assert.equal(FASHION_MNIST_CLASSES.length, 10);
    assert.equal(FASHION_MNIST_CLASSES[9], 'Ankle boot');
  });

  test('raw and gzipped files read the same; split file names are found', () => {
    const dir = join(tmp, 'idx-raw');
    mkdirSync(dir);
    const pixels = Uint8Array.from({ length: 3 * 4 * 5 }, (_, i) => i);
    writeFileSync(join(dir, 'train-images-idx3-ubyte'), idxBytes(3, [3, 4, 5], pixels));
    writeFileSync(
      join(dir, 'train-labels-idx1-ubyte.gz'),
      gzipSync(idxBytes(1, [3], Uint8Array.of(2, 0, 1))),
    );
    const ds = readIdxDataset(dir, 'train');
    assert.deepEqual([ds.count, ds.height, ds.width], [3, 4, 5]);
    assert.deepEqual(Array.from(ds.images), Array.from(pixels));
    assert.deepEqual(Array.from(ds.labels), [2, 0, 1]);
    assert.throws(
      () => readIdxDataset(dir, 'test'),
      (e: Error) => e instanceof UserError && e.message.includes(dir),
    );
  });

  test('corrupt, truncated and mismatched files are FileFormatErrors naming the file', () => {
    const cases: [string, Uint8Array | Buffer, RegExp][] = [
      ['bad-magic', Buffer.from([1, 2, 3, 4, 0, 0, 0, 0]), /bad magic/],
      ['short', Buffer.from([0, 0]), /too short/],
      ['float', Buffer.from([0, 0, 0x0d, 1, 0, 0, 0, 0]), /element type 0x0d/],
      ['labels-as-images', idxBytes(1, [4], Uint8Array.of(1, 2, 3, 4)), /1 dimensions, expected 3/],
      ['truncated-header', idxBytes(3, [2, 2, 2], new Uint8Array(8)).subarray(0, 10), /truncated IDX header/],
      ['truncated', idxBytes(3, [2, 28, 28], new Uint8Array(1000)), /truncated.*need 1568 bytes, found 1000/],
      ['trailing', idxBytes(3, [1, 2, 2], new Uint8Array(5)), /trailing bytes/],
      ['bad.gz', gzipSync(idxBytes(3, [1, 2, 2], new Uint8Array(4))).subarray(0, 12), /corrupt gzip/],
    ];
    for (const [name, bytes, pattern] of cases) {
      const file = join(tmp, name);
      writeFileSync(file, bytes);
      assert.throws(
        () => readIdx(file, 3),
        (e: Error) => e instanceof FileFormatError && e.message.startsWith(file) && pattern.test(e.message),
        name,
      );
    }
    assert.throws(() => readIdx(join(tmp, 'nope.gz')), /nope\.gz: file not found/);

    const dir = join(tmp, 'idx-mismatch');
    mkdirSync(dir);
    writeFileSync(join(dir, 't10k-images-idx3-ubyte'), idxBytes(3, [2, 1, 1], Uint8Array.of(5, 6)));
    writeFileSync(join(dir, 't10k-labels-idx1-ubyte'), idxBytes(1, [3], Uint8Array.of(0, 1, 2)));
    assert.throws(
      () => readIdxDataset(dir, 'test'),
      /t10k-labels-idx1-ubyte: has 3 labels but .* has 2 images/,
    );
    assert.throws(() => readIdxDataset(join(tmp, 'missing'), 'test'), /missing: dataset directory not found/);
  });
});

describe('ImageFolder', () => {
  test('classes sorted, image files sorted and filtered, nested folders included', () => {
    const root = join(tmp, 'folder');
    const png = encodePng(pattern(6, 5));
    const files = ['cat/b.png', 'cat/a.PNG', 'cat/notes.txt', 'cat/sub/z.jpg', 'Dog/x.jpeg', 'bird/1.png'];
    for (const f of files) {
      mkdirSync(join(root, f, '..'), { recursive: true });
      writeFileSync(join(root, f), png);
    }
    writeFileSync(join(root, 'README.txt'), 'not a class');
    const { classes, samples } = scanImageFolder(root);
    assert.deepEqual(classes, ['Dog', 'bird', 'cat']);
    assert.deepEqual(
      samples.map(([p, c]) => [p.slice(root.length + 1), c]),
      [
        ['Dog/x.jpeg', 0],
        ['bird/1.png', 1],
        ['cat/a.PNG', 2],
        ['cat/b.png', 2],
        ['cat/sub/z.jpg', 2],
      ],
    );
  });

  test('missing folder, no classes and empty classes are clear errors', () => {
    assert.throws(() => scanImageFolder(join(tmp, 'absent')), /absent: image folder not found/);
    const flat = join(tmp, 'flat');
    mkdirSync(flat);
    writeFileSync(join(flat, 'a.png'), encodePng(pattern(2, 2)));
    assert.throws(() => scanImageFolder(flat), /flat: no class sub-folders found/);
    mkdirSync(join(flat, 'empty'));
    mkdirSync(join(flat, 'ok'));
    writeFileSync(join(flat, 'ok', 'a.png'), encodePng(pattern(2, 2)));
    assert.throws(
      () => scanImageFolder(flat),
      (e: Error) => e instanceof UserError && /class folder empty\.$/.test(e.message),
    );
  });
});

describe('augmentation', () => {
  const img = pattern(40, 30);

  test('randomResizedCrop: deterministic per seed, right size, boxes inside the image', () => {
    const a = randomResizedCrop(img, 16, new Rng(7));
    const b = randomResizedCrop(img, 16, new Rng(7));
    const c = randomResizedCrop(img, 16, new Rng(8));
    assert.deepEqual([a.width, a.height, a.data.length], [16, 16, 16 * 16 * 3]);
    assert.deepEqual(a.data, b.data);
    assert.notDeepEqual(a.data, c.data);
    const rng = new Rng(1);
    for (let i = 0; i < 500; i++) {
      const box = randomResizedCropBox(40, 30, rng);
      assert.ok(box.top >= 0 && box.left >= 0 && box.width >= 1 && box.height >= 1);
      assert.ok(box.left + box.width <= 40 && box.top + box.height <= 30);
      const area = (box.width * box.height) / 1200;
      assert.ok(area > 0.05 && area <= 1, `area fraction ${area}`);
      const ratio = box.width / box.height;
      assert.ok(ratio > 0.6 && ratio < 1.7, `ratio ${ratio}`);
    }
    assert.deepEqual(
      randomResizedCrop(pattern(20, 20), 12, new Rng(3), [1, 1], [1, 1]).data,
      resizePil(pattern(20, 20), 12, 12).data,
    );
  });

  test('randomResizedCrop falls back to a ratio-clamped center crop', () => {
    assert.deepEqual(randomResizedCropBox(100, 10, new Rng(0), [0.9, 1], [1, 1]), {
      top: 0,
      left: 45,
      height: 10,
      width: 10,
    });
    assert.deepEqual(randomResizedCropBox(10, 100, new Rng(0), [0.9, 1], [0.5, 2]), {
      top: 40,
      left: 0,
      height: 20,
      width: 10,
    });
    assert.throws(() => randomResizedCropBox(10, 10, new Rng(0), [0.5, 0.1]), /Invalid scale range/);
  });

  test('horizontal flip mirrors pixels; p = 0 / 1 / seeded', () => {
    const f = horizontalFlip(img);
    for (const [x, y] of [
      [0, 0],
      [39, 29],
      [13, 7],
    ]) {
      const s = (y * 40 + x) * 3;
      const d = (y * 40 + (39 - x)) * 3;
      assert.deepEqual(f.data.subarray(d, d + 3), img.data.subarray(s, s + 3));
    }
    assert.deepEqual(horizontalFlip(f).data, img.data);
    assert.deepEqual(randomHorizontalFlip(img, new Rng(0), 1).data, f.data);
    assert.equal(randomHorizontalFlip(img, new Rng(0), 0), img);
    let flips = 0;
    const rng = new Rng(5);
    for (let i = 0; i < 200; i++) if (randomHorizontalFlip(img, rng) !== img) flips++;
    assert.ok(flips > 60 && flips < 140, `${flips} flips of 200`);
  });

  test('random padded crop: every offset equals pad-then-crop; crop transform = crop, flip, resize', () => {
    const src = pattern(7, 5, 3);
    const pad = 2;
    // The reference: the padded image built explicitly (zeros around), then a window of it.
    const padded = (x: number, y: number, c: number): number =>
      x < pad || y < pad || x >= 7 + pad || y >= 5 + pad ? 0 : src.data[((y - pad) * 7 + x - pad) * 3 + c];
    const offsets = 2 * pad + 1;
    for (let top = 0; top < offsets; top++) {
      for (let left = 0; left < offsets; left++) {
        // draws that land on (top, left): the middle of each bucket of [0, 1)
        const draws = [(top + 0.5) / offsets, (left + 0.5) / offsets];
        const rng = { uniform: () => draws.shift() as number } as unknown as Rng;
        const out = randomPaddedCrop(src, pad, rng);
        assert.deepEqual([out.width, out.height], [7, 5]);
        for (let y = 0; y < 5; y++) {
          for (let x = 0; x < 7; x++) {
            for (let c = 0; c < 3; c++) {
              const got = out.data[(y * 7 + x) * 3 + c];
              assert.equal(got, padded(x + left, y + top, c), `offset (${top}, ${left}) pixel (${x}, ${y})`);
            }
          }
        }
      }
    }
    assert.deepEqual(randomPaddedCrop(src, 0, new Rng(1)).data, src.data);
    // The transform: crop and flip on the 7×5 source with the same draws, then the plain resize.
    const t: TrainTransform = {
      kind: 'crop',
      size: 12,
      padding: pad,
      mean: [0.5, 0.5, 0.5],
      std: [0.5, 0.5, 0.5],
    };
    const out = applyTransform(src, t, new Rng(9));
    const rng = new Rng(9);
    const expected = resizePil(randomHorizontalFlip(randomPaddedCrop(src, pad, rng), rng), 12, 12);
    assert.deepEqual(out.data, toNormalizedTensor(expected, [0.5, 0.5, 0.5], [0.5, 0.5, 0.5]).data);
    // What `--augment crop` trains on: Fashion-MNIST resized to the input size, normalized as for evaluation.
    const splits = resolveData(`idx:${FASHION}`, { inputSize: 64, augment: 'crop' });
    assert.deepEqual(splits.train.transform, { ...splits.eval?.transform, kind: 'crop' });
    assert.throws(() => validateTransform({ kind: 'crop', padding: -1 }), /crop padding -1/);
    assert.throws(() => validateTransform({ kind: 'crop', size: 0 }), /image size 0/);
  });

  test('gray → RGB and small-image resize 28 → 32', () => {
    const { images } = readIdxDataset(FASHION, 'test');
    const gray = images.subarray(0, 784);
    const rgb = grayToRgb(gray, 28, 28);
    assert.equal(rgb.data.length, 28 * 28 * 3);
    for (let i = 0; i < 784; i++) assert.ok(rgb.data[i * 3] === gray[i] && rgb.data[i * 3 + 2] === gray[i]);
    const big = resize(rgb, 32, 32);
    assert.deepEqual([big.width, big.height], [32, 32]);
    const t: TrainTransform = { kind: 'none', size: 32, mean: [0.5, 0.5, 0.5], std: [0.5, 0.5, 0.5] };
    const out = applyTransform(rgb, t, new Rng(0));
    assert.deepEqual([out.height, out.width, out.data.length], [32, 32, 3 * 32 * 32]);
    assert.deepEqual(out.data, toNormalizedTensor(big, [0.5, 0.5, 0.5], [0.5, 0.5, 0.5]).data);
    const std = applyTransform(rgb, { kind: 'standard', size: 24 }, new Rng(2));
    assert.deepEqual([std.height, std.width, std.data.length], [24, 24, 3 * 24 * 24]);
    const eval224 = applyTransform(rgb, { kind: 'none', preset: 'imagenet-v1' }, new Rng(0));
    assert.deepEqual([eval224.height, eval224.width], [224, 224]);
  });
});

describe('DataLoader', () => {
  const synthetic = (n: number): Dataset => ({
    length: n,
    get(i: number, rng: Rng) {
      const data = new Float32Array(3 * 2 * 2).fill(i);
      data[0] = rng.uniform();
      return { data, label: i % 10 };
    },
  });

  test('seeded shuffle: reproducible per epoch, covers every index once, resumable', async () => {
    const loader = new DataLoader(synthetic(50), { batchSize: 8, shuffle: true, seed: 42 });
    const e0 = await collect(loader, 0);
    assert.equal(e0.length, 7);
    assert.equal(loader.batchesPerEpoch, 7);
    assert.deepEqual(
      e0.map((b) => b.x.shape),
      [...new Array(6).fill([8, 3, 2, 2]), [2, 3, 2, 2]],
    );
    const seen = e0.flatMap((b) => Array.from(b.indices)).sort((a, b) => a - b);
    assert.deepEqual(
      seen,
      Array.from({ length: 50 }, (_, i) => i),
    );
    for (const b of e0) {
      b.indices.forEach((idx, k) => {
        assert.equal(b.y[k], idx % 10);
        assert.equal(b.x.data[k * 12 + 1], idx);
      });
    }
    const again = new DataLoader(synthetic(50), { batchSize: 8, shuffle: true, seed: 42 });
    assert.deepEqual(
      (await collect(again, 0)).map((b) => b.x.data),
      e0.map((b) => b.x.data),
    );
    const resumed = await collect(again, 0, 4);
    assert.deepEqual(
      resumed.map((b) => b.batch),
      [4, 5, 6],
    );
    assert.deepEqual(
      resumed.map((b) => b.x.data),
      e0.slice(4).map((b) => b.x.data),
    );
    assert.notDeepEqual(loader.order(1), loader.order(0));
    assert.deepEqual(loader.order(1), epochOrder(50, 42, 1, true));
    assert.notDeepEqual(
      new DataLoader(synthetic(50), { batchSize: 8, shuffle: true, seed: 43 }).order(0),
      loader.order(0),
    );
    const plain = new DataLoader(synthetic(50), { batchSize: 8, dropLast: true });
    const batches = await collect(plain, 3);
    assert.equal(batches.length, 6);
    assert.deepEqual(Array.from(batches[0].indices), [0, 1, 2, 3, 4, 5, 6, 7]);
    assert.throws(() => new DataLoader(synthetic(5), { batchSize: 2, workers: 1 }), UserError);
    assert.throws(() => new DataLoader(synthetic(5), { batchSize: 0 }), /Invalid batch size 0/);
  });

  test('IDX spec: identical batches with 0 and 1 workers', async () => {
    const indices = Array.from({ length: 40 }, (_, i) => i * 12);
    const spec = {
      kind: 'idx',
      dir: FASHION,
      split: 'test',
      transform: { kind: 'standard', size: 32, scale: [0.5, 1] },
      indices,
    } as const;
    const inline = new DataLoader(spec, { batchSize: 16, shuffle: true, seed: 9, workers: 0 });
    const pooled = new DataLoader(spec, { batchSize: 16, shuffle: true, seed: 9, workers: 1, prefetch: 2 });
    try {
      assert.equal(pooled.length, 40);
      assert.deepEqual(pooled.classes, FASHION_MNIST_CLASSES);
      const a = await collect(inline, 2);
      const b = await collect(pooled, 2);
      assert.deepEqual(
        b.map((x) => x.x.shape),
        [
          [16, 3, 32, 32],
          [16, 3, 32, 32],
          [8, 3, 32, 32],
        ],
      );
      assert.deepEqual(
        b.map((x) => x.x.data),
        a.map((x) => x.x.data),
      );
      assert.deepEqual(
        b.map((x) => x.y),
        a.map((x) => x.y),
      );
      const ds = readIdxDataset(FASHION, 'test');
      b[0].indices.forEach((i, k) => assert.equal(b[0].y[k], ds.labels[indices[i]]));
      const c = await collect(pooled, 3);
      assert.notDeepEqual(c[0].x.data, b[0].x.data);
      const direct = openDataset(spec);
      assert.equal(direct.length, 40);
    } finally {
      await pooled.close();
    }
  });

  test('folder spec: workers prefetch ahead; worker errors arrive as FileFormatErrors', async () => {
    const root = join(tmp, 'prefetch');
    const paths: string[] = [];
    for (let i = 0; i < 8; i++) {
      const dir = join(root, `c${i % 2}`);
      mkdirSync(dir, { recursive: true });
      paths.push(join(dir, `${i}.png`));
      writeFileSync(paths[i], encodePng(pattern(12, 10, i)));
    }
    const transform = { kind: 'none', size: 8 } as const;
    const inline = await collect(
      new DataLoader({ kind: 'folder', root, transform }, { batchSize: 2, workers: 0 }),
      0,
    );
    assert.deepEqual(inline[0].x.shape, [2, 3, 8, 8]);
    assert.deepEqual(Array.from(inline[0].y), [0, 0]);

    const loader = new DataLoader(
      { kind: 'folder', root, transform },
      { batchSize: 2, workers: 1, prefetch: 2 },
    );
    try {
      const it = loader.batches(0);
      const first = await it.next();
      assert.equal(first.done, false);
      assert.deepEqual(first.value?.x.data, inline[0].x.data);
      await sleep(1000);
      for (const p of paths) unlinkSync(p);
      const second = await it.next();
      const third = await it.next();
      assert.deepEqual(second.value?.x.data, inline[1].x.data);
      assert.deepEqual(third.value?.x.data, inline[2].x.data);
      await assert.rejects(
        it.next(),
        (e: Error) => e instanceof FileFormatError && /c1\/5\.png: file not found/.test(e.message),
      );
    } finally {
      await loader.close();
    }
  });
});
