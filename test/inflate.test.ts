/**
 * src/io/inflate.ts against Node's zlib: the same bytes for every compression level and strategy
 * (stored, fixed and dynamic blocks, long and overlapping matches), the cap refused as 'too-large',
 * cut streams as 'truncated', and damaged streams failing wherever zlib fails (and equal where it
 * does not). inflate_node.ts (zlib behind the same contract, what Node's image readers use) is held
 * to the same cases, and every PNG fixture decodes to the same pixels, and every hostile one to the
 * same sentence, with either inflater.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createHash } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as zlib from 'node:zlib';
import { decodeImage } from '../src/io/decode_image.js';
import type { PngKernels } from '../src/io/png.js';
import { adler32, InflateError, inflateRaw, inflateZlib } from '../src/io/inflate.js';
import { inflateZlibNode } from '../src/io/inflate_node.js';
import { Rng } from '../src/tensor/random.js';

const rng = new Rng(16);

/** Bytes that compress in different ways: random, few symbols, and repetitive with noise. */
function sample(length: number, kind: number): Uint8Array {
  const out = new Uint8Array(length);
  for (let i = 0; i < length; i++) {
    const r = rng.uniform();
    out[i] = kind === 0 ? Math.floor(r * 256) : kind === 1 ? Math.floor(r * 4) : (i % 97) ^ (r < 0.1 ? 1 : 0);
  }
  return out;
}

function failure(fn: () => Uint8Array): string | Uint8Array {
  try {
    return fn();
  } catch (e) {
    assert.ok(e instanceof InflateError, `not an InflateError: ${String(e)}`);
    return e.reason;
  }
}

test('inflate gives zlib’s bytes for every level and strategy, raw and zlib-wrapped', () => {
  let cases = 0;
  for (const length of [0, 1, 100, 5000, 70000, 300000]) {
    for (const kind of [0, 1, 2]) {
      const data = sample(length, kind);
      for (const level of [0, 1, 6, 9]) {
        for (const strategy of [0, 1, 2, 3, 4]) {
          const wrapped = zlib.deflateSync(data, { level, strategy });
          assert.deepEqual(inflateZlib(wrapped, length), data, `zlib, ${length} bytes, level ${level}`);
          assert.deepEqual(inflateZlibNode(wrapped, length), data, `node, ${length} bytes, level ${level}`);
          const raw = zlib.deflateRawSync(data, { level, strategy });
          assert.deepEqual(inflateRaw(raw, length), data, `raw, ${length} bytes, level ${level}`);
          for (const inflate of [inflateZlib, inflateZlibNode]) {
            if (length > 0)
              assert.equal(
                failure(() => inflate(wrapped, length - 1)),
                'too-large',
              );
            if (wrapped.length > 6)
              assert.equal(
                failure(() => inflate(wrapped.subarray(0, -5), length)),
                'truncated',
              );
          }
          cases++;
        }
      }
    }
  }
  assert.equal(cases, 360);
  assert.equal(adler32(new TextEncoder().encode('Wikipedia')), 0x11e60398);
});

test('damaged streams fail where zlib fails and give zlib’s bytes where it does not', () => {
  let bothFail = 0;
  for (let t = 0; t < 3000; t++) {
    const data = sample(2000, t % 3);
    const damaged = Buffer.from(zlib.deflateSync(data, { level: t % 10 }));
    for (let k = 0; k <= t % 4; k++) damaged[Math.floor(rng.uniform() * damaged.length)] ^= 1 << (t % 8);
    const ours = failure(() => inflateZlib(damaged, 2000));
    let theirs: Uint8Array | null;
    try {
      theirs = zlib.inflateSync(damaged, { maxOutputLength: 2000 });
    } catch {
      theirs = null;
    }
    if (theirs === null) {
      assert.equal(typeof ours, 'string', `case ${t}: zlib fails, ours inflates`);
      bothFail++;
    } else {
      assert.deepEqual(ours, new Uint8Array(theirs), `case ${t}: zlib inflates, ours gives ${String(ours)}`);
    }
  }
  assert.ok(bothFail > 2500, `${bothFail} of 3000 damaged streams failed`);
});

test('zlib behind the contract fails where the TypeScript inflater fails on damaged streams', () => {
  let failed = 0;
  for (let t = 0; t < 1000; t++) {
    const damaged = Buffer.from(zlib.deflateSync(sample(2000, t % 3), { level: t % 10 }));
    for (let k = 0; k <= t % 4; k++) damaged[Math.floor(rng.uniform() * damaged.length)] ^= 1 << (t % 8);
    const ours = failure(() => inflateZlib(damaged, 2000));
    const node = failure(() => inflateZlibNode(damaged, 2000));
    assert.equal(typeof node, typeof ours, `case ${t}: ${String(node)} vs ${String(ours)}`);
    if (typeof ours !== 'string') assert.deepEqual(node, ours, `case ${t}`);
    else failed++;
  }
  assert.ok(failed > 800, `${failed} of 1000 damaged streams failed`);
});

test("every PNG fixture decodes the same with the TypeScript inflater and CRC or zlib's: pixels, or the one sentence", () => {
  const root = fileURLToPath(new URL('../../test/fixtures/', import.meta.url));
  const pngs = ['images', 'preprocess', 'hostile'].flatMap((dir) =>
    readdirSync(join(root, dir))
      .filter((f) => f.endsWith('.png'))
      .map((f) => join(root, dir, f)),
  );
  assert.ok(pngs.length >= 30, `${pngs.length} PNG fixtures`);
  const outcome = (file: string, kernels?: Partial<PngKernels>): string => {
    try {
      const img = decodeImage(readFileSync(file), file, kernels);
      return `${img.width}×${img.height} ${createHash('sha256').update(img.data).digest('hex')}`;
    } catch (e) {
      return e instanceof Error ? e.message : String(e);
    }
  };
  const zlibKernels: Partial<PngKernels> = {
    inflate: inflateZlibNode,
    ...(typeof zlib.crc32 === 'function' && { crc32: (b: Uint8Array) => zlib.crc32(b) }),
  };
  for (const file of pngs) assert.equal(outcome(file, zlibKernels), outcome(file), file);
});
