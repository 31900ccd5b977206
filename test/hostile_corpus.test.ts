/**
 * The hostile-input corpus (test/fixtures/hostile/, written by test/fixtures/gen_hostile.ts) through
 * the real CLI: each entry must exit with its manifest's code after printing exactly one stderr line
 * `resnet50: <sentence>` that names the file and matches the manifest, with no stack trace, a peak
 * RSS under the cap, and nothing left behind in the working or temp directory (a pickle that calls
 * os.system would leave a `pwned` file). Peak RSS comes from test/helpers/peak_rss.ts, which runs the
 * CLI in its own process and reports its VmHWM on exit.
 *
 * The hostile images go through one `classify` of all of them, as a user's folder would: the batch
 * path a single image also takes prints one such line per unusable image and exits 1 at the end, so
 * each image still gets its line checked, and the run's peak RSS bounds every image's (one process
 * instead of 34 saves ~20 s of Node start-ups). Weights, IDX files and conversions run one per process.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, it, test } from 'node:test';
import { saveWeightsFile } from '../src/io/weights/index.js';
import { resnet } from '../src/model/resnet.js';
import { HOSTILE_DIR, hostileCorpus, manifestOf, type ManifestEntry } from './fixtures/gen_hostile.js';
import { CLI, FASHION_MNIST, IMAGES } from './helpers/cli.js';
import { ruleStateDict } from './helpers/rule_weights.js';
import { tempDirs } from './helpers/tmp.js';

/** Peak resident memory any entry may reach (a resnet18 load is ~150 MB). */
const RSS_CAP_MB = 400;
const RSS_WRAPPER = fileURLToPath(new URL('./helpers/peak_rss.js', import.meta.url));
const MARKER = /\n?resnet50-bench maxrss_kb=(\d+)\n/;

const manifest = JSON.parse(readFileSync(join(HOSTILE_DIR, 'manifest.json'), 'utf8')) as ManifestEntry[];
const tmp = tempDirs('resnet50-hostile-');
let weights = '';
let weights10 = '';
const rows: string[] = [];

before(() => {
  const dir = tmp();
  weights = join(dir, 'r18.safetensors');
  weights10 = join(dir, 'r18_10.safetensors');
  saveWeightsFile(weights, ruleStateDict(resnet('resnet18', { init: 'none' })));
  saveWeightsFile(weights10, ruleStateDict(resnet('resnet18', { numClasses: 10, init: 'none' })));
});

after(() => {
  if (rows.length > 0) {
    const head = '| input | command | exit | lines | peak RSS (MB) | time (s) |\n|---|---|---|---|---|---|';
    process.stdout.write(`\nhostile corpus:\n${head}\n${rows.join('\n')}\n`);
  }
});

type SingleEntry = ManifestEntry & { command: Exclude<ManifestEntry['command'], 'classify-image'> };

function argsFor(e: SingleEntry, file: string, work: string): string[] {
  const photo = join(IMAGES, 'chelsea.png');
  switch (e.command) {
    case 'classify-weights':
      return ['classify', photo, '--arch', 'resnet18', '--weights', file];
    case 'convert':
      return ['convert', file, join(work, 'out.safetensors')];
    case 'eval-idx':
      return ['eval', '--weights', weights10, '--data', `idx:${file}`, '--samples', '4', '--batch', '4'];
    case 'eval-weights':
      return ['eval', '--weights', file, '--data', `idx:${FASHION_MNIST}`, '--samples', '4', '--batch', '4'];
  }
}

interface Run {
  status: number | null;
  stderr: string;
  maxRssMb: number;
  seconds: number;
}

