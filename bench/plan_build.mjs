/**
 * The native plan build alone, in a fresh process: ResNet-50 lowered with its weights read by the
 * engine from an all-F32 safetensors file (as `resnet50 classify --weights W.safetensors` does), then
 * `new addon.Plan(...)` timed once (the synchronous build), or with --async the promise of
 * `addon.buildPlan(...)`, while a 5 ms timer counts how often the event loop ran. Started as a child
 * process by bench/cold_start.ts for each checkout it compares, so it imports that checkout's dist/.
 *
 *   node bench/plan_build.mjs CHECKOUT WEIGHTS.safetensors [--async]
 *
 * Prints one JSON line: {"mode","buildMs","cpuMs","weightBytes","ticks","sha256"}: wall and CPU time
 * (all of the process's threads) of the build, the timer's count, and the SHA-256 of the logits of
 * one run on a fixed 224×224 input.
 */
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [checkout, weights, flag] = process.argv.slice(2);
if (weights === undefined) throw new Error('usage: node bench/plan_build.mjs CHECKOUT WEIGHTS [--async]');
const load = (path) => import(pathToFileURL(join(checkout, 'dist/src', path)).href);
const { nativeAddon } = await load('backends/native/addon.js');
const { nativeOps } = await load('backends/native/executor.js');
const { lowerResNet } = await load('model/plan.js');
const { resnet } = await load('model/resnet.js');
const { indexWeightsFile } = await load('io/weights/index.js');

const addon = nativeAddon();
if (addon === null) throw new Error(`${checkout}: the native addon is not built`);
const index = indexWeightsFile(weights);
const model = resnet('resnet50', { init: 'none' });
const plan = lowerResNet(model, ['output'], (key) => {
  const e = index.get(key);
  return { file: weights, offset: e.offset, length: e.bytes / 4 };
});
const { ops, outputs } = nativeOps(plan);

let ticks = 0;
const timer = setInterval(() => ticks++, 5);
const started = performance.now();
const cpu = process.cpuUsage();
const built =
  flag === '--async'
    ? await addon.buildPlan(ops, outputs, { precision: 'fp32' })
    : new addon.Plan(ops, outputs);
const buildMs = performance.now() - started;
const { user, system } = process.cpuUsage(cpu);
clearInterval(timer);
const weightBytes = built.weightBytes(); // before the run, which adds the Winograd weights
// One run on a fixed input: the SHA-256 of the logits' bytes tells whether two builds pack alike.
const input = new Float32Array(3 * 224 * 224).map((_, i) => Math.sin(i) * 2);
const [logits] = await built.run(input, 1, 3, 224, 224);
const sha256 = createHash('sha256').update(new Uint8Array(logits.data.buffer)).digest('hex');
process.stdout.write(
  `${JSON.stringify({
    mode: flag === '--async' ? 'async' : 'sync',
    buildMs,
    cpuMs: (user + system) / 1000,
    weightBytes,
    ticks,
    sha256,
  })}\n`,
);
built.dispose();
