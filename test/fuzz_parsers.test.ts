/**
 * Mutation fuzzing of every file parser (PNG, baseline and progressive JPEG, safetensors, zip,
 * pickle, IDX raw and gzipped, training checkpoints): from valid files, bit flips, bytes set to
 * 0x00/0xFF, truncation, spliced or duplicated chunks, and length/dimension/offset fields set to
 * extremes. Only UserError (or a subclass) may escape, and memory stays bounded. A fixed seed keeps
 * the run reproducible; bench/fuzz_parsers.ts runs the same properties much longer with random seeds.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { UserError } from '../src/errors.js';
import { setMaxImagePixels } from '../src/io/image_limits.js';
import { checkCase, fuzzTarget, mutate, type FuzzCase } from './helpers/fuzz.js';
import { fuzzTargets } from './helpers/fuzz_targets.js';
import { tempDirs } from './helpers/tmp.js';

const SEED = 42;
const RUNS = 120;
/** Resident memory a parser may add on top of the process' while fuzzing. */
const RSS_HEADROOM = 500 * 2 ** 20;

const targets = fuzzTargets(tempDirs('resnet50-fuzz-')());

// Keep decoded images small: a mutated header can declare up to twice this many pixels.
before(() => setMaxImagePixels(1 << 20));
after(() => setMaxImagePixels(undefined));

for (const target of targets) {
  test(`fuzz ${target.name}: ${RUNS} mutated files throw nothing but UserError, memory bounded`, () => {
    fuzzTarget(target, { seed: SEED, numRuns: RUNS, rssHeadroom: RSS_HEADROOM });
  });
}

test('the fuzz harness catches a non-user error and prints the input', () => {
  const target = {
    name: 'throws on a flipped first byte',
    seeds: [Uint8Array.of(1, 2, 3)],
    parse(b: Uint8Array) {
      if (b[0] !== 1) throw new RangeError('offset out of bounds');
      throw new UserError('bad file');
    },
  };
  const flip: FuzzCase = { seed: 0, mutations: [{ kind: 'flip', pos: 0, bit: 1 }], fixup: false };
  assert.deepEqual([...mutate(target, flip)], [3, 2, 3]);
  assert.throws(
    () => checkCase(target, flip, Infinity),
    /throws on a flipped first byte: non-user error RangeError: offset out of bounds[^]*input: base64 AwID/,
  );
  const set: FuzzCase = { seed: 0, mutations: [{ kind: 'set', pos: 4, value: 1 }], fixup: false };
  assert.doesNotThrow(() => checkCase(target, set, Infinity), 'a UserError is within the contract');
  assert.throws(() => checkCase(target, set, 0), /resident memory \d+ MB exceeds the cap of 0 MB/);
});
