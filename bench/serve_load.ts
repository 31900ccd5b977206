/**
 * Load on `resnet50 serve` over loopback: a fixed number of POST /v1/classify requests (224×224 PNG
 * uploads, `--preset none`, so the server decodes and normalizes but does not resize) at
 * concurrency 1, 4, 16 and 64 against ResNet-50 (random weights: timing does not depend on them),
 * with batching on (--max-batch 8) and off (--max-batch 1); throughput, p50/p99 latency, mean batch
 * size (from /metrics), peak RSS of the server process. The anchor is `resnet50 bench --batch 8` in
 * the same run (before and after the load; both shown). Then 5,000 requests (64×64 uploads, to
 * bound the time) with the server's RSS every 500 requests. The client (load_client.ts) keeps its
 * connections alive and writes requests prepared in advance, as autocannon does, without a new
 * dependency; each row reports the CPU it and the server used.
 *
 * Then the c16 target again, paired: the anchor and a c16 row in turn (--pairs rows of each kind),
 * each row against the mean of the anchors on either side, and the median of those ratios; the
 * rows alternate between the PNG uploads and the same images sent as KServe v2 requests with the
 * binary tensor data extension (preprocessed FP32, as Triton's clients and perf_analyzer send them:
 * no decoding in the server).
 *
 *   npm run build && node dist/bench/serve_load.js [--requests 128] [--rss-requests 5000] [--pairs 3]
 *       [--threads T] [--out bench/results/serve.md]
 *
 * --threads T gives the engine T threads in the server and in the anchor alike (default: all
 * cores); with fewer threads than cores, HTTP, decoding and the load generator get a core the engine
 * does not use.
 */
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { saveWeightsFile } from '../src/io/weights/index.js';
import { resnet } from '../src/model/resnet.js';
import { PRESETS } from '../src/data/transforms.js';
import { imageTensor } from '../src/tasks/input.js';
import { binaryTensorBody, distinctPngs, parsePrometheus, rawRequest } from '../test/helpers/serve.js';
import { LoadConnection, rawPost } from './load_client.js';
import { writeMarkdown } from './markdown.js';

const { values } = parseArgs({
  options: {
    requests: { type: 'string', default: '128' },
    'rss-requests': { type: 'string', default: '5000' },
    out: { type: 'string', default: 'bench/results/serve.md' },
    pairs: { type: 'string', default: '3' },
    threads: { type: 'string' },
  },
});
const REQUESTS = Number(values.requests);
const RSS_REQUESTS = Number(values['rss-requests']);
const PAIRS = Number(values.pairs);
const THREADS = values.threads;
const LEVELS = [1, 4, 16, 64];
const CLI = fileURLToPath(new URL('../src/cli/main.js', import.meta.url));
const REPO = fileURLToPath(new URL('../../', import.meta.url));
const progress = (line: string): void => void process.stderr.write(`${line}\n`);

function cpu(): { model: string; flags: string } {
  const text = execFileSync('lscpu', { encoding: 'utf8' });
  const field = (name: string): string => new RegExp(`^${name}:\\s*(.*)$`, 'm').exec(text)?.[1] ?? '?';
  return { model: field('Model name'), flags: field('Flags') };
}

function anchor(): number {
  const threads = THREADS === undefined ? [] : ['--threads', THREADS];
  const out = execFileSync(
    process.execPath,
    [CLI, 'bench', '--batch', '8', '--iters', '10', ...threads, '--json'],
    { cwd: REPO, encoding: 'utf8' },
  );
  return (JSON.parse(out) as { imgPerSec: number }).imgPerSec;
}

const rssKb = (pid: number, field: 'VmRSS' | 'VmHWM'): number =>
  Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN);

/** CPU seconds a process has used, all its threads (/proc/PID/stat utime + stime, 100 ticks a second). */
function cpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100;
}

interface Served {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

async function serve(weights: string, maxBatch: number): Promise<Served> {
  const child = spawn(
    process.execPath,
    [
      CLI,
      'serve',
      '--weights',
      weights,
      '--port',
      '0',
      '--preset',
      'none',
      '--max-batch',
      String(maxBatch),
      '--queue',
      '256',
      '--timeout-ms',
      '300000',
    ],
    {
      cwd: REPO,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: THREADS === undefined ? process.env : { ...process.env, RESNET50_THREADS: THREADS },
    },
  );
  let stderr = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stderr!.on('data', (c: Buffer) => {
      stderr += c.toString();
      const m = /listening on (http:\/\/[^:]+:\d+):/.exec(stderr);
      if (m !== null) resolve(m[1]);
    });
    child.on('exit', (code) => reject(new Error(`serve exited with ${code}: ${stderr}`)));
  });
  progress(stderr.trim());
  return {
    url,
    child,
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
      }),
  };
}

