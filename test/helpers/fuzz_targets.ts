/**
 * The parsers test/fuzz_parsers.test.ts and bench/fuzz_parsers.ts fuzz, each with valid seed files
 * from test/fixtures (or written here with the library) and its format's field locators.
 */
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gunzipSync, gzipSync } from 'node:zlib';
import { parseIdx, readIdx } from '../../src/data/idx.js';
import { decodeImage } from '../../src/io/image.js';
import { loadWeightsFile, saveWeightsFile } from '../../src/io/weights/index.js';
import { openZip } from '../../src/io/weights/zip.js';
import { Linear } from '../../src/nn/layers.js';
import { Tensor } from '../../src/tensor/tensor.js';
import { readCheckpoint, saveCheckpoint } from '../../src/train/checkpoint.js';
import { SGD } from '../../src/train/optim.js';
import { REPO } from './cli.js';
import {
  type FuzzTarget,
  idxFields,
  jpegFields,
  pickleFields,
  pngFields,
  rewriteSafetensorsHeader,
  safetensorsFields,
  zipFields,
} from './fuzz.js';
import { buildPng, fixPngCrcs } from './png_bytes.js';
import { buildZip } from './zip.js';

const FIXTURES = join(REPO, 'test/fixtures');
const fixture = (path: string): Uint8Array => readFileSync(join(FIXTURES, path));

function pngSeeds(): Uint8Array[] {
  const palette = Uint8Array.from({ length: 16 * 3 }, (_, i) => (i * 53) & 0xff);
  return [
    buildPng({ width: 13, height: 7, bitDepth: 8, colorType: 0 }),
    buildPng({ width: 9, height: 5, bitDepth: 1, colorType: 0 }),
    buildPng({ width: 6, height: 4, bitDepth: 16, colorType: 2 }),
    buildPng({
      width: 11,
      height: 6,
      bitDepth: 4,
      colorType: 3,
      before: [
        ['PLTE', palette],
        ['tRNS', Uint8Array.of(0, 128, 255)],
      ],
    }),
    buildPng({ width: 5, height: 5, bitDepth: 8, colorType: 4 }),
    buildPng({ width: 7, height: 3, bitDepth: 16, colorType: 6 }),
  ];
}

function jpegSeeds(progressive: boolean): Uint8Array[] {
  return readdirSync(join(FIXTURES, 'jpeg'))
    .filter((f) => /^(c33x17|a61x47|cmyk_a61x47)_q50.*\.jpg$/.test(f) && f.includes('_prog') === progressive)
    .map((f) => fixture(`jpeg/${f}`));
}

/** A training checkpoint of a 3→2 linear layer after one SGD step with momentum (so it has buffers). */
function checkpointSeed(dir: string): Uint8Array {
  const model = new Linear(3, 2);
  model.weight.data.set([0.5, -1, 2, 0.25, 0, 1]);
  const optimizer = new SGD(model.parameters(), { lr: 0.1, momentum: 0.9 });
  for (const p of optimizer.params()) p.grad.data.fill(0.5);
  optimizer.step();
  const path = join(dir, 'seed.safetensors');
  saveCheckpoint(path, {
    model,
    optimizer,
    epoch: 1,
    step: 3,
    stepsPerEpoch: 3,
    epochProgress: { steps: 1, lossSum: 2.5, correct: 1, seen: 4, trainSeconds: 0.1, seconds: 0.2 },
    seed: 7,
    arch: 'resnet18',
    classes: ['a', 'b'],
    options: { lr: 0.1 },
    metrics: [{ epoch: 1, loss: 0.5 }],
  });
  return readFileSync(path);
}

/** IDX images (the first 6 Fashion-MNIST test images) and their labels, raw. */
function idxSeeds(): Uint8Array[] {
  const images = gunzipSync(fixture('fashion-mnist/t10k-images-idx3-ubyte.gz')).subarray(0, 16 + 6 * 28 * 28);
  const labels = gunzipSync(fixture('fashion-mnist/t10k-labels-idx1-ubyte.gz')).subarray(0, 8 + 6);
  const view = (b: Buffer) => new DataView(b.buffer, b.byteOffset, b.byteLength);
  const im = Buffer.from(images);
  const lb = Buffer.from(labels);
  view(im).setUint32(4, 6, false);
  view(lb).setUint32(4, 6, false);
  return [im, lb];
}

/**
 * The pickle of a checkpoint fuzzed on its own: the mutated data.pkl is zipped back with the
 * archive's other entries (valid CRCs), so mutations reach the unpickler and the tensor rebuilder.
 */
