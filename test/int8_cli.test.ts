/**
 * --precision int8 on the CLI: ResNet-50 (rule weights, whose torchvision logits are committed)
 * calibrated on three photos and written as `resnet50 quantize` writes it; classify of a fourth
 * photo in int8 agrees with torchvision's float32 logits (cosine ≥ 0.999, the same top-1) and says
 * which kernels ran; bench --json names the int8 path; a float file is refused in one sentence
 * that names quantize.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { withBackend } from '../src/backends/registry.js';
import { saveWeightsFile } from '../src/io/weights/index.js';
import { quantizedStateDict } from '../src/io/weights/quantized.js';
import { resnet } from '../src/model/resnet.js';
import { calibrate, U8_LEVELS } from '../src/tasks/calibrate.js';
import { imageTensor } from '../src/tasks/input.js';
import { Tensor } from '../src/tensor/tensor.js';
import { IMAGES, REPO, runCli } from './helpers/cli.js';
import { NATIVE_SKIP } from './helpers/native.js';
import { ruleStateDict } from './helpers/rule_weights.js';
import { cosineSimilarity, errorStats } from './helpers/compare.js';

const dir = mkdtempSync(join(tmpdir(), 'resnet50-int8-cli-'));
const float = join(dir, 'float.safetensors');
const int8 = join(dir, 'rule50.int8.safetensors');
const goldens = JSON.parse(readFileSync(join(REPO, 'test/fixtures/model/goldens.json'), 'utf8')) as {
  resnet50_224: { logits: number[] };
};

before(() => {
  // A float file: refused before its tensors are read, so one tensor will do.
  saveWeightsFile(float, new Map([['fc.weight', Tensor.zeros([10, 512])]]));
  if (NATIVE_SKIP !== false) return;
  const model = resnet('resnet50', { init: 'none' });
  model.loadStateDict(ruleStateDict(model));
  const photos = ['astronaut.png', 'coffee.png', 'rocket.jpg'].map((p) =>
    imageTensor(join(IMAGES, p), 'imagenet-v1'),
  );
  const x = new Tensor(new Float32Array(photos.flatMap((p) => [...p.data])), [photos.length, 3, 224, 224]);
  const thresholds = withBackend('native', () => calibrate(model, [x]));
  const scales = new Map([...thresholds].map(([conv, t]) => [conv, t / U8_LEVELS]));
  saveWeightsFile(int8, quantizedStateDict(model.stateDict(), scales));
});
after(() => rmSync(dir, { recursive: true, force: true }));

test(
  'classify --precision int8 of a quantized file: torchvision logits within cosine 0.999, same top-1, kernels named',
  { skip: NATIVE_SKIP },
  (t) => {
    const r = runCli([
      'classify',
      'examples/images/chelsea.png',
      '--weights',
      int8,
      '--preset',
      'imagenet-v1',
      '--precision',
      'int8',
      '--json',
      '--logits',
    ]);
    assert.equal(r.status, 0, r.stderr);
    assert.match(r.stderr, /resnet50: int8 on (amx|avx512vnni|avxvnni|fp32-emulated) kernels/);
    const [{ logits }] = JSON.parse(r.stdout) as { logits: number[] }[];
    const e = goldens.resnet50_224.logits;
    const cosine = cosineSimilarity(e, logits);
    const worst = errorStats(logits, e).maxAbs;
    t.diagnostic(`cosine to torchvision's fp32 logits: ${cosine}, max |Δ| ${worst}`);
    assert.ok(cosine >= 0.999, `cosine ${cosine}, max |Δ| ${worst}`);
    // int8, not float32 (whose logits match torchvision's to ~1e-5): the quantization shows.
    assert.ok(worst > 1e-4, `max |Δ| ${worst}`);
    assert.equal(logits.indexOf(Math.max(...logits)), e.indexOf(Math.max(...e)));
  },
);

test('bench --precision int8 --json names the int8 kernel path', { skip: NATIVE_SKIP }, () => {
  const r = runCli([
    'bench',
    '--weights',
    int8,
    '--input',
    '64',
    '--iters',
    '1',
    '--warmup',
    '0',
    '--precision',
    'int8',
    '--json',
  ]);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as { precision: string; kernelPath: string; medianMs: number };
  assert.equal(out.precision, 'int8');
  assert.match(out.kernelPath, /^(amx|avx512vnni|avxvnni|fp32-emulated)$/);
  assert.ok(out.medianMs > 0);
});

test(
  '--precision int8 of float weights is refused with one sentence naming quantize',
  { skip: NATIVE_SKIP },
  () => {
    const r = runCli(['classify', 'examples/images/chelsea.png', '--weights', float, '--precision', 'int8']);
    assert.equal(r.status, 1);
    assert.equal(
      r.stderr.trim(),
      'resnet50: Precision int8 (--precision) needs calibrated activation scales, which these weights do ' +
        'not have; run `resnet50 quantize` on them first and load the file it writes.',
    );
  },
);