/** Requests of one kind: a path, and bodies with their headers (sent round robin). */
interface Bodies {
  path: string;
  bodies: readonly { body: Uint8Array; headers: Record<string, string> }[];
}

const uploads = (pngs: readonly Uint8Array[]): Bodies => ({
  path: '/v1/classify',
  bodies: pngs.map((body) => ({ body, headers: {} })),
});

/** The same images preprocessed as the server does (`--preset none`), as v2 binary-tensor requests. */
const binaryTensors = (pngs: readonly Uint8Array[]): Bodies => ({
  path: '/v2/models/resnet50/infer',
  bodies: pngs.map((bytes) => {
    const x = imageTensor({ name: 'bench', bytes }, PRESETS.none);
    return binaryTensorBody(
      {
        inputs: [
          {
            name: 'input',
            shape: x.shape,
            datatype: 'FP32',
            parameters: { binary_data_size: x.data.length * 4 },
          },
        ],
        outputs: [{ name: 'logits', parameters: { binary_data: true } }],
      },
      [x.data],
    );
  }),
});

/** A row of load: its seconds, each request's latency, the answers other than 200 and the generator's CPU seconds. */
interface LoadResult {
  seconds: number;
  latencies: number[];
  failed: number;
  generatorCpu: number;
}

/**
 * `total` POSTs of `kind`'s bodies (round robin) on `concurrency` keep-alive connections (one
 * request at a time each, load_client.ts); latencies in ms.
 */
async function load(
  url: string,
  kind: Bodies,
  concurrency: number,
  total: number,
  onDone?: (done: number) => void,
): Promise<LoadResult> {
  const { hostname, port } = new URL(url);
  const requests = kind.bodies.map(({ body, headers }) => rawPost(hostname, kind.path, body, headers));
  const connections = await Promise.all(
    Array.from({ length: concurrency }, () => LoadConnection.open(hostname, Number(port))),
  );
  const latencies: number[] = [];
  let next = 0;
  let failed = 0;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  try {
    await Promise.all(
      connections.map(async (connection) => {
        while (next < total) {
          const i = next++;
          const sent = performance.now();
          if ((await connection.send(requests[i % requests.length]!)) !== 200) failed++;
          latencies.push(performance.now() - sent);
          onDone?.(latencies.length);
        }
      }),
    );
  } finally {
    for (const c of connections) c.close();
  }
  const seconds = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return { seconds, latencies, failed, generatorCpu: (cpu.user + cpu.system) / 1e6 };
}

const percentile = (xs: readonly number[], p: number): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

/** Images batched, passes, and the model's seconds over all passes, from the server's /metrics. */
async function batchStats(url: string): Promise<{ sum: number; count: number; passSeconds: number }> {
  // A connection of its own (rawRequest's): a kept-alive one may be closed by the server while an
  // anchor runs.
  const text = (await rawRequest(url, 'GET', '/metrics')).body.toString('utf8');
  const samples = parsePrometheus(text);
  const get = (name: string): number => samples.find((s) => s.name === name)?.value ?? 0;
  return {
    sum: get('resnet50_batch_size_sum'),
    count: get('resnet50_batch_size_count'),
    passSeconds: get('resnet50_inference_duration_seconds_sum'),
  };
}

interface Row {
  batching: string;
  concurrency: number;
  imgPerSec: number;
  p50: number;
  p99: number;
  meanBatch: number;
  /** Images per second of the model's own time (its passes), and the share of the row it ran. */
  passImgPerSec: number;
  engineBusy: number;
  peakRssMb: number;
  failed: number;
  /** Shares of the machine's CPU time during the row: the server process and the load generator. */
  serverCpu: number;
  generatorCpu: number;
}

