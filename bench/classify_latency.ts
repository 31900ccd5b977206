/**
 * Cold and warm latency of classifying one image on a backend (default: the reference JS backend).
 *
 *   node dist/bench/classify_latency.js --weights W.safetensors [--arch resnet50] [--iters 5]
 *
 * Cold: a fresh process from start to JSON on stdout (`resnet50 classify --json`), median of 3.
 * Warm: in this process, after one warm-up call, median of --iters calls of classifyFiles.
 * Without --weights, rule-generated weights are written to a temp file first.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { saveWeightsFile } from '../src/io/weights/index.js';
import { resnet, type ArchName } from '../src/model/resnet.js';
import { classifyFiles } from '../src/tasks/classify.js';
import { imagenetLabels } from '../src/tasks/labels.js';
import { loadModel } from '../src/tasks/pretrained.js';
import { ruleStateDict } from '../test/helpers/rule_weights.js';

const { values } = parseArgs({
  options: { weights: { type: 'string' }, arch: { type: 'string' }, iters: { type: 'string' } },
});
const arch = (values.arch ?? 'resnet50') as ArchName;
const iters = Number(values.iters ?? 5);
const image = fileURLToPath(new URL('../../examples/images/chelsea.png', import.meta.url));
const cli = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

let weights = values.weights;
const tmp = mkdtempSync(join(tmpdir(), 'resnet50-bench-'));
if (weights === undefined) {
  weights = join(tmp, `${arch}.safetensors`);
  saveWeightsFile(weights, ruleStateDict(resnet(arch, { init: 'none' })));
}

const cold: number[] = [];
for (let i = 0; i < 3; i++) {
  const t0 = performance.now();
  const r = spawnSync(process.execPath, [
    cli,
    'classify',
    image,
    '--arch',
    arch,
    '--weights',
    weights,
    '--json',
  ]);
  if (r.status !== 0) throw new Error(r.stderr.toString());
  cold.push(performance.now() - t0);
}

const t0 = performance.now();
const { model } = await loadModel({ arch, weights });
const loadMs = performance.now() - t0;
const options = { preset: 'imagenet-v1' as const, labels: imagenetLabels(), topK: 5 };
classifyFiles(model, [image], options);
const warm: number[] = [];
for (let i = 0; i < iters; i++) {
  const t = performance.now();
  classifyFiles(model, [image], options);
  warm.push(performance.now() - t);
}
rmSync(tmp, { recursive: true, force: true });
console.log(
  JSON.stringify({
    backend: 'js',
    arch,
    coldMs: Math.round(median(cold)),
    loadMs: Math.round(loadMs),
    warmMedianMs: Math.round(median(warm)),
    warmMs: warm.map(Math.round),
  }),
);