function pickleTarget(name: string, archive: Uint8Array, path: string): FuzzTarget {
  const zip = openZip(archive, name);
  const pkl = [...zip.entries.keys()].find((k) => k.endsWith('/data.pkl'))!;
  const others = [...zip.entries.keys()].filter((k) => k !== pkl).map((k) => [k, zip.read(k)] as const);
  return {
    name: `pickle (${name})`,
    seeds: [zip.read(pkl).slice()],
    parse(bytes) {
      writeFileSync(
        path,
        buildZip(
          [[pkl, bytes, false], ...others.map(([k, d]): [string, Uint8Array, boolean] => [k, d, false])],
          false,
        ),
      );
      return loadWeightsFile(path, { allowNonFinite: true });
    },
    fields: pickleFields,
  };
}

/** Every fuzz target; `dir` is a scratch directory for the parsers that read a path. */
export function fuzzTargets(dir: string): FuzzTarget[] {
  const at = (name: string) => join(dir, name);
  const viaFile = (name: string, read: (path: string) => unknown) => (bytes: Uint8Array) => {
    writeFileSync(at(name), bytes);
    return read(at(name));
  };
  const weights = (name: string) => viaFile(name, (p) => loadWeightsFile(p, { allowNonFinite: true }));
  const tiny = new Map([
    ['conv1.weight', new Tensor(Float32Array.from([1, -2, 3, 0.5, 1e-3, 7]), [1, 2, 3, 1])],
    ['bn1.num_batches_tracked', new Tensor(Float32Array.of(4), [], 'int64')],
    ['fc.bias', new Tensor(Float32Array.of(0.25, -0.5), [2])],
  ]);
  saveWeightsFile(at('tiny.safetensors'), tiny, { note: 'fuzz seed' });
  saveWeightsFile(at('tiny.pth'), tiny);
  const smallPth = fixture('weights/small.pth');
  return [
    {
      name: 'PNG',
      seeds: pngSeeds(),
      parse: (b) => decodeImage(b, 'fuzz.png'),
      fields: pngFields,
      fixup: fixPngCrcs,
    },
    {
      name: 'baseline JPEG',
      seeds: jpegSeeds(false),
      parse: (b) => decodeImage(b, 'fuzz.jpg'),
      fields: jpegFields,
    },
    {
      name: 'progressive JPEG',
      seeds: jpegSeeds(true),
      parse: (b) => decodeImage(b, 'fuzz.jpg'),
      fields: jpegFields,
    },
    {
      name: 'safetensors',
      seeds: [readFileSync(at('tiny.safetensors')), fixture('weights/small.safetensors')],
      parse: weights('fuzz.safetensors'),
      fields: safetensorsFields,
      rewrite: rewriteSafetensorsHeader,
    },
    {
      name: 'zip (torch checkpoint)',
      seeds: [
        readFileSync(at('tiny.pth')),
        fixture('weights/wrapped_proto4.pth'),
        fixture('weights/deflated.pth'),
        smallPth,
      ],
      parse: weights('fuzz.pth'),
      fields: zipFields,
    },
    pickleTarget('small.pth', smallPth, at('pickle_small.pth')),
    pickleTarget('written_by_us.pth', fixture('weights/written_by_us.pth'), at('pickle_ours.pth')),
    {
      name: 'IDX',
      seeds: idxSeeds(),
      parse: (b) => parseIdx(b, 'fuzz.idx'),
      fields: idxFields,
    },
    {
      name: 'IDX (gzipped)',
      seeds: idxSeeds().map((b) => gzipSync(b)),
      parse: viaFile('fuzz-idx3-ubyte.gz', (p) => readIdx(p)),
      rewrite(b, pick, value) {
        let raw: Buffer;
        try {
          raw = gunzipSync(b);
        } catch {
          return null;
        }
        const fields = idxFields(raw);
        const f = fields[pick % fields.length]!;
        if (f.at + f.width > raw.length) return null;
        if (f.width === 1) raw[f.at] = value & 0xff;
        else raw.writeUInt32BE(value >>> 0, f.at);
        return gzipSync(raw);
      },
    },
    {
      // Only JSON rewrites, so that every case gets past the safetensors header to the metadata checks.
      name: 'training checkpoint metadata',
      seeds: [checkpointSeed(dir)],
      parse: viaFile('fuzz-checkpoint.safetensors', readCheckpoint),
      rewrite: rewriteSafetensorsHeader,
      kinds: ['rewrite'],
    },
    {
      name: 'training checkpoint',
      seeds: [checkpointSeed(dir)],
      parse: viaFile('fuzz-checkpoint.safetensors', readCheckpoint),
      fields: safetensorsFields,
      rewrite: rewriteSafetensorsHeader,
    },
  ];
}