async function level(s: Served, label: string, bodies: Bodies, concurrency: number): Promise<Row> {
  const before = await batchStats(s.url);
  const serverCpu0 = cpuSeconds(s.child.pid!);
  let peak = 0;
  const sampler = setInterval(() => (peak = Math.max(peak, rssKb(s.child.pid!, 'VmRSS'))), 100);
  const r = await load(s.url, bodies, concurrency, REQUESTS);
  clearInterval(sampler);
  peak = Math.max(peak, rssKb(s.child.pid!, 'VmRSS'));
  const serverCpu = cpuSeconds(s.child.pid!) - serverCpu0;
  const after = await batchStats(s.url);
  const machine = availableParallelism() * r.seconds;
  const row: Row = {
    batching: label,
    concurrency,
    imgPerSec: REQUESTS / r.seconds,
    p50: percentile(r.latencies, 50),
    p99: percentile(r.latencies, 99),
    meanBatch: (after.sum - before.sum) / Math.max(1, after.count - before.count),
    passImgPerSec: (after.sum - before.sum) / (after.passSeconds - before.passSeconds),
    engineBusy: (after.passSeconds - before.passSeconds) / r.seconds,
    peakRssMb: peak / 1024,
    failed: r.failed,
    serverCpu: serverCpu / machine,
    generatorCpu: r.generatorCpu / machine,
  };
  progress(
    `${label} c=${concurrency}: ${row.imgPerSec.toFixed(1)} img/s, p50 ${row.p50.toFixed(0)} ms, p99 ${row.p99.toFixed(0)} ms, mean batch ${row.meanBatch.toFixed(2)}, passes ${row.passImgPerSec.toFixed(1)} img/s busy ${(100 * row.engineBusy).toFixed(0)} %, RSS ${row.peakRssMb.toFixed(0)} MB, CPU server ${(100 * row.serverCpu).toFixed(0)} % generator ${(100 * row.generatorCpu).toFixed(1)} %`,
  );
  return row;
}

