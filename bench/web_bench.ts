/**
 * In the browser, side by side in one headless Chromium run: ours (the library's browser entry in a
 * Web Worker, on each backend registered there) against onnxruntime-web (`ort.all.min.mjs`, WASM
 * execution provider with SIMD, 2 threads, the page cross-origin isolated) on the same ResNet-50
 * weights, ours from a .safetensors and ORT from our ONNX export of the same model (writeOnnx).
 *
 *   npm run build && node dist/bench/web_bench.js [--iters 10] [--batch4-iters 3] [--warmup 1]
 *       [--ort-threads 2] [--out bench/results/web.md]
 *
 * Batch 1: median latency of --iters passes after --warmup. Batch 4: images per second over
 * --batch4-iters passes (median pass time). Cold start: from the start of the page load to the first
 * result with the weights already in the Cache Storage (a first visit stored them): ours is the web
 * page itself (web/, `?weights=URL`, a PNG set through its file input as soon as the page has
 * loaded: decode, preprocess, forward); ORT's is a page that imports ORT, reads the model from the
 * Cache Storage, creates a session and runs one prepared batch-1 tensor. The weights are
 * torchvision's random initialization (timing does not depend on them). Progress goes to stderr; the
 * report is printed and written to --out.
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';
import type { Page } from 'playwright-core';
import { median } from '../src/cli/bench.js';
import { saveWeightsFile } from '../src/io/weights/index.js';
import { resnet } from '../src/model/resnet.js';
import { writeOnnx } from '../src/tasks/onnx_export.js';
import { BROWSER_SKIP, launchChromium } from '../test/helpers/browser.js';
import { buildWeb } from '../web/build.js';
import { startWebServer } from '../web/server.js';
import { writeMarkdown } from './markdown.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const IMAGE = join(REPO, 'examples/images/chelsea.png');

const { values } = parseArgs({
  options: {
    iters: { type: 'string', default: '10' },
    'batch4-iters': { type: 'string', default: '3' },
    warmup: { type: 'string', default: '1' },
    'ort-threads': { type: 'string', default: '2' },
    out: { type: 'string', default: join(REPO, 'bench/results/web.md') },
  },
});
const ITERS = Number(values.iters);
const BATCH4_ITERS = Number(values['batch4-iters']);
const WARMUP = Number(values.warmup);
const ORT_THREADS = Number(values['ort-threads']);
const OUR_THREADS = [1, 2];
if (BROWSER_SKIP !== false) {
  process.stderr.write(`web_bench: ${BROWSER_SKIP}\n`);
  process.exit(1);
}
const log = (line: string): void => void process.stderr.write(`${line}\n`);

/** lscpu's model name and flags (the SIMD the browser's WebAssembly can map to). */
function cpu(): { model: string; flags: string } {
  const out = spawnSync('lscpu', { encoding: 'utf8' }).stdout ?? '';
  const field = (name: string): string =>
    out
      .split('\n')
      .find((l) => l.startsWith(`${name}:`))
      ?.slice(name.length + 1)
      .trim() ?? 'unknown';
  return { model: field('Model name'), flags: field('Flags') };
}

/** The site: the web page, the benchmark page and worker, ORT's files, the weights and the model. */
async function site(dir: string): Promise<string> {
  const root = (await buildWeb(join(dir, 'site'))).outDir;
  await build({
    absWorkingDir: REPO,
    entryPoints: [
      { in: 'bench/web_bench_page.ts', out: 'web_bench_page' },
      { in: 'bench/web_bench_worker.ts', out: 'web_bench_worker' },
    ],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    minify: true,
    outdir: root,
    external: ['onnxruntime-web'],
    logLevel: 'warning',
  });
  const html =
    '<!doctype html><meta charset="utf-8"><script type="module" src="./web_bench_page.js"></script>';
  writeFileSync(join(root, 'bench.html'), html);
  const ortDist = join(REPO, 'node_modules/onnxruntime-web/dist');
  mkdirSync(join(root, 'ort'));
  for (const f of readdirSync(ortDist)) {
    if (f.startsWith('ort.all.min.mjs') || /^ort-wasm-simd-threaded.*\.(mjs|wasm)$/.test(f)) {
      copyFileSync(join(ortDist, f), join(root, 'ort', f));
    }
  }
  const model = resnet('resnet50');
  saveWeightsFile(join(root, 'resnet50.safetensors'), model.stateDict());
  writeOnnx(join(root, 'resnet50.onnx'), model);
  return root;
}

interface Row {
  runtime: string;
  batch1Ms: number;
  batch4ImgPerSec: number;
}

const row = (runtime: string, b1: number[], b4: number[]): Row => ({
  runtime,
  batch1Ms: median(b1),
  batch4ImgPerSec: 4000 / median(b4),
});

/** Ours on the web page: page load to the first result shown, weights from the Cache Storage. */
async function coldOurs(page: Page, url: string): Promise<number> {
  await page.goto(url);
  await page.setInputFiles('#image-file', IMAGE);
  await page.waitForFunction(
    () => window.resnet50Page.firstResultAt !== null || window.resnet50Page.phase === 'error',
    undefined,
    { timeout: 600_000 },
  );
  const state = await page.evaluate(() => window.resnet50Page);
  if (state.firstResultAt === null) throw new Error(`the web page failed: ${state.message}`);
  return state.firstResultAt;
}

/** onnxruntime-web: page load to the first result, the model from the Cache Storage. */
async function coldOrt(page: Page, url: string): Promise<number> {
  await page.goto(url);
  await page.waitForFunction(() => window.webBenchCold !== undefined, undefined, { timeout: 600_000 });
  const cold = await page.evaluate(() => window.webBenchCold!);
  if ('error' in cold) throw new Error(`onnxruntime-web cold start failed: ${cold.error}`);
  return cold.ms;
}

