/**
 * --precision on the CLI: classify in bf16 agrees with torchvision's logits (cosine ≥ 0.999, the same
 * top-1), on the default kernels and on amx-emulated, and says on stderr which kernels ran; bench --json reports precision and kernel path; bf16
 * on the js backend is refused with one sentence naming the flag (int8: int8_cli.test.ts).
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { saveWeightsFile } from '../src/io/weights/index.js';
import { resnet } from '../src/model/resnet.js';
import { REPO, runCli } from './helpers/cli.js';
import { NATIVE_SKIP } from './helpers/native.js';
import { ruleStateDict } from './helpers/rule_weights.js';
import { cosineSimilarity } from './helpers/compare.js';

const dir = mkdtempSync(join(tmpdir(), 'resnet50-bf16-cli-'));
const r50 = join(dir, 'rule50.safetensors');
const goldens = JSON.parse(readFileSync(join(REPO, 'test/fixtures/model/goldens.json'), 'utf8')) as {
  resnet50_224: { logits: number[] };
};

before(() => saveWeightsFile(r50, ruleStateDict(resnet('resnet50', { init: 'none' }))));
after(() => rmSync(dir, { recursive: true, force: true }));

// The default kernels, and the AMX kernels on emulated tiles ($RESNET50_BF16_ISA), which the CLI
// names as emulated.
const CLASSIFY: { env: Record<string, string>; kernels: RegExp }[] = [
  { env: {}, kernels: /resnet50: bf16 on (amx|avx512bf16|fp32-emulated) kernels/ },
  {
    env: { RESNET50_BF16_ISA: 'amx-emulated' },
    kernels:
      /resnet50: bf16 on amx-emulated kernels \(\$RESNET50_BF16_ISA asked for emulated AMX tiles: slow\)\.\n/,
  },
];

for (const { env, kernels } of CLASSIFY) {
  test(
    `classify --precision bf16${env.RESNET50_BF16_ISA ? ` (${env.RESNET50_BF16_ISA})` : ''}: torchvision logits within cosine 0.999, same top-1, kernels named`,
    { skip: NATIVE_SKIP },
    (t) => {
      const r = runCli(
        [
          'classify',
          'examples/images/chelsea.png',
          '--weights',
          r50,
          '--preset',
          'imagenet-v1',
          '--precision',
          'bf16',
          '--json',
          '--logits',
        ],
        env,
      );
      assert.equal(r.status, 0, r.stderr);
      assert.match(r.stderr, kernels);
      const [{ logits }] = JSON.parse(r.stdout) as { logits: number[] }[];
      const e = goldens.resnet50_224.logits;
      const cosine = cosineSimilarity(e, logits);
      t.diagnostic(`cosine to torchvision's fp32 logits: ${cosine}`);
      assert.ok(cosine >= 0.999, `cosine ${cosine}`);
      assert.equal(logits.indexOf(Math.max(...logits)), e.indexOf(Math.max(...e)));
    },
  );
}

test('classify --precision bf16 on the js backend is refused with one sentence', () => {
  const js = runCli([
    'classify',
    'examples/images/chelsea.png',
    '--weights',
    r50,
    '--precision',
    'bf16',
    '--backend',
    'js',
  ]);
  assert.equal(js.status, 1);
  assert.match(
    js.stderr,
    /^resnet50: The js backend computes in fp32 only \(--precision bf16\); use --backend native\.\n$/,
  );
  const bad = runCli(['classify', 'examples/images/chelsea.png', '--weights', r50, '--precision', 'fp16']);
  assert.match(bad.stderr, /--precision must be one of fp32, bf16, int8, got 'fp16'/);
});

test('bench --precision bf16 --json reports the precision and the kernel path', { skip: NATIVE_SKIP }, () => {
  const r = runCli([
    'bench',
    '--arch',
    'resnet18',
    '--input',
    '64',
    '--iters',
    '1',
    '--warmup',
    '0',
    '--precision',
    'bf16',
    '--json',
  ]);
  assert.equal(r.status, 0, r.stderr);
  const out = JSON.parse(r.stdout) as {
    precision: string;
    kernelPath: string;
    backend: string;
    medianMs: number;
  };
  assert.equal(out.precision, 'bf16');
  assert.equal(out.backend, 'native');
  assert.match(out.kernelPath, /^(amx|avx512bf16|fp32-emulated)$/);
  assert.ok(out.medianMs > 0);
});
