/**
 * The WebAssembly engine in Node against the native engine and onnxruntime-node, on ResNet-50.
 *
 *   npm run build && node dist/bench/wasm_node.js [--iters 10] [--warmup 2] [--out bench/results/wasm_node.md]
 *
 * 1. Per convolution shape of ResNet-50 at 224 (the stem, 1×1 and 3×3 convs of each stage), one
 *    thread: GFLOP/s (2 · multiply-adds / median time) of the wasm engine, plain and relaxed SIMD
 *    where this Node runs relaxed SIMD (`node --experimental-wasm-relaxed-simd` on Node 20). The
 *    time of a conv is that of a one-conv plan minus that of the same plan without the conv (copying
 *    the input into the blocked layout, a global pool), which the network does not pay per conv.
 * 2. ResNet-50 (torchvision's random initialization; timing does not depend on the weights):
 *    batch-1 median latency and batch-4 throughput of wasm with 1 and 2 threads, native with 2 and
 *    onnxruntime-node with 2 (the model exported with writeOnnx, the settings of bench/ort.ts).
 * Prints the CPU (lscpu model and flags) and writes a markdown report.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { nativeAddon } from '../src/backends/native/addon.js';
import { createWasmExecutor, type WasmExecutor } from '../src/backends/wasm/executor.js';
import { nodeWasmPlatform } from '../src/backends/wasm/platform_node.js';
import { lowerResNet } from '../src/model/plan.js';
import { resnet } from '../src/model/resnet.js';
import type { CompiledPlan, Plan } from '../src/plan/plan.js';
import { writeOnnx } from '../src/tasks/onnx_export.js';
import { createRunner } from '../src/tasks/runner.js';
import { Tensor } from '../src/tensor/tensor.js';
import { writeMarkdown } from './markdown.js';
import { benchOnnxRuntime, medianOf } from './ort.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const { values } = parseArgs({
  options: {
    iters: { type: 'string', default: '10' },
    warmup: { type: 'string', default: '2' },
    out: { type: 'string', default: join(REPO, 'bench/results/wasm_node.md') },
  },
});
const iters = Number(values.iters);
const warmup = Number(values.warmup);
const progress = (m: string) => process.stderr.write(`${m}\n`);

function input(shape: number[]): Float32Array {
  const x = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < x.length; i++) x[i] = Math.sin(i * 0.37);
  return x;
}

/** Median ms of `run` over `n` timed calls after `w` untimed ones. */
async function time(run: () => Promise<unknown>, n = iters, w = warmup): Promise<number> {
  for (let i = 0; i < w; i++) await run();
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await run();
    times.push(performance.now() - t0);
  }
  return medianOf(times);
}

function cpu(): { model: string; flags: string } {
  const text = execFileSync('lscpu', { encoding: 'utf8' });
  const field = (name: string) => new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(text)?.[1] ?? '?';
  return { model: field('Model name'), flags: field('Flags') };
}

/** One conv of ResNet-50 at 224: [name, C, OC, K, stride, input size]. */
const CONVS: [string, number, number, number, number, number][] = [
  ['stem 7×7/2, 3→64', 3, 64, 7, 2, 224],
  ['layer1 1×1, 256→64', 256, 64, 1, 1, 56],
  ['layer1 3×3, 64→64', 64, 64, 3, 1, 56],
  ['layer1 1×1, 64→256', 64, 256, 1, 1, 56],
  ['layer2 3×3/2, 128→128', 128, 128, 3, 2, 56],
  ['layer2 3×3, 128→128', 128, 128, 3, 1, 28],
  ['layer3 1×1, 1024→256', 1024, 256, 1, 1, 14],
  ['layer3 3×3, 256→256', 256, 256, 3, 1, 14],
  ['layer4 1×1, 512→2048', 512, 2048, 1, 1, 7],
  ['layer4 1×1, 2048→512', 2048, 512, 1, 1, 7],
  ['layer4 3×3, 512→512', 512, 512, 3, 1, 7],
];

/** A one-conv plan (input → conv → global pool), or without the conv (input → global pool). */
function convPlan(c: number, oc: number, k: number, stride: number, withConv = true): Plan {
  const weight = input([oc, c, k, k]).map((v) => v * 0.05);
  if (!withConv) {
    return {
      inputChannels: c,
      minInputSize: 1,
      ops: [{ kind: 'globalPool', mode: 'avg', input: 0, output: 1 }],
      outputs: [{ name: 'output', slot: 1 }],
    };
  }
  return {
    inputChannels: c,
    minInputSize: 1,
    ops: [
      {
        kind: 'conv',
        name: 'conv',
        input: 0,
        output: 1,
        inChannels: c,
        outChannels: oc,
        kernel: [k, k],
        stride: [stride, stride],
        padding: [(k - 1) / 2, (k - 1) / 2],
        weight,
        bias: new Float32Array(oc),
        batchNorm: null,
        residual: null,
        relu: true,
      },
      { kind: 'globalPool', mode: 'avg', input: 1, output: 2 },
    ],
    outputs: [{ name: 'output', slot: 2 }],
  };
}

const relaxed = await createWasmExecutor(nodeWasmPlatform, { threads: 1 }).info();
const builds: { label: string; simd: 'simd' | 'relaxed' }[] = [{ label: 'simd', simd: 'simd' }];
if (relaxed.variant.startsWith('relaxed')) builds.push({ label: 'relaxed', simd: 'relaxed' });

const lines: string[] = [];
const { model: cpuModel, flags } = cpu();
progress(`CPU: ${cpuModel}`);
lines.push('# WebAssembly engine in Node', '');
lines.push(`CPU: ${cpuModel}, ${process.version}, run ${new Date().toISOString().slice(0, 16)}Z.`, '');
const load = () => loadavg()[0].toFixed(1);
lines.push(`Load average (1 min) at the start: ${load()} on ${availableParallelism()} cores.`, '');
lines.push(`lscpu flags: ${flags}`, '');

