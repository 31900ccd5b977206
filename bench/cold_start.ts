/**
 * Cold start of two builds of this repository, interleaved: each round runs, for each side (the order
 * alternating between rounds), in fresh processes,
 *   - `resnet50 classify chelsea.png --weights W.safetensors --json`, timed from spawn to exit;
 *   - the native plan build alone (bench/plan_build.mjs: ResNet-50 with its weights read by the engine
 *     from W, `new Plan` timed, wall and CPU), and on the after side also `buildPlan` (async), with
 *     how often a 5 ms timer fired during it.
 *
 *   npm run build && node dist/bench/cold_start.js --before ../base [--after .] [--rounds 7]
 *       [--weights W.safetensors] [--threads 2] [--out bench/results/cold_start.md]
 *
 * Each side must be a built checkout (npm ci). Without --weights, random ResNet-50 weights
 * (torchvision's initialization) are written as safetensors to a temp directory. One untimed run of
 * each command per side first warms the page cache. Prints medians, the median of the per-round
 * after/before ratios, the CPU (lscpu model), the load average before and after, and checks that both
 * sides' plans give the same logits (SHA-256 of one run's output).
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { median } from '../src/cli/bench.js';
import { saveWeightsFile } from '../src/io/weights/index.js';
import { resnet } from '../src/model/resnet.js';
import { lscpuField } from './machine.js';

const PLAN_BUILD = fileURLToPath(new URL('../../bench/plan_build.mjs', import.meta.url));
const REPO = fileURLToPath(new URL('../../', import.meta.url));

const { values } = parseArgs({
  options: {
    before: { type: 'string' },
    after: { type: 'string', default: '.' },
    rounds: { type: 'string', default: '7' },
    weights: { type: 'string' },
    image: { type: 'string', default: join(REPO, 'examples/images/chelsea.png') },
    threads: { type: 'string', default: '2' },
    out: { type: 'string' },
  },
});
if (values.before === undefined) throw new Error('--before DIR is required (a built checkout)');
const sides = { before: resolve(values.before), after: resolve(values.after) };
const rounds = Number(values.rounds);
const progress = (line: string): boolean => process.stderr.write(`${line}\n`);

const tmp = mkdtempSync(join(tmpdir(), 'resnet50-cold-'));
const weights = values.weights ?? join(tmp, 'resnet50.safetensors');
if (values.weights === undefined) {
  progress('writing random resnet50 weights as safetensors');
  saveWeightsFile(weights, resnet('resnet50').stateDict());
}
const env = { ...process.env, RESNET50_THREADS: values.threads };

/** Runs node with `args` in a fresh process; its stdout and the wall time from spawn to exit. */
function child(args: string[]): { ms: number; stdout: string } {
  const started = performance.now();
  const r = spawnSync(process.execPath, args, { env, encoding: 'utf8', maxBuffer: 1 << 24 });
  const ms = performance.now() - started;
  if (r.status !== 0) throw new Error(`node ${args.join(' ')} exited with ${r.status}:\n${r.stderr}`);
  return { ms, stdout: r.stdout };
}

interface PlanBuild {
  mode: string;
  buildMs: number;
  cpuMs: number;
  weightBytes: number;
  ticks: number;
  sha256: string;
}

interface Measure {
  name: string;
  sides: (keyof typeof sides)[];
  run(dir: string): number;
}

const builds: Record<string, PlanBuild[]> = {};
const planBuild = (mode: 'sync' | 'async', field: 'buildMs' | 'cpuMs'): Measure => ({
  name: `plan build alone, ${mode === 'sync' ? 'new Plan' : 'buildPlan (async)'}, ${field === 'buildMs' ? 'wall' : 'CPU'}`,
  sides: mode === 'sync' ? ['before', 'after'] : ['after'],
  run(dir) {
    const key = `${mode}|${dir}`;
    // Wall and CPU time come from one child: the CPU row reads the run the wall row started.
    if (field === 'buildMs') {
      const out = child([PLAN_BUILD, dir, weights, ...(mode === 'async' ? ['--async'] : [])]).stdout;
      (builds[key] ??= []).push(JSON.parse(out) as PlanBuild);
    }
    return builds[key].at(-1)![field];
  },
});

