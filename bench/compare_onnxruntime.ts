/**
 * Side by side: our native engine against onnxruntime-node on the same ResNet-50, in one process.
 *
 *   npm run build && node dist/bench/compare_onnxruntime.js [--batches 1,8] [--threads 1,2]
 *       [--iters 10] [--rounds 3] [--warmup 2] [--input 224 | HxW] [--big-batch 32]
 *       [--cold-runs 5] [--skip-cold] [--rss time|wrapper] [--json]
 *
 * The model is resnet('resnet50') with torchvision's random initialization, exported once with
 * writeOnnx to a temp .onnx, so both runtimes run the same weights (timing does not depend on them).
 * For every batch × thread count, the two runtimes take turns for --rounds rounds (ours, ORT, then
 * ORT, ours, …: the order alternates so drift on a shared machine hits both alike); each turn is
 * --warmup untimed passes and --iters timed ones, and the median is over all timed passes.
 * ORT sessions use the anchor settings of bench/ort.ts (intraOpNumThreads = threads, one inter-op
 * thread, graphOptimizationLevel 'all', sequential execution); our threads are set with
 * nativeAddon().configure({ threads }). Then batch --big-batch on ours alone (largest thread count).
 *
 * Unless --skip-cold: child processes measure (a) wall time from spawn to exit and (b) peak RSS of
 * `resnet50 classify examples/images/chelsea.png --weights <temp resnet50.safetensors> --json`
 * (RESNET50_THREADS = largest thread count), and for reference the same for onnxruntime-node
 * importing itself, creating a session from the .onnx and running one 224×224 image
 * (bench/ort_cold.mjs). Medians of --cold-runs runs after one untimed run that warms the OS caches.
 * Peak RSS comes from `/usr/bin/time -f %M` when it exists, else from bench/rss_wrapper.mjs
 * (--rss chooses).
 *
 * Prints a markdown report and one JSON line with everything (--json: the JSON line only).
 * Progress goes to stderr.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { cpus, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import * as ort from 'onnxruntime-node';
import { nativeAddon } from '../src/backends/native/addon.js';
import { benchmark, median } from '../src/cli/bench.js';
import { writeOnnx } from '../src/tasks/onnx_export.js';
import { saveWeightsFile } from '../src/io/weights/index.js';
import { resnet } from '../src/model/resnet.js';
import { createRunner } from '../src/tasks/runner.js';
import { benchOnnxRuntime } from './ort.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const RSS_WRAPPER = fileURLToPath(new URL('../../bench/rss_wrapper.mjs', import.meta.url));
const ORT_COLD = fileURLToPath(new URL('../../bench/ort_cold.mjs', import.meta.url));
const IMAGE = join(REPO, 'examples/images/chelsea.png');
const TIME = '/usr/bin/time';
const ARCH = 'resnet50';

interface Options {
  batches: number[];
  threads: number[];
  iters: number;
  rounds: number;
  warmup: number;
  height: number;
  width: number;
  bigBatch: number;
  coldRuns: number;
  skipCold: boolean;
  /** How children report their peak RSS: GNU time or bench/rss_wrapper.mjs. */
  rss: 'time' | 'wrapper';
  json: boolean;
}

interface Timing {
  medianMs: number;
  imgPerSec: number;
  timesMs: number[];
}

interface Row {
  batch: number;
  threads: number;
  ours: Timing;
  ort: Timing;
  /** ours / ORT median latency: below 1 means we are faster. */
  latencyRatio: number;
  /** ours / ORT images per second: above 1 means we are faster. */
  throughputRatio: number;
}

interface ColdResult {
  command: string;
  runs: number;
  wallMs: number[];
  medianWallMs: number;
  maxRssKb: number[];
  medianMaxRssMb: number;
  /** ORT only: what the child reported (import, session creation, one run). */
  childMedians?: { importMs: number; createMs: number; runMs: number };
}