function runWithPeakRss(args: string[], cwd: string): Promise<Run> {
  const t0 = performance.now();
  const child = spawn(process.execPath, [RSS_WRAPPER, CLI, ...args], {
    cwd,
    env: {
      ...process.env,
      TMPDIR: join(cwd, 'tmp'),
      RESNET50_WEIGHTS_MIRROR: 'http://127.0.0.1:9/',
      RESNET50_DATASETS_MIRROR: 'http://127.0.0.1:9/',
    },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr.setEncoding('utf8').on('data', (s: string) => (stderr += s));
  return new Promise((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (status) => {
      const m = MARKER.exec(stderr);
      resolve({
        status,
        stderr: stderr.replace(MARKER, ''),
        maxRssMb: m ? Number(m[1]) / 1024 : NaN,
        seconds: (performance.now() - t0) / 1000,
      });
    });
  });
}

// Bytes are not compared: deflate output may differ between zlib versions.
test('the committed corpus is what gen_hostile.ts lists: at least 60 named inputs, under 2 MB', () => {
  const entries = hostileCorpus();
  assert.deepEqual(manifest, manifestOf(entries), 'manifest.json is stale: rerun gen_hostile');
  let total = 0;
  for (const e of entries) {
    const names = e.content instanceof Uint8Array ? [''] : Object.keys(e.content);
    for (const name of names) total += statSync(join(HOSTILE_DIR, e.file, name)).size;
  }
  assert.ok(entries.length >= 60, `${entries.length} entries`);
  assert.ok(total < 2 * 2 ** 20, `corpus holds ${total} bytes`);
  assert.equal(new Set(entries.map((e) => e.file)).size, entries.length, 'file names repeat');
});

/** A fresh working directory with an empty temp directory inside, for one CLI process. */
function workDir(): string {
  const work = tmp();
  mkdirSync(join(work, 'tmp'));
  return work;
}

function assertRun(r: Run, work: string, expectedLines: number): string[] {
  const lines = r.stderr.trimEnd().split('\n');
  assert.equal(lines.length, expectedLines, `expected ${expectedLines} line(s), got:\n${r.stderr}`);
  assert.doesNotMatch(r.stderr, /\n\s+at |internal error/, 'stack trace printed');
  assert.ok(r.maxRssMb < RSS_CAP_MB, `peak RSS ${r.maxRssMb.toFixed(0)} MB over ${RSS_CAP_MB} MB`);
  assert.deepEqual(readdirSync(work), ['tmp'], 'files left in the working directory');
  assert.deepEqual(readdirSync(join(work, 'tmp')), [], 'files left in the temp directory');
  return lines;
}

/** The line starts with `resnet50: <file>` and says the manifest's words. */
function assertLine(line: string, file: string, e: ManifestEntry): void {
  const prefix = `resnet50: ${file}`;
  assert.ok(line.startsWith(prefix), `the line does not start with the file:\n${line}`);
  const sentence = line.slice(prefix.length);
  assert.ok(sentence.includes(e.line), `the line does not say '${e.line}':\n${line}`);
}

const images = manifest.filter((e) => e.command === 'classify-image');
const singles = manifest.filter((e): e is SingleEntry => e.command !== 'classify-image');

describe(`the ${images.length} hostile images in one classify`, () => {
  const files = images.map((e) => join(HOSTILE_DIR, e.file));
  let work = '';
  let run: Run;
  let lines: string[] = [];

  before(async () => {
    work = workDir();
    run = await runWithPeakRss(['classify', ...files, '--arch', 'resnet18', '--weights', weights], work);
    lines = run.stderr.trimEnd().split('\n');
    rows.push(
      `| ${images.length} images | classify | ${run.status} | ${lines.length} | ${run.maxRssMb.toFixed(0)} | ${run.seconds.toFixed(1)} |`,
    );
  });

  it('exit 1, one line per image and no other, no trace, bounded memory, no leftovers', (t) => {
    t.diagnostic(`${run.status} ${run.maxRssMb.toFixed(0)} MB ${run.seconds.toFixed(1)} s`);
    assert.ok(images.every((e) => e.exit === 1));
    assert.equal(run.status, 1, `exit code ${run.status}:\n${run.stderr}`);
    assertRun(run, work, images.length);
  });

  images.forEach((e, i) => {
    it(`${e.file}: its line names it and says '${e.line}'`, () => {
      const mine = lines.filter((l) => l.startsWith(`resnet50: ${files[i]}:`));
      assert.equal(mine.length, 1, `expected one line for ${files[i]}, got:\n${run.stderr}`);
      assertLine(mine[0]!, files[i]!, e);
    });
  });
});

describe('hostile weights, IDX files and conversions through the CLI', { concurrency: 2 }, () => {
  for (const e of singles) {
    it(`${e.file} (${e.command}): exit ${e.exit}, one line, no trace, bounded memory, no leftovers`, async (t) => {
      const work = workDir();
      const file = join(HOSTILE_DIR, e.file);
      const r = await runWithPeakRss(argsFor(e, file, work), work);
      const lines = r.stderr.trimEnd().split('\n');
      rows.push(
        `| ${e.file} | ${e.command} | ${r.status} | ${lines.length} | ${r.maxRssMb.toFixed(0)} | ${r.seconds.toFixed(1)} |`,
      );
      t.diagnostic(`${r.status} ${r.maxRssMb.toFixed(0)} MB ${r.seconds.toFixed(1)} s: ${lines[0]}`);
      assert.equal(r.status, e.exit, `exit code ${r.status}:\n${r.stderr}`);
      assertLine(assertRun(r, work, 1)[0]!, file, e);
    });
  }
});
