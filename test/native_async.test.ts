/**
 * addon.buildPlan(): a native plan built on libuv's worker pool. The event loop runs while a ResNet-50
 * plan reads and packs its 100 MB of weights (a timer fires during the build; around the synchronous
 * constructor it cannot), the plan is the constructor's (same logits bit for bit, fp32 and bf16; fp32
 * also the reference model's within tolerance), and its errors are the constructor's: TypeErrors for
 * malformed ops, a FileFormatError naming the file and tensor for weights it cannot read. The native
 * executor compiles through it: a runner disposed while its plan builds rejects the pending forward.
 */
import assert from 'node:assert/strict';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { nativeAddon, type NativeOp, type NativePlan } from '../src/backends/native/addon.js';
import { nativeOps } from '../src/backends/native/executor.js';
import { indexWeightsFile, saveWeightsFile } from '../src/io/weights/index.js';
import { lowerResNet } from '../src/model/plan.js';
import { resnet } from '../src/model/resnet.js';
import { createRunner } from '../src/tasks/runner.js';
import { assertClose } from './helpers/compare.js';
import { watchEventLoop } from './helpers/event_loop.js';
import { NATIVE_SKIP } from './helpers/native.js';
import { ruleStateDict, ruleTensor } from './helpers/rule_weights.js';
import { tempDirs } from './helpers/tmp.js';

const tempDir = tempDirs('resnet50-native-async-');

const logits = async (plan: NativePlan, x: Float32Array, shape: readonly number[]): Promise<Float32Array> => {
  const [N, C, H, W] = shape;
  const [out] = await plan.run(x, N, C, H, W);
  return out.data;
};

test(
  'a ResNet-50 plan built by buildPlan: the event loop runs during the build, the logits are new Plan’s bit for bit',
  { skip: NATIVE_SKIP },
  async () => {
    const addon = nativeAddon()!;
    const model = resnet('resnet50', { init: 'none' });
    const state = ruleStateDict(model);
    model.loadStateDict(state);
    // The weights as the CLI streams them: read by the engine from an all-F32 safetensors file.
    const file = join(tempDir(), 'resnet50.safetensors');
    saveWeightsFile(file, state);
    const index = indexWeightsFile(file)!;
    const { ops, outputs } = nativeOps(
      lowerResNet(model, ['output'], (key) => {
        const e = index.get(key)!;
        return { file, offset: e.offset, length: e.bytes / 4 };
      }),
    );
    const x = ruleTensor('input', [1, 3, 64, 64]);
    const expected = model.call(x);

    for (const precision of ['fp32', 'bf16'] as const) {
      const sync = await watchEventLoop(async () => new addon.Plan(ops, outputs, { precision }));
      assert.equal(sync.loop.ticks, 0, 'nothing else runs while new Plan builds on the calling thread');
      const built = await watchEventLoop(() => addon.buildPlan(ops, outputs, { precision }));
      assert.ok(
        built.loop.ticks >= 1,
        `${precision}: the 5 ms timer fired ${built.loop.ticks} times during buildPlan`,
      );
      assert.equal(built.value.path(), sync.value.path());
      assert.equal(built.value.weightBytes(), sync.value.weightBytes());
      const got = await logits(built.value, x.data, x.shape);
      assert.deepEqual(
        got,
        await logits(sync.value, x.data, x.shape),
        `${precision}: logits differ from new Plan's`,
      );
      if (precision === 'fp32') assertClose(got, expected.data, 1e-4, 'buildPlan vs the model');
      built.value.dispose();
      sync.value.dispose();
    }
  },
);

test(
  'buildPlan rejects as new Plan throws: the TypeError of a malformed op, a FileFormatError naming an unreadable file and tensor',
  { skip: NATIVE_SKIP },
  async () => {
    const addon = nativeAddon()!;
    const linear = (weight: object): NativeOp[] =>
      [
        { op: 'input', output: 0, layout: 'flat', channels: 16, border: 0 },
        { op: 'linear', input: 0, output: 1, inFeatures: 16, outFeatures: 4, weight, bias: null },
      ] as NativeOp[];
    const malformed = [{ op: 'input', output: 0, layout: 'flat', channels: 16 }] as unknown as NativeOp[];
    const typeError = {
      name: 'TypeError',
      message: "plan op 0 (input): field 'border' must be a non-negative 32-bit integer, got undefined",
    };
    assert.throws(() => new addon.Plan(malformed, [0]), typeError);
    await assert.rejects(addon.buildPlan(malformed, [0]), typeError);
    await assert.rejects(
      addon.buildPlan(linear({ file: 'w.bin', offset: 0, length: 64 }), [1], { precision: 'fp16' } as never),
      {
        name: 'TypeError',
        message: "plan: options.precision must be 'fp32', 'bf16' or 'int8'",
      },
    );

    const dir = tempDir();
    const short = join(dir, 'short.bin');
    writeFileSync(short, new Uint8Array(100)); // 25 floats, the weight needs 64
    for (const file of [short, join(dir, 'missing.bin')]) {
      const ops = linear({ file, offset: 0, length: 64 });
      const readError = {
        name: 'FileFormatError',
        message: `${file}: cannot read the data of tensor 'weight' (the file changed or is truncated).`,
      };
      assert.throws(() => new addon.Plan(ops, [1]), readError);
      await assert.rejects(addon.buildPlan(ops, [1]), readError);
    }
    // The same bytes at an offset that fits: the plan builds and reads them.
    const weights = new Float32Array(64).map((_, i) => i);
    writeFileSync(short, new Uint8Array(weights.buffer));
    const plan = await addon.buildPlan(linear({ file: short, offset: 0, length: 64 }), [1]);
    const [out] = await plan.run(new Float32Array(16).fill(1), 1, 16, 1, 1);
    assert.deepEqual([...out.data], [120, 376, 632, 888]);
    plan.dispose();
  },
);

