/**
 * The native engine's PNG scanline unfilter (native/src/image/png_unfilter.cc, what the Node image
 * readers use when the engine is built) against the TypeScript decoder's own loop: the same pixels
 * for every colour type and bit depth, random filtered bytes with every filter type, interlaced or
 * not, and every PNG fixture (photos: the smooth neighbourhoods where Paeth's ties happen); the same
 * one-sentence error for a filter type above 4; arguments that do not fit refused.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { deflateSync } from 'node:zlib';
import { nativeAddon, nativeUnfilter } from '../src/backends/native/addon.js';
import { decodeImage } from '../src/io/image.js';
import { NATIVE_SKIP } from './helpers/native.js';
import { ADAM7, CHANNELS, ihdr, PNG_SIGNATURE, pngChunk } from './helpers/png_bytes.js';

/** A PNG of random filtered scanlines (any bytes are valid filtered data), filter types from `filters`. */
function randomPng(
  width: number,
  height: number,
  bitDepth: number,
  colorType: number,
  interlace: number,
  seed: number,
  filters: readonly number[] = [0, 1, 2, 3, 4],
): Buffer {
  let state = seed >>> 0 || 1;
  const next = (): number => {
    state ^= state << 13;
    state ^= state >>> 17;
    state ^= state << 5;
    return state >>> 0;
  };
  const bits = CHANNELS[colorType]! * bitDepth;
  const passes = interlace === 1 ? ADAM7 : [[0, 0, 1, 1] as const];
  const lines: number[] = [];
  for (const [x0, y0, dx, dy] of passes) {
    const w = Math.ceil((width - x0) / dx);
    const h = Math.ceil((height - y0) / dy);
    if (w <= 0) continue;
    const rowBytes = Math.ceil((w * bits) / 8);
    for (let y = 0; y < h; y++) {
      lines.push(filters[next() % filters.length]!);
      for (let x = 0; x < rowBytes; x++) lines.push(next() & 0xff);
    }
  }
  const palette = Buffer.alloc(256 * 3, 0).map((_, i) => (i * 11) & 0xff);
  return Buffer.concat([
    PNG_SIGNATURE,
    pngChunk('IHDR', ihdr(width, height, bitDepth, colorType, interlace)),
    ...(colorType === 3 ? [pngChunk('PLTE', palette)] : []),
    pngChunk('IDAT', deflateSync(Uint8Array.from(lines))),
    pngChunk('IEND', new Uint8Array(0)),
  ]);
}

const CASES: [colorType: number, depths: number[]][] = [
  [0, [1, 2, 4, 8, 16]],
  [2, [8, 16]],
  [3, [1, 2, 4, 8]],
  [4, [8, 16]],
  [6, [8, 16]],
];

test(
  'native unfilter: the same pixels as the TypeScript loop for every colour type, depth, filter and interlace',
  { skip: NATIVE_SKIP },
  () => {
    const unfilter = nativeUnfilter()!;
    let images = 0;
    for (const [colorType, depths] of CASES) {
      for (const depth of depths) {
        for (const interlace of [0, 1]) {
          for (const [width, height] of [
            [1, 1],
            [3, 7],
            [17, 9],
            [64, 33],
          ] as const) {
            for (const filters of [[0], [1], [2], [3], [4], [0, 1, 2, 3, 4]]) {
              const seed = images + 1;
              const png = randomPng(width, height, depth, colorType, interlace, seed, filters);
              const name = `random-${colorType}-${depth}-${interlace}-${width}x${height}-f${filters.join('')}.png`;
              const ours = decodeImage(png, name);
              const native = decodeImage(png, name, unfilter);
              assert.equal(native.width, ours.width);
              assert.equal(native.height, ours.height);
              const at = native.data.findIndex((v, i) => v !== ours.data[i]);
              assert.equal(
                at,
                -1,
                `${name}: byte ${at} differs (native ${native.data[at]}, TypeScript ${ours.data[at]})`,
              );
              images++;
            }
          }
        }
      }
    }
    assert.equal(images, 15 * 2 * 4 * 6);
  },
);

test(
  'native unfilter: every PNG fixture decodes to the same pixels as with the TypeScript loop',
  { skip: NATIVE_SKIP },
  () => {
    const root = fileURLToPath(new URL('../../test/fixtures/', import.meta.url));
    const pngs = ['images', 'preprocess']
      .flatMap((dir) => readdirSync(join(root, dir)).map((f) => join(root, dir, f)))
      .filter((f) => f.endsWith('.png'));
    assert.ok(pngs.length >= 10, `${pngs.length} PNG fixtures`);
    for (const file of pngs) {
      const bytes = readFileSync(file);
      const ours = decodeImage(bytes, file);
      const native = decodeImage(bytes, file, nativeUnfilter());
      const at = native.data.findIndex((v, i) => v !== ours.data[i]);
      assert.equal(
        at,
        -1,
        `${file}: byte ${at} differs (native ${native.data[at]}, TypeScript ${ours.data[at]})`,
      );
    }
  },
);

test('native unfilter: a filter type above 4 is the same one-sentence error', { skip: NATIVE_SKIP }, () => {
  const png = randomPng(5, 4, 8, 2, 0, 7, [0, 5]);
  const expected = /bad\.png: invalid or truncated PNG image \(unknown scanline filter 5\)\./;
  assert.throws(() => decodeImage(png, 'bad.png'), expected);
  assert.throws(() => decodeImage(png, 'bad.png', nativeUnfilter()), expected);
});

test('unfilterScanlines refuses arguments that do not fit its data', { skip: NATIVE_SKIP }, () => {
  const addon = nativeAddon()!;
  const data = new Uint8Array(20);
  assert.equal(addon.unfilterScanlines(data, 0, 4, 4, 1), -1, 'four lines of 1 + 4 bytes fit exactly');
  assert.throws(() => addon.unfilterScanlines(data, 1, 4, 4, 1), /run past the end of data/);
  assert.throws(() => addon.unfilterScanlines(data, 0, 2 ** 40, 2 ** 40, 1), /run past the end of data/);
  assert.throws(() => addon.unfilterScanlines(data, 21, 0, 0, 1), /run past the end of data/);
  assert.throws(() => addon.unfilterScanlines(data, 0, 1, 4, 0), /bpp must be 1 to 8/);
  assert.throws(() => addon.unfilterScanlines(data, -1, 1, 4, 1), /non-negative integers/);
  assert.throws(() => addon.unfilterScanlines(data, 0.5, 1, 4, 1), /non-negative integers/);
  assert.throws(
    () => addon.unfilterScanlines(new Float32Array(5) as unknown as Uint8Array, 0, 1, 4, 1),
    /data must be a Uint8Array/,
  );
});

test(
  'a worker thread that loads the engine (a server decoder) keeps the kernels the main thread chose',
  { skip: NATIVE_SKIP },
  async () => {
    const addon = nativeAddon()!;
    const initial = addon.configure();
    // The portable set runs everywhere and is never what "auto" picks on x86 or arm64 builds.
    addon.configure({ isa: 'portable', bf16: 'fp32-emulated' });
    try {
      const code = `import(${JSON.stringify(new URL('../src/backends/native/addon.js', import.meta.url).href)}).then((m) => m.nativeAddon().unfilterScanlines(new Uint8Array(2), 0, 1, 1, 1))`;
      const worker = new Worker(code, { eval: true });
      await once(worker, 'exit');
      const now = addon.configure();
      assert.equal(now.isa, 'portable');
      assert.equal(now.bf16, 'fp32-emulated');
    } finally {
      addon.configure({ isa: initial.isa, bf16: initial.bf16 });
    }
  },
);