const loadBefore = loadavg()[0]!;
const dir = mkdtempSync(join(tmpdir(), 'resnet50-webbench-'));
const server = await startWebServer({ root: await site(dir) });
const browser = await launchChromium();
const version = browser.version();
try {
  const context = await browser.newContext();
  const page = await context.newPage();
  page.on('pageerror', (e) => log(`page error: ${e.message}`));
  await page.goto(new URL('bench.html', server.url).href);
  const isolated = await page.evaluate(() => crossOriginIsolated);
  const weightsUrl = new URL('resnet50.safetensors', server.url).href;
  const modelUrl = new URL('resnet50.onnx', server.url).href;
  const ortVersion = await page.evaluate(([url, threads]) => window.webBench.loadOrt(url, threads), [
    modelUrl,
    ORT_THREADS,
  ] as const);
  const { backends } = await page.evaluate(([url]) => window.webBench.loadOurs(url, 'js', 1), [
    weightsUrl,
  ] as const);
  const rows: Row[] = [];
  const opts = (batch: number, iters: number) => ({ batch, iters, warmup: WARMUP });
  // Ours on wasm with 1 and 2 threads (the js backend, the reference kernels, takes seconds per image).
  for (const threads of backends.includes('wasm') ? OUR_THREADS : []) {
    log(`ours (wasm, ${threads} threads): batch 1 and batch 4`);
    const loaded = await page.evaluate(([url, t]) => window.webBench.loadOurs(url, 'wasm', t), [
      weightsUrl,
      threads,
    ] as const);
    const b1 = await page.evaluate((o) => window.webBench.ours(o), opts(1, ITERS));
    const b4 = await page.evaluate((o) => window.webBench.ours(o), opts(4, BATCH4_ITERS));
    rows.push(
      row(
        `ours, wasm ${loaded.build} SIMD, ${loaded.threads} thread${loaded.threads > 1 ? 's' : ''} (in a Web Worker)`,
        b1,
        b4,
      ),
    );
  }
  log(`onnxruntime-web ${ortVersion}: batch 1 and batch 4`);
  const ob1 = await page.evaluate((o) => window.webBench.ort(o), opts(1, ITERS));
  const ob4 = await page.evaluate((o) => window.webBench.ort(o), opts(4, BATCH4_ITERS));
  const ortRow = row(`onnxruntime-web ${ortVersion} (wasm, SIMD, ${ORT_THREADS} threads)`, ob1, ob4);
  rows.push(ortRow);

  log('cold starts (a first visit fills the Cache Storage)');
  const pageUrl = new URL(`index.html?weights=${encodeURIComponent(weightsUrl)}`, server.url).href;
  const ortColdUrl = new URL(`bench.html?cold=${encodeURIComponent(modelUrl)}`, server.url).href;
  await coldOurs(await context.newPage(), pageUrl);
  const oursCold = await coldOurs(await context.newPage(), pageUrl);
  await coldOrt(await context.newPage(), ortColdUrl);
  const ortCold = await coldOrt(await context.newPage(), ortColdUrl);

  const { model, flags } = cpu();
  const simd = flags
    .split(' ')
    .filter((f) => /^(sse4_2|avx|avx2|fma|avx512f|avx512_vnni|avx512_bf16|amx_tile)$/.test(f))
    .join(' ');
  const load = `${loadBefore.toFixed(1)} at the start, ${loadavg()[0]!.toFixed(1)} at the end`;
  const noWasm = backends.includes('wasm')
    ? ''
    : ' The WebAssembly backend is not registered in this build: ours ran on the reference JavaScript kernels.';
  const ms = (v: number): string => v.toFixed(v < 100 ? 1 : 0);
  const table = rows.map(
    (r) =>
      `| ${r.runtime} | ${ms(r.batch1Ms)} | ${(r.batch1Ms / ortRow.batch1Ms).toFixed(2)}× | ` +
      `${r.batch4ImgPerSec.toFixed(2)} | ${(r.batch4ImgPerSec / ortRow.batch4ImgPerSec).toFixed(2)}× |`,
  );
  const report = `# In the browser: ours against onnxruntime-web

Headless ${version} (Debian), one run: \`node dist/bench/web_bench.js --iters ${ITERS} --batch4-iters ${BATCH4_ITERS} --warmup ${WARMUP}\`.
CPU: ${model}, ${cpus().length} cores (load average ${load}); SIMD flags: ${simd || 'none listed'}.
The page was ${isolated ? '' : 'NOT '}cross-origin isolated.
ResNet-50 (torchvision's random initialization), 224×224 input; ours loads the .safetensors in a Web
Worker, onnxruntime-web runs our ONNX export of the same model on the page's main thread. Backends
registered in the browser entry: ${backends.join(', ')}.${noWasm}

| runtime | batch 1: median ms (${ITERS} runs) | vs ORT | batch 4: img/s (${BATCH4_ITERS} runs) | vs ORT |
| --- | --: | --: | --: | --: |
${table.join('\n')}

Targets (issue 16): ours at batch 1 ≤ 0.8× onnxruntime-web's latency, at batch 4 ≥ 1.25× its throughput.

Cold start, from the start of the page load to the first result, weights from the Cache Storage:
ours (the web page, a PNG set through its file input: decode, preprocess, forward) **${ms(oursCold)} ms**;
onnxruntime-web (import, model from the cache, session, one prepared tensor) **${ms(ortCold)} ms**.
`;
  process.stdout.write(report);
  await writeMarkdown(values.out, report);
  log(`written to ${values.out}`);
} finally {
  await browser.close();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
}
