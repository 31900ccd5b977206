/**
 * onnxruntime-node latency of an exported ResNet (the yardstick for native backends).
 *
 *   node dist/bench/ort.js --model m.onnx [--batch 1] [--input 224 | 193x257] [--iters 20]
 *                          [--warmup 3] [--threads 2]
 *
 * Prints one JSON line: {"runtime":"onnxruntime-node","version","threads","batch","input","medianMs","imgPerSec"}.
 * Sessions use intraOpNumThreads = threads, one inter-op thread, all graph optimizations, sequential
 * execution; the input is a fixed deterministic pattern so runs are comparable.
 */
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
/** The median (mean of the middle two for even lengths). */
export function medianOf(xs) {
    if (xs.length === 0)
        throw new RangeError('median of an empty list');
    const sorted = [...xs].sort((a, b) => a - b);
    const mid = Math.floor(sorted.length / 2);
    return sorted.length % 2 === 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}
/** Values in [-1, 1) from a fixed linear-congruential sequence. */
function deterministicInput(size) {
    const data = new Float32Array(size);
    let state = 12345;
    for (let i = 0; i < size; i++) {
        state = (Math.imul(state, 1103515245) + 12345) >>> 0;
        data[i] = (state >>> 8) / 8388608 - 1;
    }
    return data;
}
export async function benchOnnxRuntime(modelPath, opts) {
    const session = await ort.InferenceSession.create(modelPath, {
        intraOpNumThreads: opts.threads,
        interOpNumThreads: 1,
        graphOptimizationLevel: 'all',
        executionMode: 'sequential',
    });
    try {
        const dims = [opts.batch, 3, opts.height, opts.width];
        const input = new ort.Tensor('float32', deterministicInput(dims.reduce((a, b) => a * b, 1)), dims);
        const feeds = { [session.inputNames[0]]: input };
        for (let i = 0; i < opts.warmup; i++)
            await session.run(feeds);
        const timesMs = [];
        for (let i = 0; i < opts.iters; i++) {
            const t0 = performance.now();
            await session.run(feeds);
            timesMs.push(performance.now() - t0);
        }
        const medianMs = medianOf(timesMs);
        return { medianMs, imgPerSec: (opts.batch * 1000) / medianMs, timesMs };
    }
    finally {
        await session.release();
    }
}
function intArg(raw, name, fallback, min = 1) {
    if (raw === undefined)
        return fallback;
    const v = Number(raw);
    if (!Number.isInteger(v) || v < min)
        throw new Error(`--${name} must be an integer ≥ ${min}, got '${raw}'`);
    return v;
}
async function main() {
    const { values } = parseArgs({
        options: {
            model: { type: 'string' },
            batch: { type: 'string' },
            input: { type: 'string' },
            iters: { type: 'string' },
            warmup: { type: 'string' },
            threads: { type: 'string' },
        },
    });
    if (values.model === undefined)
        throw new Error('--model m.onnx is required');
    const size = /^(\d+)(?:[x×](\d+))?$/.exec(values.input ?? '224');
    if (size === null)
        throw new Error(`--input must be like 224 or 193x257, got '${values.input}'`);
    const height = Number(size[1]);
    const width = Number(size[2] ?? size[1]);
    const opts = {
        batch: intArg(values.batch, 'batch', 1),
        height,
        width,
        iters: intArg(values.iters, 'iters', 20),
        warmup: intArg(values.warmup, 'warmup', 3, 0),
        threads: intArg(values.threads, 'threads', 2),
    };
    const result = await benchOnnxRuntime(values.model, opts);
    console.log(JSON.stringify({
        runtime: 'onnxruntime-node',
        version: ort.env.versions.node ?? ort.env.versions.common,
        threads: opts.threads,
        batch: opts.batch,
        input: height === width ? height : `${height}x${width}`,
        medianMs: Number(result.medianMs.toFixed(2)),
        imgPerSec: Number(result.imgPerSec.toFixed(2)),
    }));
}
const invokedDirectly = process.argv[1] !== undefined && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url);
if (invokedDirectly)
    await main();
//# sourceMappingURL=ort.js.map