const executors = new Map<string, WasmExecutor>();
const wasm = (threads: number, simd: 'simd' | 'relaxed'): WasmExecutor => {
  const key = `${threads}-${simd}`;
  let e = executors.get(key);
  if (e === undefined) executors.set(key, (e = createWasmExecutor(nodeWasmPlatform, { threads, simd })));
  return e;
};

lines.push('## Convolutions, one thread', '');
lines.push(
  `| conv (input size) | GMAC | ${builds.map((b) => `${b.label} ms | ${b.label} GFLOP/s`).join(' | ')} |`,
);
lines.push(`| --- | --- | ${builds.map(() => '--- | ---').join(' | ')} |`);
const ex1 = wasm(1, 'simd');
const tile = (await ex1.info()).tile;
for (const [name, c, oc, k, stride, size] of CONVS) {
  const out = Math.floor((size + k - 1 - k) / stride) + 1;
  const gmac = (c * oc * k * k * out * out) / 1e9;
  const cells: string[] = [];
  for (const b of builds) {
    const full = wasm(1, b.simd).compile(convPlan(c, oc, k, stride));
    const base = wasm(1, b.simd).compile(convPlan(c, oc, k, stride, false));
    const x = input([1, c, size, size]);
    // Interleaved: the plan with the conv, then the one without, medians of each.
    const withConv: number[] = [];
    const without: number[] = [];
    for (let i = 0; i < warmup + iters; i++) {
      const t0 = performance.now();
      await full.run(x, [1, c, size, size]);
      const t1 = performance.now();
      await base.run(x, [1, c, size, size]);
      if (i >= warmup) {
        withConv.push(t1 - t0);
        without.push(performance.now() - t1);
      }
    }
    full.dispose();
    base.dispose();
    const ms = medianOf(withConv) - medianOf(without);
    cells.push(`${ms.toFixed(2)} | ${((2 * gmac) / (ms / 1e3)).toFixed(1)}`);
    progress(
      `${name} ${b.label}: ${ms.toFixed(2)} ms (input copy and pool ${medianOf(without).toFixed(2)} ms)`,
    );
  }
  lines.push(`| ${name} (${size}×${size}) | ${gmac.toFixed(3)} | ${cells.join(' | ')} |`);
}
lines.push(
  '',
  'Each row is a one-conv plan run by the executor (in a worker) minus the same plan without the conv',
  '(copying the input into the blocked layout, a global pool), medians of interleaved runs. The 3×3',
  'stride-1 rows run Winograd (GFLOP/s counts the direct method).',
  `Register tile: ${Math.floor(tile / 100)} pixels × ${tile % 100} vectors of 4 output channels.`,
  '',
);

const model = resnet('resnet50');
const plan = lowerResNet(model);
interface Row {
  name: string;
  b1: number;
  b4: number;
}
const rows: Row[] = [];
const x1 = input([1, 3, 224, 224]);
const x4 = input([4, 3, 224, 224]);
const measure = async (name: string, run: (x: Float32Array, n: number) => Promise<unknown>) => {
  const b1 = await time(() => run(x1, 1));
  const b4 = await time(() => run(x4, 4), Math.max(3, Math.ceil(iters / 2)), 1);
  rows.push({ name, b1, b4 });
  progress(`${name}: batch 1 ${b1.toFixed(1)} ms, batch 4 ${((4 * 1000) / b4).toFixed(2)} img/s`);
};
for (const b of builds) {
  for (const threads of [1, 2]) {
    const compiled: CompiledPlan = wasm(threads, b.simd).compile(plan);
    await measure(`wasm ${b.label}, ${threads} thread${threads > 1 ? 's' : ''}`, (x, n) =>
      compiled.run(x, [n, 3, 224, 224]),
    );
    compiled.dispose();
  }
}
const addon = nativeAddon();
if (addon !== null) {
  addon.configure({ threads: 2 });
  const runner = createRunner(model, { backend: 'native' });
  await measure(`native (${addon.configure().isa}), 2 threads`, (x, n) =>
    runner.forward(new Tensor(x, [n, 3, 224, 224])),
  );
  runner.dispose();
}
const tmp = mkdtempSync(join(tmpdir(), 'resnet50-wasm-bench-'));
try {
  const onnx = join(tmp, 'resnet50.onnx');
  writeOnnx(onnx, model);
  const opts = { height: 224, width: 224, iters, warmup, threads: 2 };
  const b1 = (await benchOnnxRuntime(onnx, { ...opts, batch: 1 })).medianMs;
  const b4 = (await benchOnnxRuntime(onnx, { ...opts, batch: 4, iters: Math.max(3, Math.ceil(iters / 2)) }))
    .medianMs;
  rows.push({ name: 'onnxruntime-node, 2 threads', b1, b4 });
  progress(`onnxruntime-node: batch 1 ${b1.toFixed(1)} ms`);
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
await Promise.all([...executors.values()].map((e) => e.shutdown()));

lines.push('## ResNet-50 at 224×224', '');
lines.push('| runtime | batch 1 median ms | batch 4 img/s |', '| --- | --- | --- |');
for (const r of rows) lines.push(`| ${r.name} | ${r.b1.toFixed(1)} | ${((4 * 1000) / r.b4).toFixed(2)} |`);
lines.push('', `Medians of ${iters} timed runs after ${warmup} untimed (batch 4: fewer), in one process.`);
lines.push(
  `Load average (1 min) at the end: ${load()}; above the core count, every figure here is inflated.`,
);
const text = lines.join('\n') + '\n';
process.stdout.write(text);
await writeMarkdown(values.out, text);
