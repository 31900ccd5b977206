/**
 * onnxruntime-node's cold start, the reference for `resnet50 classify`'s: load onnxruntime-node,
 * create a session from an .onnx file, run one input, exit. Started as a child process by
 * bench/compare_onnxruntime.ts, which times it from spawn to exit and reads its peak RSS.
 *
 *   node bench/ort_cold.mjs MODEL.onnx [--threads 2] [--batch 1] [--input 224 | HxW]
 *
 * Prints one JSON line: {"version","threads","batch","input","importMs","createMs","runMs","outputDims"}.
 * Session options are the anchor's (bench/ort.ts): intraOpNumThreads = threads, one inter-op
 * thread, all graph optimizations, sequential execution. It must live inside the repository so that
 * onnxruntime-node resolves from node_modules.
 */
import { parseArgs } from 'node:util';

const { values, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    threads: { type: 'string' },
    batch: { type: 'string' },
    input: { type: 'string' },
  },
});
const modelPath = positionals[0];
if (modelPath === undefined) throw new Error('usage: node bench/ort_cold.mjs MODEL.onnx [--threads T]');
const threads = Number(values.threads ?? 2);
const batch = Number(values.batch ?? 1);
const size = /^(\d+)(?:[x×](\d+))?$/.exec(values.input ?? '224');
if (size === null) throw new Error(`--input must be like 224 or 193x257, got '${values.input}'`);
const height = Number(size[1]);
const width = Number(size[2] ?? size[1]);

const t0 = performance.now();
const ort = await import('onnxruntime-node');
const t1 = performance.now();
const session = await ort.InferenceSession.create(modelPath, {
  intraOpNumThreads: threads,
  interOpNumThreads: 1,
  graphOptimizationLevel: 'all',
  executionMode: 'sequential',
});
const t2 = performance.now();
const dims = [batch, 3, height, width];
const data = new Float32Array(batch * 3 * height * width);
for (let i = 0; i < data.length; i++) data[i] = Math.sin(i * 0.37);
const output = await session.run({ [session.inputNames[0]]: new ort.Tensor('float32', data, dims) });
const t3 = performance.now();
await session.release();
process.stdout.write(
  `${JSON.stringify({
    version: ort.env.versions.node ?? ort.env.versions.common,
    threads,
    batch,
    input: [height, width],
    importMs: Number((t1 - t0).toFixed(1)),
    createMs: Number((t2 - t1).toFixed(1)),
    runMs: Number((t3 - t2).toFixed(1)),
    outputDims: output[session.outputNames[0]].dims,
  })}\n`,
);