const dir = mkdtempSync(join(tmpdir(), 'resnet50-serve-bench-'));
try {
  const { model: cpuModel, flags } = cpu();
  const loadStart = loadavg()[0].toFixed(1);
  const weights = join(dir, 'resnet50-random.safetensors');
  saveWeightsFile(weights, resnet('resnet50').stateDict());
  const pngs = distinctPngs(8, 224, 224);
  const bodies = uploads(pngs);
  const tensors = binaryTensors(pngs);
  progress('anchor: resnet50 bench --batch 8 …');
  const anchorBefore = anchor();
  progress(`anchor ${anchorBefore.toFixed(1)} img/s`);
  const rows: Row[] = [];
  const on = await serve(weights, 8);
  for (const c of LEVELS) rows.push(await level(on, 'on (8)', bodies, c));
  // The c16 target, paired: the anchor and a c16 row in turn, each row against the mean of the
  // anchors on either side (this VM's speed drifts by ±10 % within minutes); PNG uploads and
  // binary tensors take turns.
  const paired: { kind: 'png' | 'binary'; imgPerSec: number; passImgPerSec: number; anchor: number }[] = [];
  let previous = anchor();
  for (let i = 0; i < 2 * PAIRS; i++) {
    const kind = i % 2 === 0 ? 'png' : 'binary';
    const label = `paired ${Math.floor(i / 2) + 1}, ${kind === 'png' ? 'PNG uploads' : 'v2 binary tensors'}`;
    const row = await level(on, label, kind === 'png' ? bodies : tensors, 16);
    rows.push(row);
    const next = anchor();
    paired.push({
      kind,
      imgPerSec: row.imgPerSec,
      passImgPerSec: row.passImgPerSec,
      anchor: (previous + next) / 2,
    });
    progress(`${label}: anchors ${previous.toFixed(1)} and ${next.toFixed(1)} img/s`);
    previous = next;
  }
  await on.stop();
  const off = await serve(weights, 1);
  for (const c of [16, 64]) rows.push(await level(off, 'off (1)', bodies, c));
  await off.stop();
  const anchorAfter = anchor();
  progress(`anchor ${anchorAfter.toFixed(1)} img/s`);

  // RSS over RSS_REQUESTS requests of small images.
  const small = uploads(distinctPngs(8, 64, 64));
  const long = await serve(weights, 8);
  const curve: [number, number][] = [[0, rssKb(long.child.pid!, 'VmRSS') / 1024]];
  const t0 = performance.now();
  const r = await load(long.url, small, 16, RSS_REQUESTS, (done) => {
    if (done % 500 === 0) curve.push([done, rssKb(long.child.pid!, 'VmRSS') / 1024]);
  });
  const hwm = rssKb(long.child.pid!, 'VmHWM') / 1024;
  await long.stop();
  const longSeconds = (performance.now() - t0) / 1000;
  progress(`RSS curve: ${curve.map(([n, mb]) => `${n}:${mb.toFixed(0)}`).join(' ')}`);

  const anchorMean = (anchorBefore + anchorAfter) / 2;
  const c16 = rows.find((x) => x.batching.startsWith('on') && x.concurrency === 16)!;
  const c16off = rows.find((x) => x.batching.startsWith('off') && x.concurrency === 16)!;
  const pairedLine = (kind: 'png' | 'binary', what: string): string => {
    const rows = paired.filter((x) => x.kind === kind);
    if (rows.length === 0) return '';
    const ratios = rows.map((x) => x.imgPerSec / x.anchor).sort((a, b) => a - b);
    return `Paired, ${what} (the anchor and a c16 row in turn, ${rows.length} rows, each against the mean of the anchors before and after it): ${rows.map((x) => `${x.imgPerSec.toFixed(1)} of ${x.anchor.toFixed(1)} (${((100 * x.imgPerSec) / x.anchor).toFixed(0)} %)`).join(', ')}; median **${(100 * ratios[Math.floor(ratios.length / 2)]).toFixed(0)} %**. The model's own rate inside those rows' passes: ${rows.map((x) => `${x.passImgPerSec.toFixed(1)} (${((100 * x.passImgPerSec) / x.anchor).toFixed(0)} %)`).join(', ')}.`;
  };
  const pairedText = [
    pairedLine('png', 'PNG uploads to /v1/classify'),
    pairedLine(
      'binary',
      'the same images preprocessed, as KServe v2 requests with the binary tensor data extension (no decoding in the server)',
    ),
    'The engine ran nearly all the time (column "engine busy" below); its passes ran slower beside the server\'s other work (decoding, HTTP, the load generator; `bench/side_load.ts` measures that effect alone).',
  ]
    .filter((x) => x !== '')
    .join('\n\n');
  const lines = [
    '# resnet50 serve under load',
    '',
    `CPU: ${cpuModel}, ${availableParallelism()} cores, ${process.version}, run ${new Date().toISOString().slice(0, 16)}Z.`,
    `Load average (1 min): ${loadStart} at the start, ${loadavg()[0].toFixed(1)} at the end (other sessions share these cores).`,
    '',
    `ResNet-50 (random weights), native engine (${THREADS === undefined ? 'all cores' : `${THREADS} thread${THREADS === '1' ? '' : 's'}, in the server and the anchor`}), ${REQUESTS} requests per row, POST /v1/classify with 224×224 PNG bodies (8 distinct), \`--preset none\` (decode and normalize, no resize), loopback, keep-alive connections (bench/load_client.ts: requests written in advance, answers framed by Content-Length, as autocannon).`,
    '',
    `Anchor, \`resnet50 bench --batch 8${THREADS === undefined ? '' : ` --threads ${THREADS}`}\` in the same run: ${anchorBefore.toFixed(1)} img/s before the load, ${anchorAfter.toFixed(1)} after (mean ${anchorMean.toFixed(1)}).`,
    `At concurrency 16 with batching the service reaches ${c16.imgPerSec.toFixed(1)} img/s = ${((100 * c16.imgPerSec) / anchorMean).toFixed(0)} % of the anchor (target ≥ 90 %); without batching ${c16off.imgPerSec.toFixed(1)} img/s (batching gain ×${(c16.imgPerSec / c16off.imgPerSec).toFixed(2)}).` +
      (Math.abs(anchorBefore - anchorAfter) > 0.1 * anchorMean
        ? ` The two anchors differ by ${((100 * Math.abs(anchorBefore - anchorAfter)) / anchorMean).toFixed(0)} %: the machine's speed moved during the run, so that ratio means little; the paired rows below do not depend on it.`
        : ''),
    '',
    pairedText,
    '',
    '| batching (--max-batch) | concurrency | img/s | p50 ms | p99 ms | mean batch | img/s within passes | engine busy | peak RSS MB | non-200 | CPU: server | CPU: load generator |',
    '| --- | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: | --: |',
    ...rows.map(
      (x) =>
        `| ${x.batching} | ${x.concurrency} | ${x.imgPerSec.toFixed(1)} | ${x.p50.toFixed(0)} | ${x.p99.toFixed(0)} | ${x.meanBatch.toFixed(2)} | ${x.passImgPerSec.toFixed(1)} | ${(100 * x.engineBusy).toFixed(0)} % | ${x.peakRssMb.toFixed(0)} | ${x.failed} | ${(100 * x.serverCpu).toFixed(0)} % | ${(100 * x.generatorCpu).toFixed(1)} % |`,
    ),
    '',
    `## RSS over ${RSS_REQUESTS} requests`,
    '',
    `64×64 PNG bodies, concurrency 16, --max-batch 8: ${(RSS_REQUESTS / longSeconds).toFixed(0)} requests/s, ${r.failed} non-200; peak RSS (VmHWM) ${hwm.toFixed(0)} MB.`,
    '',
    '| requests done | RSS MB |',
    '| --: | --: |',
    ...curve.map(([n, mb]) => `| ${n} | ${mb.toFixed(0)} |`),
    '',
    `lscpu flags: ${flags}`,
    '',
  ];
  await writeMarkdown(values.out!, lines.join('\n'));
  progress(`wrote ${values.out}`);
} finally {
  rmSync(dir, { recursive: true, force: true });
}
