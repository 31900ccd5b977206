/**
 * Bad-input corpus through the real CLI: every case must print one sentence naming the file, key or
 * flag, exit non-zero, print no stack trace, and leave no output file (or temp file) behind.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { encodePng } from '../src/io/image.js';
import { saveWeightsFile } from '../src/io/weights/index.js';
import { resnet } from '../src/model/resnet.js';
import { Tensor } from '../src/tensor/tensor.js';
import { IMAGES, REPO, runCli } from './helpers/cli.js';
import { ruleStateDict } from './helpers/rule_weights.js';

const dir = mkdtempSync(join(tmpdir(), 'resnet50-bad-'));
const outDir = mkdtempSync(join(tmpdir(), 'resnet50-bad-out-'));
const p = (name: string): string => join(dir, name);
const weights = p('r18.safetensors');
const chelsea = join(REPO, 'examples/images/chelsea.png');

before(() => {
  const sd = ruleStateDict(resnet('resnet18', { init: 'none' }));
  saveWeightsFile(weights, sd);
  const bytes = readFileSync(weights);
  writeFileSync(p('empty.png'), '');
  writeFileSync(p('text.png'), 'hello, I am not a picture\n');
  writeFileSync(
    p('tiny.png'),
    encodePng({ width: 24, height: 20, data: new Uint8Array(24 * 20 * 3).fill(128) }),
  );
  writeFileSync(p('empty.safetensors'), '');
  writeFileSync(p('truncated.safetensors'), bytes.subarray(0, bytes.length >> 1));
  const huge = Buffer.from(bytes.subarray(0, 64));
  huge.writeBigUInt64LE(BigInt(bytes.length) * 4n, 0);
  writeFileSync(p('header_too_long.safetensors'), huge);
  const wrongShape = new Map(sd);
  wrongShape.set('layer2.0.conv1.weight', Tensor.zeros([128, 64, 1, 1]));
  saveWeightsFile(p('wrong_shape.safetensors'), wrongShape);
  const wrongKey = new Map(sd);
  wrongKey.set('layer1.0.conv_1.weight', wrongKey.get('layer1.0.conv1.weight')!);
  wrongKey.delete('layer1.0.conv1.weight');
  saveWeightsFile(p('wrong_key.safetensors'), wrongKey);
});

after(() => {
  rmSync(dir, { recursive: true, force: true });
  rmSync(outDir, { recursive: true, force: true });
});

interface Case {
  name: string;
  args: string[];
  /** What the one sentence must name. */
  names: RegExp;
}

const out = join(outDir, 'out.safetensors');
const embed = (image: string, weightsFile = weights, ...extra: string[]): string[] => [
  'embed',
  image,
  '--arch',
  'resnet18',
  '--weights',
  weightsFile,
  '--out',
  out,
  ...extra,
];

const cases: Case[] = [
  { name: 'missing image', args: embed(p('missing.png')), names: /missing\.png/ },
  { name: '0-byte image', args: embed(p('empty.png')), names: /empty\.png.*empty/ },
  { name: 'text file named .png', args: embed(p('text.png')), names: /text\.png.*not a PNG or JPEG/ },
  {
    name: 'truncated JPEG',
    args: embed(join(IMAGES, 'truncated.jpg')),
    names: /truncated\.jpg: invalid or truncated JPEG/,
  },
  {
    name: 'image below 32 px',
    args: embed(p('tiny.png'), weights, '--preset', 'none'),
    names: /tiny\.png.*24×20.*32×32/,
  },
  { name: 'missing weights', args: embed(chelsea, p('nope.safetensors')), names: /nope\.safetensors/ },
  { name: '0-byte weights', args: embed(chelsea, p('empty.safetensors')), names: /empty\.safetensors/ },
  {
    name: 'truncated safetensors',
    args: embed(chelsea, p('truncated.safetensors')),
    names: /truncated\.safetensors/,
  },
  {
    name: 'header length larger than the file',
    args: embed(chelsea, p('header_too_long.safetensors')),
    names: /header_too_long\.safetensors/,
  },
  {
    name: 'pickle calling os.system',
    args: embed(chelsea, join(REPO, 'test/fixtures/weights/evil.pth')),
    names: /evil\.pth.*(os|posix)\.system/,
  },
  {
    name: 'wrong shapes',
    args: embed(chelsea, p('wrong_shape.safetensors')),
    names: /layer2\.0\.conv1\.weight is \[128, 64, 1, 1\] in the file but \[128, 64, 3, 3\] in the model/,
  },
  {
    name: 'wrong key names',
    args: embed(chelsea, p('wrong_key.safetensors')),
    names: /missing keys: layer1\.0\.conv1\.weight.*unexpected keys: layer1\.0\.conv_1\.weight/,
  },
  {
    name: 'resnet18 weights into resnet50',
    args: ['embed', chelsea, '--weights', weights, '--arch', 'resnet50', '--out', out],
    names: /r18\.safetensors holds resnet18 weights but the arch is resnet50; pass --arch resnet18/,
  },
  { name: 'unknown arch', args: ['summary', '--arch', 'resnet51'], names: /'resnet51' \(--arch\)/ },
  {
    name: 'unknown arch (classify)',
    args: ['classify', chelsea, '--arch', 'resnet51', '--weights', weights],
    names: /resnet51/,
  },
  { name: 'summary input below 32 px', args: ['summary', '--input', '31'], names: /--input 31x31.*32×32/ },
  { name: 'bad --input', args: ['summary', '--input', 'big'], names: /--input/ },
  { name: 'unknown flag', args: ['classify', chelsea, '--colour'], names: /--colour/ },
  {
    name: 'bad --top',
    args: ['classify', chelsea, '--weights', weights, '--arch', 'resnet18', '--top', '0'],
    names: /--top/,
  },
  { name: 'bad --preset', args: embed(chelsea, weights, '--preset', 'imagenet-v3'), names: /--preset/ },
  { name: 'convert to an unknown format', args: ['convert', weights, join(outDir, 'w.h5')], names: /w\.h5/ },
  { name: 'convert a missing file', args: ['convert', p('nope.pth'), out], names: /nope\.pth/ },
  {
    name: 'named weights while offline',
    args: ['classify', chelsea],
    names: /IMAGENET1K_V2.*--weights FILE/,
  },
];

for (const c of cases) {
  test(`bad input: ${c.name}`, () => {
    const r = runCli(c.args);
    assert.notEqual(r.status, 0, `exit code 0 for ${c.name}`);
    assert.ok(r.status === 1 || r.status === 2, `exit code ${r.status}: ${r.stderr}`);
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, `expected one line, got:\n${r.stderr}`);
    assert.match(lines[0], /^resnet50: /);
    assert.doesNotMatch(r.stderr, /\n\s+at |Error:/, 'stack trace printed');
    assert.match(lines[0], c.names);
    assert.deepEqual(readdirSync(outDir), [], 'output or temp file left behind');
  });
}
