/**
 * CPU time per pass of our fp32 native engine and onnxruntime-node on ResNet-50, one thread each, in
 * one process (issue 17, point 5, on a machine shared with other work).
 *
 *   npm run build && node dist/bench/fp32_cpu_vs_ort.js [--batches 1,8] [--rounds 4] [--iters 5]
 *       [--warmup 4]
 *
 * On a loaded machine wall time mostly measures how long other processes held the core; with one
 * thread per runtime the process CPU time of a pass (process.cpuUsage, user + system) is the work
 * itself. The two runtimes take turns for --rounds rounds (order alternating), each turn --warmup
 * untimed passes (ours runs on libuv's 4 pool threads, each of which grows its Winograd scratch once)
 * and --iters timed ones; medians over all timed passes. ORT: the settings of bench/ort.ts with
 * intraOpNumThreads 1. The model is resnet('resnet50') (torchvision's random initialization),
 * exported with writeOnnx so that both run the same weights. Prints a markdown table with lscpu's
 * model and the load average before and after.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { nativeAddon } from '../src/backends/native/addon.js';
import { median } from '../src/cli/bench.js';
import { resnet } from '../src/model/resnet.js';
import { writeOnnx } from '../src/tasks/onnx_export.js';
import { createRunner } from '../src/tasks/runner.js';
import { Tensor } from '../src/tensor/tensor.js';
import { cpuLine, loadAverage } from './machine.js';

const { values } = parseArgs({
  options: {
    batches: { type: 'string', default: '1,8' },
    rounds: { type: 'string', default: '4' },
    iters: { type: 'string', default: '5' },
    warmup: { type: 'string', default: '4' },
  },
});
const batches = values.batches.split(',').map(Number);
const rounds = Number(values.rounds);
const iters = Number(values.iters);
const warmup = Number(values.warmup);
const log = (s: string) => process.stderr.write(`${s}\n`);

/** Process CPU ms and wall ms of each of `iters` passes after `warmup` untimed ones. */
async function passes(run: () => Promise<unknown>): Promise<{ cpu: number[]; wall: number[] }> {
  for (let i = 0; i < warmup; i++) await run();
  const cpu: number[] = [];
  const wall: number[] = [];
  for (let i = 0; i < iters; i++) {
    const c0 = process.cpuUsage();
    const t0 = performance.now();
    await run();
    wall.push(performance.now() - t0);
    const c = process.cpuUsage(c0);
    cpu.push((c.user + c.system) / 1000);
  }
  return { cpu, wall };
}

const addon = nativeAddon();
if (addon === null) throw new Error('the native engine is not built');
const { isa } = addon.configure({ threads: 1 });
const tmp = mkdtempSync(join(tmpdir(), 'resnet50-cpu-vs-ort-'));
const loadBefore = loadAverage();
const lines: string[] = [];
try {
  const model = resnet('resnet50');
  const onnxPath = join(tmp, 'resnet50.onnx');
  writeOnnx(onnxPath, model);
  const runner = createRunner(model, { backend: 'native' });
  const session = await ort.InferenceSession.create(onnxPath, {
    intraOpNumThreads: 1,
    interOpNumThreads: 1,
    graphOptimizationLevel: 'all',
    executionMode: 'sequential',
  });
  for (const batch of batches) {
    const x = Tensor.zeros([batch, 3, 224, 224]);
    for (let i = 0; i < x.size; i++) x.data[i] = Math.sin(i * 0.37);
    const feeds = { [session.inputNames[0]]: new ort.Tensor('float32', x.data, [batch, 3, 224, 224]) };
    const ours = { cpu: [] as number[], wall: [] as number[] };
    const theirs = { cpu: [] as number[], wall: [] as number[] };
    for (let r = 0; r < rounds; r++) {
      const order = r % 2 === 0 ? ['ours', 'ort'] : ['ort', 'ours'];
      for (const who of order) {
        const p =
          who === 'ours' ? await passes(() => runner.forward(x)) : await passes(() => session.run(feeds));
        const into = who === 'ours' ? ours : theirs;
        into.cpu.push(...p.cpu);
        into.wall.push(...p.wall);
      }
      log(
        `batch ${batch} round ${r + 1}/${rounds}: ours ${median(ours.cpu).toFixed(1)} ms CPU, ORT ${median(theirs.cpu).toFixed(1)} ms CPU`,
      );
    }
    const o = median(ours.cpu);
    const t = median(theirs.cpu);
    lines.push(
      `| ${batch} | ${o.toFixed(1)} | ${((1000 * batch) / o).toFixed(1)} | ${median(ours.wall).toFixed(1)} | ` +
        `${t.toFixed(1)} | ${((1000 * batch) / t).toFixed(1)} | ${median(theirs.wall).toFixed(1)} | ` +
        `${(o / t).toFixed(2)}× | ${(t / o).toFixed(2)}× |`,
    );
  }
  runner.dispose();
  await session.release();
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
process.stdout.write(
  [
    `CPU: ${cpuLine()}. Load average before: ${loadBefore}, after: ${loadAverage()}. Ours: ${isa}, ORT ${ort.env.versions.node ?? ort.env.versions.common}.`,
    '',
    `One thread each, ${rounds} rounds × ${iters} timed passes (after ${warmup} untimed) per runtime and batch, taking turns; medians.`,
    '',
    '| batch | ours CPU ms | ours img/s (CPU) | ours wall ms | ORT CPU ms | ORT img/s (CPU) | ORT wall ms | CPU ours/ORT | throughput (CPU) ours/ORT |',
    '| --- | --- | --- | --- | --- | --- | --- | --- | --- |',
    ...lines,
    '',
  ].join('\n'),
);