test(
  'a native runner disposed while its plan builds rejects the pending forward',
  { skip: NATIVE_SKIP },
  async () => {
    const model = resnet('resnet18', { init: 'none', numClasses: 10 });
    model.loadStateDict(ruleStateDict(model));
    const runner = createRunner(model, { backend: 'native' });
    const x = ruleTensor('input', [1, 3, 32, 32]);
    const pending = runner.forward(x);
    assert.equal(runner.weightBytes(), 0, 'no weights held before the build ends');
    runner.dispose();
    await assert.rejects(pending, { name: 'UserError', message: 'This compiled plan was disposed.' });
    const again = createRunner(model, { backend: 'native' });
    assertClose((await again.forward(x)).data, model.call(x).data, 1e-4, 'a new runner');
    assert.ok(again.weightBytes() > 40e6, `${again.weightBytes()} bytes of weights held after the build`);
    again.dispose();
  },
);

/** `count` native plans of a ResNet-18 (1000 classes) with the rule weights, built on the pool. */
async function ruleResNet18Plans(count: number): Promise<NativePlan[]> {
  const model = resnet('resnet18', { init: 'none' });
  model.loadStateDict(ruleStateDict(model));
  const { ops, outputs } = nativeOps(lowerResNet(model, ['output']));
  return Promise.all(Array.from({ length: count }, () => nativeAddon()!.buildPlan(ops, outputs)));
}

test(
  'run takes one buffer per image, and refuses lists and buffers that do not match the shape',
  { skip: NATIVE_SKIP },
  async () => {
    const [plan] = await ruleResNet18Plans(1);
    const x = ruleTensor('input', [2, 3, 40, 32]);
    const each = 3 * 40 * 32;
    const images = [x.data.slice(0, each), x.data.slice(each)];
    assert.deepEqual((await plan.run(images, 2, 3, 40, 32))[0].data, await logits(plan, x.data, x.shape));
    assert.deepEqual(plan.runSync(images, 2, 3, 40, 32)[0].data, await logits(plan, x.data, x.shape));
    await assert.rejects(async () => plan.run(images, 3, 3, 40, 32), /different number of images than n/);
    await assert.rejects(
      async () => plan.run([images[0], images[1].subarray(1)], 2, 3, 40, 32),
      /length does not match/,
    );
    await assert.rejects(
      async () => plan.run([images[0], [1, 2]] as unknown as Float32Array[], 2, 3, 40, 32),
      TypeError,
    );
    await assert.rejects(async () => plan.run(x.data, 0, 3, 40, 32), /shape must be positive/);
    assert.throws(
      () => plan.runSync(x.data.subarray(1), 2, 3, 40, 32),
      /input length does not match its shape/,
    );
    plan.dispose();
  },
);

test(
  'a plan disposed while it runs stops within a work item and rejects; runs of another plan are unaffected',
  { skip: NATIVE_SKIP },
  async () => {
    const [doomed, kept] = await ruleResNet18Plans(2);
    const x = ruleTensor('input', [4, 3, 160, 160]);
    const expected = await logits(kept, x.data, x.shape);
    const [N, C, H, W] = x.shape;
    // Queued behind one another (one plan runs at a time): the first is stopped wherever it is.
    const running = doomed.run(x.data, N, C, H, W);
    const after = kept.run(x.data, N, C, H, W);
    doomed.dispose();
    await assert.rejects(running, /the native plan was disposed while it ran/);
    assert.deepEqual((await after)[0].data, expected);
    assert.throws(() => doomed.runSync(x.data, N, C, H, W), /the native plan was disposed/);
    kept.dispose();
  },
);
