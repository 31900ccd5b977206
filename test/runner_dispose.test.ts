/**
 * Runner.dispose(): the native plans' packed weights and arenas are released at once (50 load/run/
 * dispose cycles of ResNet-50 keep RSS bounded), the call is idempotent on both backends, and a
 * disposed runner (or native plan) is a clear error.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { nativeAddon } from '../src/backends/native/addon.js';
import { NATIVE_SKIP } from './helpers/native.js';
import { saveWeightsFile } from '../src/io/weights/index.js';
import { resnet } from '../src/model/resnet.js';
import { loadRunner } from '../src/tasks/pretrained.js';
import { createRunner } from '../src/tasks/runner.js';
import { ruleStateDict, ruleTensor } from './helpers/rule_weights.js';
import { tempDirs } from './helpers/tmp.js';

const tempDir = tempDirs('resnet50-dispose-');
const MB = 1024 * 1024;
const CYCLES = 20;
const WARMUP = 5;
const RSS_GROWTH_CAP_MB = 150;
/** ResNet-50's packed weights are about 100 MB: disposing the first runner must give back at least this. */
const FIRST_RELEASE_MIN_MB = 50;

test(
  '20 load/run/dispose cycles of a ResNet-50 native runner keep RSS bounded',
  { skip: NATIVE_SKIP },
  async (t) => {
    const weights = join(tempDir(), 'resnet50.safetensors');
    saveWeightsFile(weights, ruleStateDict(resnet('resnet50', { init: 'none' })));
    const x = ruleTensor('input', [1, 3, 64, 64]);
    const rss: number[] = [];
    let held = 0;
    for (let i = 0; i < CYCLES; i++) {
      const { runner } = await loadRunner({ arch: 'resnet50', weights, backend: 'native' });
      const y = await runner.forward(x);
      assert.deepEqual(y.shape, [1, 1000]);
      if (i === 0) held = process.memoryUsage().rss;
      runner.dispose();
      rss.push(process.memoryUsage().rss);
    }
    const released = (held - rss[0]) / MB;
    const base = rss[WARMUP - 1];
    const peak = Math.max(...rss.slice(WARMUP));
    const growth = (peak - base) / MB;
    t.diagnostic(
      `RSS with the first plan held ${(held / MB).toFixed(0)} MB, after its dispose ${(rss[0] / MB).toFixed(0)} MB ` +
        `(-${released.toFixed(0)} MB); ` +
        `after cycle ${WARMUP}: ${(base / MB).toFixed(0)} MB, peak over cycles ${WARMUP + 1}-${CYCLES}: ` +
        `${(peak / MB).toFixed(0)} MB (+${growth.toFixed(1)} MB, cap ${RSS_GROWTH_CAP_MB} MB), ` +
        `after cycle ${CYCLES}: ${(rss[CYCLES - 1] / MB).toFixed(0)} MB`,
    );
    assert.ok(
      released > FIRST_RELEASE_MIN_MB,
      `disposing the first runner gave back ${released.toFixed(0)} MB (at least ${FIRST_RELEASE_MIN_MB} MB expected)`,
    );
    assert.ok(
      growth < RSS_GROWTH_CAP_MB,
      `RSS grew by ${growth.toFixed(1)} MB over ${CYCLES - WARMUP} cycles (cap ${RSS_GROWTH_CAP_MB} MB)`,
    );
  },
);

test('dispose() is idempotent and a disposed runner rejects forward() and features() on both backends', async () => {
  const model = resnet('resnet18', { init: 'none', numClasses: 10 });
  model.loadStateDict(ruleStateDict(model));
  const x = ruleTensor('input', [1, 3, 32, 32]);
  const expected = model.call(x);
  for (const backend of NATIVE_SKIP ? ['js'] : ['js', 'native']) {
    const runner = createRunner(model, { backend });
    assert.deepEqual((await runner.forward(x)).shape, [1, 10]);
    runner.dispose();
    runner.dispose();
    await assert.rejects(runner.forward(x), { name: 'UserError', message: /runner was disposed/ });
    await assert.rejects(runner.features(x, 'layer4'), { name: 'UserError', message: /runner was disposed/ });
  }
  assert.deepEqual(model.call(x).data, expected.data, 'the model itself stays usable');
});

test('a disposed native plan reports it and frees its weights', { skip: NATIVE_SKIP }, () => {
  const addon = nativeAddon()!;
  const weight = new Float32Array(32 * 16).fill(0.5);
  const plan = new addon.Plan(
    [
      { op: 'input', output: 0, layout: 'flat', channels: 16, border: 0 },
      { op: 'linear', input: 0, output: 1, inFeatures: 16, outFeatures: 32, weight, bias: null },
    ],
    [1],
  );
  const [out] = plan.runSync(new Float32Array(16).fill(1), 1, 16, 1, 1);
  assert.deepEqual([...out.data], new Array(32).fill(8));
  assert.ok(plan.weightBytes() >= weight.byteLength);
  plan.dispose();
  plan.dispose();
  assert.throws(() => plan.runSync(new Float32Array(16), 1, 16, 1, 1), /the native plan was disposed/);
  assert.throws(() => plan.weightBytes(), /the native plan was disposed/);
  assert.throws(() => plan.run(new Float32Array(16), 1, 16, 1, 1), /the native plan was disposed/);
});
