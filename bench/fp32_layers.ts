/**
 * Per layer type CPU time of the fp32 native engine, two builds taking turns (issue 17, point 5).
 *
 *   npm run build && node dist/bench/fp32_layers.js --roots /tmp/a,/tmp/b [--rounds 6] [--iters 3] [--warmup 4]
 *       [--stat median|min]
 *       [--batch 1] [--isa avx512] [--out file.md]
 *
 * Each root is a copy of the repository's dist/ and native/build/Release/resnet50_native.node (the
 * addon is found next to dist/). Round r runs `resnet50 bench --threads 1` with RESNET50_PROFILE=1
 * from every root in turn (order reversed on odd rounds), each child --warmup (default 4) untimed and
 * --iters timed passes; the engine prints each op's thread CPU time. Per op the median over all timed passes of a
 * root (or the minimum, --stat min: the pass least disturbed by other work), summed per layer type (kernel, stride, output size, and which Winograd tile the plan picks),
 * with GFLOP/s from the direct convolution's multiply-adds (Winograd shows its effective rate).
 * Prints a markdown table with lscpu's model and the load average before and after.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { median } from '../src/cli/bench.js';
import { cpuLine, loadAverage } from './machine.js';
import { writeMarkdown } from './markdown.js';

const { values } = parseArgs({
  options: {
    roots: { type: 'string' },
    rounds: { type: 'string', default: '6' },
    iters: { type: 'string', default: '3' },
    warmup: { type: 'string', default: '4' },
    stat: { type: 'string', default: 'median' },
    threads: { type: 'string', default: '1' },
    batch: { type: 'string', default: '1' },
    isa: { type: 'string', default: 'avx512' },
    out: { type: 'string' },
  },
});
if (values.roots === undefined) throw new Error('--roots A,B is required');
const roots = values.roots.split(',');
const rounds = Number(values.rounds);
const iters = Number(values.iters);
const warmup = Number(values.warmup);
const log = (s: string) => process.stderr.write(`${s}\n`);

interface OpTime {
  type: string;
  macs: number;
  ms: number;
}

/** The layer type of a conv as the plan runs it (plan.cc's winograd_tile for 3×3 stride 1). */
function convType(k: number, s: number, h: number, w: number): string {
  const base = `${k}×${k}${s > 1 ? `/${s}` : ''}`;
  if (k === 3 && s === 1) {
    if (Math.ceil(h / 4) * Math.ceil(w / 4) >= 40) return `3×3 Winograd F(4×4) → ${h}×${w}`;
    if (h >= 8 && w >= 8) return `3×3 Winograd F(2×2) → ${h}×${w}`;
    return `3×3 direct → ${h}×${w}`;
  }
  return k === 7 ? `7×7/2 → ${h}×${w}` : `${base} → ${h}×${w}`;
}

/** One child's timed passes: per pass, per op, thread CPU ms. */
function profile(root: string): OpTime[][] {
  const passes = warmup + iters;
  const r = spawnSync(
    process.execPath,
    [
      join(root, 'dist/src/cli/main.js'),
      'bench',
      '--batch',
      values.batch,
      '--threads',
      values.threads,
    ].concat(['--iters', String(iters), '--warmup', String(warmup)]),
    {
      encoding: 'utf8',
      env: { ...process.env, RESNET50_PROFILE: '1', RESNET50_ISA: values.isa },
    },
  );
  if (r.status !== 0) throw new Error(r.stderr);
  const kinds = ['input', 'conv', 'maxpool', 'avgpool', 'maxpool', 'linear', 'zeropad', 'toplain'];
  const ops = [
    ...r.stderr.matchAll(
      /op (\d+) c(\d+)->(\d+) k(\d+)x\d+ s(\d+) out (\d+)x(\d+)x(\d+): ([\d.]+) ms \(thread cpu ([\d.]+) ms\)/g,
    ),
  ].map((m) => {
    const [kind, c, oc, k, s, , h, w, wall, cpu] = m.slice(1).map(Number);
    // One thread: the op's thread CPU time; more: its wall time (the caller's CPU time would count
    // its wait for the other threads).
    const ms = values.threads === '1' ? cpu : wall;
    const conv = kinds[kind] === 'conv';
    return {
      type: conv ? convType(k, s, h, w) : kinds[kind] === 'maxpool' ? 'max pool' : 'fc, global pool, input',
      macs: conv ? h * w * oc * c * k * k * Number(values.batch) : 0,
      ms,
    };
  });
  const per = ops.length / passes;
  // The warm-up passes build the Winograd weights and grow the Winograd scratch of each thread that
  // runs a pass (libuv's pool has 4 threads, and a pass may land on any of them).
  return Array.from({ length: iters }, (_, i) => ops.slice((warmup + i) * per, (warmup + i + 1) * per));
}