const round = (x: number, digits = 2): number => Number(x.toFixed(digits));

function intList(raw: string, name: string): number[] {
  const xs = raw.split(',').map((s) => Number(s.trim()));
  if (xs.length === 0 || xs.some((x) => !Number.isInteger(x) || x < 1)) {
    throw new Error(`--${name} must be a comma-separated list of positive integers, got '${raw}'`);
  }
  return xs;
}

function intArg(raw: string | undefined, name: string, fallback: number, min = 1): number {
  if (raw === undefined) return fallback;
  const v = Number(raw);
  if (!Number.isInteger(v) || v < min) throw new Error(`--${name} must be an integer ≥ ${min}, got '${raw}'`);
  return v;
}

function parseOptions(): Options {
  const { values } = parseArgs({
    options: {
      batches: { type: 'string' },
      threads: { type: 'string' },
      iters: { type: 'string' },
      rounds: { type: 'string' },
      warmup: { type: 'string' },
      input: { type: 'string' },
      'big-batch': { type: 'string' },
      'cold-runs': { type: 'string' },
      'skip-cold': { type: 'boolean' },
      rss: { type: 'string' },
      json: { type: 'boolean' },
    },
  });
  const size = /^(\d+)(?:[x×](\d+))?$/.exec(values.input ?? '224');
  if (size === null) throw new Error(`--input must be like 224 or 193x257, got '${values.input}'`);
  const height = Number(size[1]);
  const width = Number(size[2] ?? size[1]);
  const rss = values.rss ?? (existsSync(TIME) ? 'time' : 'wrapper');
  if (rss !== 'time' && rss !== 'wrapper') throw new Error(`--rss must be time or wrapper, got '${rss}'`);
  if (rss === 'time' && !existsSync(TIME)) throw new Error(`--rss time needs ${TIME}, which is missing`);
  if (height < 32 || width < 32) throw new Error(`--input must be at least 32×32, got ${height}×${width}`);
  return {
    batches: intList(values.batches ?? '1,8', 'batches'),
    threads: intList(values.threads ?? '1,2', 'threads'),
    iters: intArg(values.iters, 'iters', 10),
    rounds: intArg(values.rounds, 'rounds', 3),
    warmup: intArg(values.warmup, 'warmup', 2, 0),
    height,
    width,
    bigBatch: intArg(values['big-batch'], 'big-batch', 32, 0),
    coldRuns: intArg(values['cold-runs'], 'cold-runs', 5),
    skipCold: values['skip-cold'] === true,
    rss,
    json: values.json === true,
  };
}

const progress = (msg: string): void => {
  process.stderr.write(`[compare_onnxruntime] ${msg}\n`);
};

function timing(timesMs: number[], batch: number): Timing {
  const medianMs = median(timesMs);
  return { medianMs, imgPerSec: (batch * 1000) / medianMs, timesMs };
}

/** Runs a child `node ARGS` once: wall time from spawn to exit, its peak RSS and its stdout. */
function runChild(
  nodeArgs: string[],
  env: Record<string, string>,
  rss: Options['rss'],
): { wallMs: number; maxRssKb: number; stdout: string } {
  const [cmd, args] =
    rss === 'time'
      ? [TIME, ['-f', 'resnet50-bench maxrss_kb=%M', process.execPath, ...nodeArgs]]
      : [process.execPath, [RSS_WRAPPER, ...nodeArgs]];
  const t0 = performance.now();
  const r = spawnSync(cmd, args, {
    cwd: REPO,
    encoding: 'utf8',
    env: { ...process.env, ...env },
    timeout: 300_000,
    maxBuffer: 64 * 1024 * 1024,
  });
  const wallMs = performance.now() - t0;
  if (r.error !== undefined) throw r.error;
  if (r.status !== 0) {
    throw new Error(`child '${[cmd, ...args].join(' ')}' exited with ${r.status}:\n${r.stderr}`);
  }
  const m = /resnet50-bench maxrss_kb=(\d+)/.exec(r.stderr);
  if (m === null) throw new Error(`child '${nodeArgs.join(' ')}' did not report its peak RSS:\n${r.stderr}`);
  return { wallMs, maxRssKb: Number(m[1]), stdout: r.stdout };
}

