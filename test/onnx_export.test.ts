/**
 * ONNX export: the exported graphs run in onnxruntime-node and give our reference forward's numbers
 * (resnet50 at 224×224 and, from the same file, batch 2 at 193×257; v1, zero-pad shortcut, resnet18,
 * headless models), plus `resnet50 export` end to end and its flag errors.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, test, type TestContext } from 'node:test';
import * as ort from 'onnxruntime-node';
import { flagSentence } from '../src/cli/flags.js';
import { UserError } from '../src/errors.js';
import { exportOnnx, writeOnnx } from '../src/tasks/onnx_export.js';
import { saveWeightsFile } from '../src/io/weights/index.js';
import { resnet, type ArchName, type ResNet, type ResNetOptions } from '../src/model/resnet.js';
import { Tensor } from '../src/tensor/tensor.js';
import { assertClose } from './helpers/compare.js';
import { runCli } from './helpers/cli.js';
import { ruleStateDict, ruleTensor } from './helpers/rule_weights.js';

const dir = mkdtempSync(join(tmpdir(), 'resnet50-onnx-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const SESSION_OPTIONS: ort.InferenceSession.SessionOptions = { intraOpNumThreads: 2 };

function ruleModel(arch: ArchName, options: ResNetOptions = {}): ResNet {
  const model = resnet(arch, { ...options, init: 'none' });
  model.loadStateDict(ruleStateDict(model));
  return model;
}

async function runOrt(
  session: ort.InferenceSession,
  x: Tensor,
): Promise<{ data: Float32Array; dims: readonly number[] }> {
  const feeds = { input: new ort.Tensor('float32', x.data, x.shape) };
  const results = await session.run(feeds);
  const output = results[session.outputNames[0]];
  assert.equal(output.type, 'float32');
  return { data: output.data as Float32Array, dims: output.dims };
}

async function checkAgainstReference(
  t: TestContext,
  session: ort.InferenceSession,
  model: ResNet,
  shape: readonly number[],
  what: string,
): Promise<void> {
  const x = ruleTensor('input', shape);
  const expected = model.call(x);
  const actual = await runOrt(session, x);
  assert.deepEqual(actual.dims, expected.shape, `${what}: output shape`);
  const stats = assertClose(actual.data, expected.data, 1e-4, what);
  t.diagnostic(`${what}: ${JSON.stringify(stats)}`);
}

test('resnet50: ORT logits equal the reference at 224×224 and at batch 2 × 193×257 (one file)', async (t) => {
  const model = ruleModel('resnet50');
  const path = join(dir, 'resnet50.onnx');
  const bytes = writeOnnx(path, model);
  t.diagnostic(`resnet50.onnx: ${bytes.length} bytes`);
  const session = await ort.InferenceSession.create(path, SESSION_OPTIONS);
  assert.deepEqual(session.inputNames, ['input']);
  assert.deepEqual(session.outputNames, ['logits']);
  await checkAgainstReference(t, session, model, [1, 3, 224, 224], 'resnet50 224×224');
  await checkAgainstReference(t, session, model, [2, 3, 193, 257], 'resnet50 2×193×257');
  await session.release();
});

test('v1 variant, zero-pad shortcut and resnet18 match the reference at 64×64', async (t) => {
  const cases: [string, ArchName, ResNetOptions][] = [
    ['resnet50 v1', 'resnet50', { variant: 'v1' }],
    ['resnet50 zero-pad', 'resnet50', { shortcut: 'zero-pad' }],
    ['resnet18 zero-pad', 'resnet18', { shortcut: 'zero-pad' }],
    ['resnet18', 'resnet18', {}],
    ['resnet18 10 classes, opset 17', 'resnet18', { numClasses: 10 }],
  ];
  for (const [what, arch, options] of cases) {
    const model = ruleModel(arch, options);
    const opset = what.includes('opset 17') ? 17 : 13;
    const session = await ort.InferenceSession.create(exportOnnx(model, { opset }), SESSION_OPTIONS);
    await checkAgainstReference(t, session, model, [2, 3, 64, 64], what);
    await session.release();
  }
});

test('headless models export their pooled features or layer4 maps', async (t) => {
  const pooled = ruleModel('resnet18', { includeTop: false, pooling: 'max' });
  let session = await ort.InferenceSession.create(exportOnnx(pooled), SESSION_OPTIONS);
  assert.deepEqual(session.outputNames, ['pool']);
  await checkAgainstReference(t, session, pooled, [1, 3, 64, 96], 'resnet18 max-pooled features');
  await session.release();

  const maps = ruleModel('resnet18', { includeTop: false, pooling: 'none' });
  session = await ort.InferenceSession.create(
    exportOnnx(maps, { dynamic: false, batch: 1, height: 64, width: 96 }),
    SESSION_OPTIONS,
  );
  assert.deepEqual(session.outputNames, ['layer4']);
  await checkAgainstReference(t, session, maps, [1, 3, 64, 96], 'resnet18 layer4 maps (static shape)');
  await session.release();
});

test('opsets below 13 are refused with a UserError naming options.opset (--opset in the CLI)', () => {
  const model = resnet('resnet18', { init: 'none' });
  assert.throws(
    () => exportOnnx(model, { opset: 12 }),
    (e: unknown) => {
      assert.ok(e instanceof UserError);
      assert.match(e.message, /^options\.opset must be an integer from 13 to 18 .*, got 12\.$/);
      assert.match(flagSentence(e), /^--opset must be an integer from 13 to 18 .*, got 12\.$/);
      return true;
    },
  );
});

test('resnet50 export writes a file ORT loads; --opset 12, --format and --out errors leave no file', async () => {
  const weights = join(dir, 'rule18.safetensors');
  saveWeightsFile(weights, ruleStateDict(resnet('resnet18', { init: 'none' })));
  const out = join(dir, 'cli18.onnx');
  const base = ['export', '--weights', weights, '--arch', 'resnet18'];
  const r = runCli([...base, '--format', 'onnx', '--out', out]);
  assert.equal(r.status, 0, r.stderr);
  const session = await ort.InferenceSession.create(out, SESSION_OPTIONS);
  assert.deepEqual(session.outputNames, ['logits']);
  const x = ruleTensor('input', [1, 3, 64, 64]);
  const model = ruleModel('resnet18');
  assertClose((await runOrt(session, x)).data, model.call(x).data, 1e-4, 'CLI-exported resnet18');
  await session.release();

  const bad = join(dir, 'bad.onnx');
  for (const [args, flag] of [
    [['--opset', '12', '--out', bad], '--opset'],
    [['--format', 'tflite', '--out', bad], '--format'],
    [[], '--out'],
  ] as const) {
    const e = runCli([...base, ...args]);
    assert.ok(e.status === 1 || e.status === 2, `${args.join(' ')}: exit ${e.status}`);
    assert.ok(e.stderr.includes(flag), e.stderr);
    assert.equal(e.stderr.trim().split('\n').length, 1, e.stderr);
    assert.equal(existsSync(bad), false);
  }
  assert.deepEqual(
    readdirSync(dir).filter((f) => f.endsWith('.tmp')),
    [],
  );

  const help = runCli(['export', '--help']);
  assert.equal(help.status, 0);
  assert.match(help.stdout, /--opset/);
});