const loadBefore = loadAverage();
const perRoot: OpTime[][][] = roots.map(() => []);
for (let r = 0; r < rounds; r++) {
  const order = roots.map((_, i) => i);
  if (r % 2 === 1) order.reverse();
  for (const i of order) perRoot[i].push(...profile(roots[i]));
  log(`round ${r + 1}/${rounds} done (load ${loadAverage()})`);
}
const loadAfter = loadAverage();

function byType(passes: OpTime[][]): Map<string, { ms: number; macs: number; count: number }> {
  const out = new Map<string, { ms: number; macs: number; count: number }>();
  passes[0].forEach((op, i) => {
    const times = passes.map((p) => p[i].ms);
    const ms = values.stat === 'min' ? Math.min(...times) : median(times);
    const t = out.get(op.type) ?? { ms: 0, macs: 0, count: 0 };
    out.set(op.type, { ms: t.ms + ms, macs: t.macs + op.macs, count: t.count + 1 });
  });
  return out;
}
const types = perRoot.map(byType);
const gflops = (t: { ms: number; macs: number }) =>
  t.macs > 0 ? ((2 * t.macs) / t.ms / 1e6).toFixed(0) : '';
const names = roots.map((r, i) => `${String.fromCharCode(65 + i)} (${r})`);
const lines = [
  `CPU: ${cpuLine()}. Load average before: ${loadBefore}, after: ${loadAfter}.`,
  '',
  `\`resnet50 bench --batch ${values.batch} --threads ${values.threads}\` with RESNET50_PROFILE=1 and RESNET50_ISA=${values.isa}, ` +
    `${rounds} rounds × ${iters} timed passes per build, builds taking turns; ${values.stat} ms per op, summed per type (${values.threads === '1' ? 'thread CPU' : 'wall'} time). ` +
    `Builds: ${names.join(', ')}.`,
  '',
  `| layer type | ops | ${roots.map((_, i) => `${String.fromCharCode(65 + i)} CPU ms | ${String.fromCharCode(65 + i)} GFLOP/s`).join(' | ')} | last / A |`,
  `| --- | --- | ${roots.map(() => '--- | ---').join(' | ')} | --- |`,
];
const total = roots.map(() => ({ ms: 0, macs: 0 }));
for (const [type, t0] of types[0]) {
  const cells = types.map((m, i) => {
    const t = m.get(type) ?? { ms: 0, macs: 0, count: 0 };
    total[i].ms += t.ms;
    total[i].macs += t.macs;
    return `${t.ms.toFixed(2)} | ${gflops(t)}`;
  });
  const last = types[types.length - 1].get(type)?.ms ?? 0;
  lines.push(`| ${type} | ${t0.count} | ${cells.join(' | ')} | ${((100 * last) / t0.ms).toFixed(0)} % |`);
}
lines.push(
  `| total | | ${total.map((t) => `${t.ms.toFixed(1)} | ${gflops(t)}`).join(' | ')} | ` +
    `${((100 * total[total.length - 1].ms) / total[0].ms).toFixed(0)} % |`,
);
const text = `${lines.join('\n')}\n`;
if (values.out !== undefined) await writeMarkdown(values.out, text);
process.stdout.write(text);
