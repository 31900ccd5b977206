/**
 * The CLI end to end: classify/embed/summary/convert on rule-generated weights written to real files,
 * checked against the torchvision goldens, plus --help and flag errors.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { spawn, spawnSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import {
  readSafetensors,
  readSafetensorsMetadata,
  saveWeightsFile,
  toHuggingFaceKeys,
} from '../src/io/weights/index.js';
import { resnet } from '../src/model/resnet.js';
import { bf16BitsToFloat, floatToBf16Bits, floatToHalfBits, halfBitsToFloat } from '../src/tensor/float16.js';
import { assertClose } from './helpers/compare.js';
import { CLI, REPO, runCli } from './helpers/cli.js';
import { ruleStateDict } from './helpers/rule_weights.js';

const dir = mkdtempSync(join(tmpdir(), 'resnet50-cli-'));
const r50 = join(dir, 'rule50.safetensors');
const goldens = JSON.parse(readFileSync(join(REPO, 'test/fixtures/model/goldens.json'), 'utf8')) as {
  resnet50_224: { logits: number[]; pool: number[] };
  resnet50_keys: [string, number[]][];
};
const chelsea = 'examples/images/chelsea.png';

before(() => {
  saveWeightsFile(r50, ruleStateDict(resnet('resnet50', { init: 'none' })));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test('the package bin (what `npx resnet50` runs) is executable and starts the CLI', () => {
  const bin = join(REPO, JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')).bin.resnet50);
  assert.ok((statSync(bin).mode & 0o111) !== 0, `${bin} is not executable`);
  const r = spawnSync(bin, ['--help'], { cwd: REPO, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout, /classify/);
});

test('classify --json --logits on a safetensors file gives torchvision logits and softmax scores', (t) => {
  const r = runCli([
    'classify',
    chelsea,
    '--weights',
    r50,
    '--preset',
    'imagenet-v1',
    '--json',
    '--logits',
    '--top',
    '3',
  ]);
  assert.equal(r.status, 0, r.stderr);
  const [result] = JSON.parse(r.stdout) as {
    file: string;
    top: { classIndex: number; label: string; score: number }[];
    logits: number[];
  }[];
  assert.equal(result.file, chelsea);
  t.diagnostic(JSON.stringify(assertClose(result.logits, goldens.resnet50_224.logits, 1e-4, 'CLI logits')));
  const max = Math.max(...result.logits);
  const sum = result.logits.reduce((s, v) => s + Math.exp(v - max), 0);
  const best = result.logits.indexOf(max);
  assert.equal(result.top.length, 3);
  assert.equal(result.top[0].classIndex, best);
  assert.ok(Math.abs(result.top[0].score - 1 / sum) < 1e-6);
  assert.equal(typeof result.top[0].label, 'string');
  assert.ok(result.top[0].score >= result.top[1].score && result.top[1].score >= result.top[2].score);
});

test('classify reads Hugging Face-named weights and a labels file', () => {
  const hf = join(dir, 'hf.safetensors');
  saveWeightsFile(hf, toHuggingFaceKeys(readSafetensors(r50)));
  const labels = join(dir, 'labels.txt');
  saveLabels(labels);
  const r = runCli(['classify', chelsea, '--weights', hf, '--labels', labels, '--top', '1', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const [result] = JSON.parse(r.stdout) as { top: { classIndex: number; label: string }[] }[];
  assert.equal(result.top[0].label, `name ${result.top[0].classIndex}`);
});

function saveLabels(path: string): void {
  writeFileSync(path, Array.from({ length: 1000 }, (_, i) => `name ${i}`).join('\n'));
}

test('embed writes the pooled embedding to safetensors and JSON', (t) => {
  const out = join(dir, 'emb.safetensors');
  const r = runCli(['embed', chelsea, '--weights', r50, '--preset', 'imagenet-v1', '--out', out]);
  assert.equal(r.status, 0, r.stderr);
  const emb = readSafetensors(out).get('embeddings')!;
  assert.deepEqual(emb.shape, [1, 2048]);
  t.diagnostic(JSON.stringify(assertClose(emb.data, goldens.resnet50_224.pool, 1e-4, 'embedding')));
  assert.deepEqual(JSON.parse(readSafetensorsMetadata(out).files), [chelsea]);
  const j = runCli(['embed', chelsea, '--weights', r50, '--layer', 'layer4', '--json']);
  assert.equal(j.status, 0, j.stderr);
  const [e] = JSON.parse(j.stdout) as { shape: number[]; data: number[] }[];
  assert.deepEqual(e.shape, [2048, 7, 7]);
  assert.equal(e.data.length, 2048 * 49);
});

test('summary --json matches the issue: params, MACs, weighted layers, 300 px shapes', () => {
  const r = runCli(['summary', '--json']);
  assert.equal(r.status, 0, r.stderr);
  const s = JSON.parse(r.stdout) as {
    arch: string;
    input: number[];
    totalParams: number;
    totalMacs: number;
    weightedLayers: number;
    layers: { name: string; type: string; output: number[]; params: number; macs: number }[];
  };
  assert.equal(s.arch, 'resnet50');
  assert.deepEqual(s.input, [3, 224, 224]);
  assert.equal(s.totalParams, 25_557_032);
  assert.equal((s.totalMacs / 1e9).toFixed(2), '4.09');
  assert.equal(s.weightedLayers, 50);
  assert.deepEqual(Object.keys(s.layers[0]), ['name', 'type', 'output', 'params', 'macs']);
  const r300 = JSON.parse(runCli(['summary', '--input', '300', '--json']).stdout) as typeof s;
  assert.deepEqual(r300.layers.find((l) => l.name === 'conv1')?.output, [64, 150, 150]);
  assert.deepEqual(r300.layers.find((l) => l.name === 'maxpool')?.output, [64, 75, 75]);
  const odd = JSON.parse(
    runCli(['summary', '--input', '231x257', '--classes', '10', '--json']).stdout,
  ) as typeof s;
  assert.deepEqual(odd.input, [3, 231, 257]);
  assert.deepEqual(odd.layers.at(-1)?.output, [10]);
  const text = runCli(['summary', '--arch', 'resnet18']).stdout;
  assert.match(text, /resnet18 at 224×224: 11,689,512 parameters/);
});

test('convert: HF safetensors → torchvision safetensors → .pth → safetensors, values unchanged', () => {
  const hf = join(dir, 'hf2.safetensors');
  saveWeightsFile(hf, toHuggingFaceKeys(readSafetensors(r50)));
  const out = join(dir, 'tv.safetensors');
  const r = runCli(['convert', hf, out]);
  assert.equal(r.status, 0, r.stderr);
  const keys = [...readSafetensors(out).keys()].sort();
  assert.deepEqual(keys, goldens.resnet50_keys.map(([k]) => k).sort());
  const pth = join(dir, 'tv.pth');
  assert.equal(runCli(['convert', out, pth]).status, 0);
  const back = join(dir, 'back.safetensors');
  assert.equal(runCli(['convert', pth, back]).status, 0);
  const original = readSafetensors(r50);
  for (const [key, t] of readSafetensors(back)) {
    assert.deepEqual(t.data, original.get(key)!.data, key);
    assert.equal(t.dtype, original.get(key)!.dtype, key);
  }
});

test('convert --dtype bf16|f16: half the bytes, each value rounded to nearest even, the card kept, classify loads it', () => {
  const carded = join(dir, 'carded.safetensors');
  const tensors = ruleStateDict(resnet('resnet18', { init: 'none' }));
  saveWeightsFile(carded, tensors, { note: 'kept' });
  const f32Json = JSON.parse(runCli(['classify', chelsea, '--weights', carded, '--json']).stdout) as {
    top: { index: number }[];
  }[];
  for (const [dtype, toBits, toFloat] of [
    ['bf16', floatToBf16Bits, bf16BitsToFloat],
    ['f16', floatToHalfBits, halfBitsToFloat],
  ] as const) {
    const out = join(dir, `w.${dtype}.safetensors`);
    const r = runCli(['convert', carded, out, '--dtype', dtype]);
    assert.equal(r.status, 0, r.stderr);
    const ratio = statSync(out).size / statSync(carded).size;
    assert.ok(ratio > 0.49 && ratio < 0.51, `${dtype} file is ${ratio.toFixed(3)} of the f32 file`);
    assert.deepEqual(readSafetensorsMetadata(out), { note: 'kept' });
    for (const [key, t] of readSafetensors(out)) {
      const f = tensors.get(key)!;
      assert.equal(t.dtype, f.dtype, key);
      if (f.dtype === 'int64') assert.deepEqual(t.data, f.data, key);
      else
        for (let i = 0; i < f.size; i++) assert.equal(t.data[i], toFloat(toBits(f.data[i]!)), `${key}[${i}]`);
    }
    const top = JSON.parse(
      runCli(['classify', chelsea, '--weights', out, '--json']).stdout,
    ) as typeof f32Json;
    assert.equal(top[0]!.top[0]!.index, f32Json[0]!.top[0]!.index, `${dtype} top-1`);
  }
  const refused = runCli(['convert', carded, join(dir, 'w.pth'), '--dtype', 'bf16']);
  assert.equal(refused.status, 1);
  assert.match(refused.stderr, /^resnet50: .*w\.pth: BF16 weights can only be saved as \.safetensors/);
  const bad = runCli(['convert', carded, join(dir, 'x.safetensors'), '--dtype', 'f8']);
  assert.equal(bad.status, 2);
  assert.match(bad.stderr, /--dtype must be one of f32, f16, bf16, got 'f8'/);
});

test('every command has --help; unknown commands and flags are usage errors', () => {
  for (const cmd of ['classify', 'embed', 'summary', 'convert']) {
    const r = runCli([cmd, '--help']);
    assert.equal(r.status, 0);
    assert.match(r.stdout, new RegExp(`Usage: resnet50 ${cmd}`));
  }
  assert.equal(runCli(['--help']).status, 0);
  const unknown = runCli(['classify', chelsea, '--weigths', r50]);
  assert.equal(unknown.status, 2);
  assert.match(unknown.stderr, /Unknown option '--weigths'/);
  assert.equal(runCli(['segment']).status, 2);
});

test('a reader that closes early (`resnet50 … | head`) ends the command quietly with exit 0', async () => {
  // 41 KB of JSON into a pipe whose reader is already gone: every write fails with EPIPE.
  const child = spawn(process.execPath, [CLI, 'summary', '--arch', 'resnet152', '--json'], {
    cwd: REPO,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.destroy();
  let stderr = '';
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', (c) => resolve(c)));
  assert.equal(stderr, '', `stderr: ${stderr}`);
  assert.equal(code, 0);
});