const measures: Measure[] = [
  {
    name: '`classify` one photo, spawn to exit',
    sides: ['before', 'after'],
    run: (dir) =>
      child([join(dir, 'dist/src/cli/main.js'), 'classify', values.image, '--weights', weights, '--json']).ms,
  },
  planBuild('sync', 'buildMs'),
  planBuild('sync', 'cpuMs'),
  planBuild('async', 'buildMs'),
  planBuild('async', 'cpuMs'),
];

const load = loadavg()
  .map((l) => l.toFixed(2))
  .join(' ');
progress('warming the page cache: one untimed run of each command per side');
for (const [, dir] of Object.entries(sides)) {
  child([join(dir, 'dist/src/cli/main.js'), 'classify', values.image, '--weights', weights, '--json']);
  child([PLAN_BUILD, dir, weights]);
}
const times = new Map<string, number[]>();
for (let r = 0; r < rounds; r++) {
  const order = r % 2 === 0 ? Object.entries(sides) : Object.entries(sides).reverse();
  for (const m of measures) {
    for (const [side, dir] of order) {
      if (!m.sides.includes(side as keyof typeof sides)) continue;
      const key = `${m.name}|${side}`;
      const t = m.run(dir);
      times.set(key, [...(times.get(key) ?? []), t]);
      progress(`round ${r + 1}/${rounds} ${side.padEnd(6)} ${m.name}: ${t.toFixed(1)} ms`);
    }
  }
}
const loadAfter = loadavg()
  .map((l) => l.toFixed(2))
  .join(' ');
rmSync(tmp, { recursive: true, force: true });

const thp = (() => {
  try {
    return readFileSync('/sys/kernel/mm/transparent_hugepage/enabled', 'utf8').trim();
  } catch {
    return 'unknown';
  }
})();
const signed = (ratio: number): string => {
  const change = ((ratio - 1) * 100).toFixed(1);
  return `${change.startsWith('-') ? '' : '+'}${change} %`;
};
const rows = measures.map((m) => {
  const before = times.get(`${m.name}|before`);
  const after = times.get(`${m.name}|after`)!;
  if (before === undefined) return `| ${m.name} | | ${median(after).toFixed(1)} | | |`;
  // A round measures both sides back to back: its ratio cancels slow drifts of the machine's load.
  const paired = median(after.map((t, i) => t / before[i]));
  return `| ${m.name} | ${median(before).toFixed(1)} | ${median(after).toFixed(1)} | ${signed(median(after) / median(before))} | ${signed(paired)} |`;
});
const asyncRuns = builds[`async|${sides.after}`];
const hashes = new Set(Object.values(builds).flatMap((runs) => runs.map((b) => b.sha256)));
const report = [
  `Before: ${sides.before}; after: ${sides.after}; ${rounds} interleaved rounds, medians; RESNET50_THREADS=${values.threads}.`,
  '',
  '| measure | before (ms) | after (ms) | change of medians | median of paired changes |',
  '|---|---|---|---|---|',
  ...rows,
  '',
  `During buildPlan the 5 ms timer fired ${median(asyncRuns.map((b) => b.ticks))} times (median; min ${Math.min(...asyncRuns.map((b) => b.ticks))}).`,
  `Packed weights: ${Object.entries(builds)
    .map(
      ([k, runs]) =>
        `${k.split('|')[0]} ${k.endsWith(sides.before) ? 'before' : 'after'} ${runs[0].weightBytes} B`,
    )
    .join(', ')}.`,
  hashes.size === 1
    ? `Logits of one 224×224 run: identical on both sides (SHA-256 ${[...hashes][0].slice(0, 16)}…).`
    : `Logits of one 224×224 run DIFFER between the sides: ${[...hashes].join(', ')}.`,
  '',
  `CPU: ${lscpuField('Model name')} (${cpus().length} cores), Node ${process.version}; transparent huge pages: ${thp}.`,
  `Load average (1, 5, 15 min): ${load} before, ${loadAfter} after.`,
  '',
].join('\n');
process.stdout.write(report);
if (values.out !== undefined) writeFileSync(values.out, report);
