/**
 * bf16 against fp32 in the native engine on ResNet-50 (torchvision's random initialization; timing
 * does not depend on the values).
 *
 *   npm run build && node dist/bench/bf16.js [--rounds 5] [--iters 5] [--out bench/results/bf16.md]
 *
 * 1. Batch 1 latency and batch 8 throughput, fp32 and bf16 (avx512bf16 when the CPU has it) taking
 *    turns for --rounds rounds in one process (fp32, bf16, then bf16, fp32, …: drift on a shared
 *    machine hits both alike); each turn is one untimed pass and --iters timed ones; medians over all
 *    timed passes. The fp32-emulated path (the portable emulation) runs batch 1 for 2 passes.
 * 2. Per layer type: children `resnet50 bench` with RESNET50_PROFILE=1 (the engine prints each op's
 *    time), fp32 and bf16 alternating; the median time of each op over the passes, summed per type
 *    (kernel, stride, output size), with GFLOP/s from its multiply-adds.
 * 3. Peak RSS of `resnet50 classify` (one photo, weights from a temp all-F32 safetensors file, which
 *    the engine streams: JavaScript holds no weight tensors) in fp32 and bf16, alternating, medians.
 *
 * Writes a markdown report (with `lscpu`'s model and bf16/AMX/VNNI flags and the load average before
 * and after) to --out, and prints it.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { nativeAddon } from '../src/backends/native/addon.js';
import { median } from '../src/cli/bench.js';
import { saveWeightsFile } from '../src/io/weights/index.js';
import { resnet } from '../src/model/resnet.js';
import { createRunner, type Runner } from '../src/tasks/runner.js';
import { Tensor } from '../src/tensor/tensor.js';
import { cpuLine, loadAverage } from './machine.js';
import { writeMarkdown } from './markdown.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const CLI = join(REPO, 'dist/src/cli/main.js');
const TIME = '/usr/bin/time';

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    iters: { type: 'string', default: '5' },
    out: { type: 'string', default: join(REPO, 'bench/results/bf16.md') },
  },
});
const rounds = Number(values.rounds);
const iters = Number(values.iters);
const log = (s: string) => process.stderr.write(`${s}\n`);

const input = (batch: number): Tensor => {
  const x = Tensor.zeros([batch, 3, 224, 224]);
  for (let i = 0; i < x.size; i++) x.data[i] = Math.sin(i * 0.37);
  return x;
};

async function timed(runner: Runner, x: Tensor, n: number): Promise<number[]> {
  await runner.forward(x);
  const times: number[] = [];
  for (let i = 0; i < n; i++) {
    const t0 = performance.now();
    await runner.forward(x);
    times.push(performance.now() - t0);
  }
  return times;
}

const addon = nativeAddon();
if (addon === null) throw new Error('the native engine is not built');
const status = addon.configure();
const model = resnet('resnet50');
const loadBefore = loadAverage();
const runners = {
  fp32: createRunner(model, { backend: 'native' }),
  bf16: createRunner(model, { backend: 'native', precision: 'bf16' }),
};
const speed: Record<string, Record<number, number[]>> = { fp32: { 1: [], 8: [] }, bf16: { 1: [], 8: [] } };
for (const batch of [1, 8]) {
  const x = input(batch);
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? (['fp32', 'bf16'] as const) : (['bf16', 'fp32'] as const);
    for (const p of order) speed[p][batch].push(...(await timed(runners[p], x, batch === 1 ? iters : 2)));
    log(
      `batch ${batch} round ${r + 1}: fp32 ${median(speed.fp32[batch]).toFixed(1)} ms, bf16 ${median(speed.bf16[batch]).toFixed(1)} ms`,
    );
  }
}
const weightBytes = { fp32: runners.fp32.weightBytes(), bf16: runners.bf16.weightBytes() };
runners.fp32.dispose();
runners.bf16.dispose();
addon.configure({ bf16: 'fp32-emulated' });
const emulatedRunner = createRunner(model, { backend: 'native', precision: 'bf16' });
const emulated = await timed(emulatedRunner, input(1), 2);
emulatedRunner.dispose();
addon.configure({ bf16: status.bf16 });
log(`fp32-emulated batch 1: ${median(emulated).toFixed(0)} ms`);

// Per layer type, from the engine's per-op profile of `resnet50 bench` children.
interface OpTime {
  type: string;
  macs: number;
  ms: number;
}
function profile(precision: string): OpTime[][] {
  const passes = 4;
  const r = spawnSync(
    process.execPath,
    [CLI, 'bench', '--precision', precision, '--iters', String(passes - 1), '--warmup', '1', '--json'],
    { encoding: 'utf8', env: { ...process.env, RESNET50_PROFILE: '1' } },
  );
  if (r.status !== 0) throw new Error(r.stderr);
  const kinds = ['input', 'conv', 'maxpool', 'avgpool', 'maxpool', 'linear', 'zeropad', 'toplain'];
  const ops = [
    ...r.stderr.matchAll(/op (\d+) c(\d+)->(\d+) k(\d+)x\d+ s(\d+) out (\d+)x(\d+)x(\d+): ([\d.]+) ms/g),
  ].map((m) => {
    const [kind, c, oc, k, s, , h, w, ms] = m.slice(1).map(Number);
    const conv = kinds[kind] === 'conv';
    return {
      type: conv ? `conv ${k}×${k}${s > 1 ? `/${s}` : ''} → ${h}×${w}` : kinds[kind],
      macs: conv ? h * w * oc * c * k * k : kind === 5 ? c * oc : 0,
      ms,
    };
  });
  const per = ops.length / passes;
  return Array.from({ length: passes }, (_, i) => ops.slice(i * per, (i + 1) * per));
}
const perOp: Record<string, OpTime[][]> = { fp32: [], bf16: [] };
for (let r = 0; r < 2; r++) {
  for (const p of r % 2 === 0 ? ['fp32', 'bf16'] : ['bf16', 'fp32']) perOp[p].push(...profile(p));
}
function byType(passes: OpTime[][]): Map<string, { ms: number; macs: number; count: number }> {
  const out = new Map<string, { ms: number; macs: number; count: number }>();
  passes[0].forEach((op, i) => {
    const ms = median(passes.map((p) => p[i].ms));
    const t = out.get(op.type) ?? { ms: 0, macs: 0, count: 0 };
    out.set(op.type, { ms: t.ms + ms, macs: t.macs + op.macs, count: t.count + 1 });
  });
  return out;
}
const types = { fp32: byType(perOp.fp32), bf16: byType(perOp.bf16) };

// Peak RSS of classify.
const dir = mkdtempSync(join(tmpdir(), 'resnet50-bf16-'));
const weights = join(dir, 'resnet50.safetensors');
saveWeightsFile(weights, model.stateDict());
const rss: Record<string, number[]> = { fp32: [], bf16: [] };
for (let r = 0; r < 3; r++) {
  for (const p of r % 2 === 0 ? ['fp32', 'bf16'] : ['bf16', 'fp32']) {
    const args = [
      CLI,
      'classify',
      join(REPO, 'examples/images/chelsea.png'),
      '--weights',
      weights,
      '--precision',
      p,
      '--json',
    ];
    const res = existsSync(TIME)
      ? spawnSync(TIME, ['-f', 'maxrss_kb=%M', process.execPath, ...args], { encoding: 'utf8' })
      : spawnSync(process.execPath, [join(REPO, 'bench/rss_wrapper.mjs'), ...args], { encoding: 'utf8' });
    const m = /maxrss_kb=(\d+)/.exec(res.stderr);
    if (res.status !== 0 || m === null) throw new Error(res.stderr);
    rss[p].push(Number(m[1]) / 1024);
  }
}
const baseline = spawnSync(TIME, ['-f', 'maxrss_kb=%M', process.execPath, '-e', '0'], { encoding: 'utf8' });
const nodeMb = Number(/maxrss_kb=(\d+)/.exec(baseline.stderr)?.[1] ?? 0) / 1024;
rmSync(dir, { recursive: true, force: true });

const f1 = median(speed.fp32[1]);
const b1 = median(speed.bf16[1]);
const f8 = (8 * 1000) / median(speed.fp32[8]);
const b8 = (8 * 1000) / median(speed.bf16[8]);
const rows = [...types.fp32.keys()].map((type) => {
  const f = types.fp32.get(type)!;
  const b = types.bf16.get(type)!;
  const g = (t: { ms: number; macs: number }) =>
    t.macs === 0 ? '' : ((2 * t.macs) / (t.ms * 1e6)).toFixed(0);
  return `| ${type} | ${f.count} | ${f.ms.toFixed(2)} | ${g(f)} | ${b.ms.toFixed(2)} | ${g(b)} | ${(f.ms / b.ms).toFixed(2)}× |`;
});
const report = `# bf16 vs fp32 in the native engine (ResNet-50, 224×224)

CPU: ${cpuLine()}. Threads: ${status.threads}. Load average before: ${loadBefore}, after: ${loadAverage()}
(other sessions share the machine: fp32 and bf16 take turns, medians).

Command: \`node dist/bench/bf16.js --rounds ${rounds} --iters ${iters}\`.

## Speed

| precision (kernels) | batch 1 latency (ms) | batch 8 throughput (img/s) |
| --- | --- | --- |
| fp32 (${status.isa}) | ${f1.toFixed(1)} | ${f8.toFixed(1)} |
| bf16 (${status.bf16}) | ${b1.toFixed(1)} | ${b8.toFixed(1)} |
| bf16 (fp32-emulated) | ${median(emulated).toFixed(0)} | — |

bf16 / fp32: batch 1 ${(f1 / b1).toFixed(2)}× faster, batch 8 ${(b8 / f8).toFixed(2)}× the throughput.

## Per layer type (batch 1, median per op over ${perOp.fp32.length} passes, summed per type)

fp32 runs 3×3 stride-1 convs by Winograd F(4×4) on 56×56 and 28×28 maps and F(2×2) on 14×14 (the
GFLOP/s column counts direct-convolution multiply-adds, so Winograd shows its effective rate); bf16
runs every conv directly on vdpbf16ps.

| layer type | ops | fp32 ms | fp32 GFLOP/s | bf16 ms | bf16 GFLOP/s | fp32 / bf16 |
| --- | --- | --- | --- | --- | --- | --- |
${rows.join('\n')}

## Memory

Packed weights the engine holds: fp32 ${(weightBytes.fp32 / 2 ** 20).toFixed(1)} MiB (with the Winograd
transforms built on first use), bf16 ${(weightBytes.bf16 / 2 ** 20).toFixed(1)} MiB.

Peak RSS of \`resnet50 classify chelsea.png\` (weights streamed from an all-F32 safetensors file):
fp32 ${median(rss.fp32).toFixed(0)} MiB, bf16 ${median(rss.bf16).toFixed(0)} MiB
(${((100 * median(rss.bf16)) / median(rss.fp32)).toFixed(0)} %); a bare \`node -e 0\` is ${nodeMb.toFixed(0)} MiB.
`;
await writeMarkdown(values.out, report);
process.stdout.write(report);