function coldSeries(
  label: string,
  nodeArgs: string[],
  env: Record<string, string>,
  runs: number,
  rss: Options['rss'],
): { result: ColdResult; stdouts: string[] } {
  progress(`cold ${label}: 1 untimed + ${runs} timed child processes`);
  runChild(nodeArgs, env, rss); // warms the page cache (node, the addon / ORT library, the weights)
  const wallMs: number[] = [];
  const maxRssKb: number[] = [];
  const stdouts: string[] = [];
  for (let i = 0; i < runs; i++) {
    const r = runChild(nodeArgs, env, rss);
    wallMs.push(round(r.wallMs, 1));
    maxRssKb.push(r.maxRssKb);
    stdouts.push(r.stdout);
  }
  return {
    result: {
      command: `node ${nodeArgs.map((a) => a.replace(REPO, '')).join(' ')}`,
      runs,
      wallMs,
      medianWallMs: round(median(wallMs), 1),
      maxRssKb,
      medianMaxRssMb: round(median(maxRssKb) / 1024, 1),
    },
    stdouts,
  };
}

function markdown(report: {
  opts: Options;
  machine: { cpu: string; cores: number; node: string };
  ortVersion: string;
  isa: string;
  rows: Row[];
  bigBatch: { batch: number; threads: number; medianMs: number; imgPerSec: number } | null;
  cold: { ours: ColdResult; ort: ColdResult; rssMethod: string; threads: number } | null;
}): string {
  const { opts, rows } = report;
  const lines: string[] = [];
  lines.push(
    `## ResNet-50 ${opts.height}×${opts.width}: native engine vs onnxruntime-node ${report.ortVersion}`,
    '',
    `${report.machine.cpu}, ${report.machine.cores} cores, Node ${report.machine.node}, our ISA ${report.isa}. ` +
      `${opts.rounds} round(s) × ${opts.iters} timed passes (after ${opts.warmup} warm-up) per runtime and row, ` +
      `interleaved; medians over all timed passes. ORT: graphOptimizationLevel all, 1 inter-op thread, sequential.`,
    '',
    '| batch | threads | ours median ms | ours img/s | ORT median ms | ORT img/s | latency ours/ORT | throughput ours/ORT |',
    '| ----: | ------: | -------------: | ---------: | ------------: | --------: | ---------------: | ------------------: |',
  );
  for (const r of rows) {
    lines.push(
      `| ${r.batch} | ${r.threads} | ${r.ours.medianMs.toFixed(1)} | ${r.ours.imgPerSec.toFixed(1)} | ` +
        `${r.ort.medianMs.toFixed(1)} | ${r.ort.imgPerSec.toFixed(1)} | ${r.latencyRatio.toFixed(2)}× | ` +
        `${r.throughputRatio.toFixed(2)}× |`,
    );
  }
  const byBatch = new Map<number, Row[]>();
  for (const r of rows) byBatch.set(r.batch, [...(byBatch.get(r.batch) ?? []), r]);
  const scaling: string[] = [];
  for (const [batch, rs] of byBatch) {
    if (rs.length < 2) continue;
    const sorted = [...rs].sort((a, b) => a.threads - b.threads);
    const lo = sorted[0];
    const hi = sorted[sorted.length - 1];
    scaling.push(
      `batch ${batch}, ${lo.threads}→${hi.threads} threads: ours ${(lo.ours.medianMs / hi.ours.medianMs).toFixed(2)}×, ` +
        `ORT ${(lo.ort.medianMs / hi.ort.medianMs).toFixed(2)}×`,
    );
  }
  if (scaling.length > 0) lines.push('', `Thread scaling (speed-up): ${scaling.join('; ')}.`);
  if (report.bigBatch !== null) {
    const b = report.bigBatch;
    lines.push(
      '',
      `Ours alone, batch ${b.batch}, ${b.threads} thread(s): ${b.medianMs.toFixed(1)} ms, ${b.imgPerSec.toFixed(1)} img/s.`,
    );
  }
  if (report.cold !== null) {
    const { ours, ort: o } = report.cold;
    lines.push(
      '',
      `Cold start (child processes, median of ${ours.runs}, ${report.cold.threads} threads; peak RSS via ${report.cold.rssMethod}):`,
      '',
      '| measure | ours: `resnet50 classify chelsea.png --weights W.safetensors --json` | ORT (reference): import + create session + 1 run |',
      '| ------- | ---------------------------------------------------------------: | -----------------------------------------------: |',
      `| wall time, spawn to exit | ${ours.medianWallMs.toFixed(0)} ms | ${o.medianWallMs.toFixed(0)} ms |`,
      `| peak RSS | ${ours.medianMaxRssMb.toFixed(1)} MB | ${o.medianMaxRssMb.toFixed(1)} MB |`,
    );
    if (o.childMedians !== undefined) {
      const c = o.childMedians;
      lines.push(
        '',
        `ORT inside its child: import ${c.importMs.toFixed(0)} ms, session creation ${c.createMs.toFixed(0)} ms, ` +
          `first run ${c.runMs.toFixed(0)} ms. Ours includes decoding and preprocessing the PNG, reading 102 MB of ` +
          `safetensors and compiling the plan; ORT's gets a ready tensor.`,
      );
    }
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const opts = parseOptions();
  const addon = nativeAddon();
  if (addon === null)
    throw new Error('the native engine is not built (npm install / node scripts/build-native.mjs)');
  const tmp = mkdtempSync(join(tmpdir(), 'resnet50-compare-'));
  try {
    progress(`building ${ARCH} (random torchvision init) and exporting it to ONNX`);
    const model = resnet(ARCH);
    const onnxPath = join(tmp, `${ARCH}.onnx`);
    writeOnnx(onnxPath, model);
    const runner = createRunner(model, { backend: 'native' });
    const ortVersion = ort.env.versions.node ?? ort.env.versions.common;
    let isa = addon.configure().isa;

    const rows: Row[] = [];
    for (const batch of opts.batches) {
      for (const threads of opts.threads) {
        const ours: number[] = [];
        const theirs: number[] = [];
        const runOurs = async (): Promise<void> => {
          ({ isa } = addon.configure({ threads }));
          const r = await benchmark(runner.forward, model, ARCH, {
            batch,
            height: opts.height,
            width: opts.width,
            iters: opts.iters,
            warmup: opts.warmup,
          });
          ours.push(...r.timesMs);
        };
        const runOrt = async (): Promise<void> => {
          const r = await benchOnnxRuntime(onnxPath, {
            batch,
            height: opts.height,
            width: opts.width,
            iters: opts.iters,
            warmup: opts.warmup,
            threads,
          });
          theirs.push(...r.timesMs);
        };
        for (let i = 0; i < opts.rounds; i++) {
          progress(`batch ${batch}, ${threads} thread(s): round ${i + 1}/${opts.rounds}`);
          if (i % 2 === 0) {
            await runOurs();
            await runOrt();
          } else {
            await runOrt();
            await runOurs();
          }
        }
        const o = timing(ours, batch);
        const t = timing(theirs, batch);
        rows.push({
          batch,
          threads,
          ours: o,
          ort: t,
          latencyRatio: o.medianMs / t.medianMs,
          throughputRatio: o.imgPerSec / t.imgPerSec,
        });
      }
    }

    const maxThreads = Math.max(...opts.threads);
    let bigBatch: {
      batch: number;
      threads: number;
      medianMs: number;
      imgPerSec: number;
      timesMs: number[];
    } | null = null;
    if (opts.bigBatch > 0) {
      progress(`ours alone, batch ${opts.bigBatch}, ${maxThreads} thread(s)`);
      addon.configure({ threads: maxThreads });
      const iters = Math.max(2, Math.ceil(opts.iters / 2));
      const r = await benchmark(runner.forward, model, ARCH, {
        batch: opts.bigBatch,
        height: opts.height,
        width: opts.width,
        iters,
        warmup: Math.min(opts.warmup, 1),
      });
      bigBatch = { batch: opts.bigBatch, threads: maxThreads, ...timing(r.timesMs, opts.bigBatch) };
    }

    let cold: { ours: ColdResult; ort: ColdResult; rssMethod: string; threads: number } | null = null;
    if (!opts.skipCold) {
      progress('writing the random resnet50 weights as safetensors for the CLI');
      const weightsPath = join(tmp, `${ARCH}.safetensors`);
      saveWeightsFile(weightsPath, model.stateDict());
      const env = { RESNET50_THREADS: String(maxThreads) };
      const oursCold = coldSeries(
        'ours (resnet50 classify)',
        [CLI, 'classify', IMAGE, '--weights', weightsPath, '--json'],
        env,
        opts.coldRuns,
        opts.rss,
      );
      const ortCold = coldSeries(
        'ORT (session + 1 run)',
        [ORT_COLD, onnxPath, '--threads', String(maxThreads), '--batch', '1', '--input', '224'],
        {},
        opts.coldRuns,
        opts.rss,
      );
      const reported = ortCold.stdouts.map(
        (s) =>
          JSON.parse(s.trim().split('\n').pop() ?? '{}') as {
            importMs: number;
            createMs: number;
            runMs: number;
          },
      );
      ortCold.result.childMedians = {
        importMs: round(median(reported.map((r) => r.importMs)), 1),
        createMs: round(median(reported.map((r) => r.createMs)), 1),
        runMs: round(median(reported.map((r) => r.runMs)), 1),
      };
      cold = {
        ours: oursCold.result,
        ort: ortCold.result,
        rssMethod:
          opts.rss === 'time'
            ? '/usr/bin/time -f %M'
            : 'bench/rss_wrapper.mjs (process.resourceUsage().maxRSS)',
        threads: maxThreads,
      };
    }

    const machine = {
      cpu: cpus()[0]?.model ?? 'unknown CPU',
      cores: cpus().length,
      node: process.versions.node,
    };
    const report = { opts, machine, ortVersion, isa, rows, bigBatch, cold };
    const roundTiming = (t: Timing): Timing => ({
      medianMs: round(t.medianMs),
      imgPerSec: round(t.imgPerSec),
      timesMs: t.timesMs.map((x) => round(x)),
    });
    const json = {
      bench: 'compare_onnxruntime',
      date: new Date().toISOString(),
      arch: ARCH,
      input: [opts.height, opts.width],
      machine,
      ours: { backend: 'native', isa },
      ort: {
        version: ortVersion,
        interOpNumThreads: 1,
        graphOptimizationLevel: 'all',
        executionMode: 'sequential',
      },
      settings: { iters: opts.iters, rounds: opts.rounds, warmup: opts.warmup },
      rows: rows.map((r) => ({
        batch: r.batch,
        threads: r.threads,
        ours: roundTiming(r.ours),
        ort: roundTiming(r.ort),
        latencyRatio: round(r.latencyRatio, 3),
        throughputRatio: round(r.throughputRatio, 3),
      })),
      bigBatch:
        bigBatch === null
          ? null
          : { batch: bigBatch.batch, threads: bigBatch.threads, ...roundTiming(bigBatch) },
      cold,
    };
    if (!opts.json) process.stdout.write(`${markdown(report)}\n\n`);
    process.stdout.write(`${JSON.stringify(json)}\n`);
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

await main();
