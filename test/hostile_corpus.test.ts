/**
 * The hostile-input corpus (test/fixtures/hostile/, written by test/fixtures/gen_hostile.ts) through
 * the real CLI: each entry must exit with its manifest's code after printing exactly one stderr line
 * `resnet50: <sentence>` that names the file and matches the manifest, with no stack trace, a peak
 * RSS under the cap, and nothing left behind in the working or temp directory (a pickle that calls
 * os.system would leave a `pwned` file). Peak RSS comes from test/helpers/peak_rss.ts, which runs the
 * CLI in its own process and reports its VmHWM on exit.
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

function argsFor(e: ManifestEntry, file: string, work: string): string[] {
  const photo = join(IMAGES, 'chelsea.png');
  switch (e.command) {
    case 'classify-image':
      return ['classify', file, '--arch', 'resnet18', '--weights', weights];
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

describe('hostile corpus through the CLI', { concurrency: 2 }, () => {
  for (const e of manifest) {
    it(`${e.file} (${e.command}): exit ${e.exit}, one line, no trace, bounded memory, no leftovers`, async (t) => {
      const work = tmp();
      mkdirSync(join(work, 'tmp'));
      const file = join(HOSTILE_DIR, e.file);
      const r = await runWithPeakRss(argsFor(e, file, work), work);
      const lines = r.stderr.trimEnd().split('\n');
      rows.push(
        `| ${e.file} | ${e.command} | ${r.status} | ${lines.length} | ${r.maxRssMb.toFixed(0)} | ${r.seconds.toFixed(1)} |`,
      );
      t.diagnostic(`${r.status} ${r.maxRssMb.toFixed(0)} MB ${r.seconds.toFixed(1)} s: ${lines[0]}`);
      assert.equal(r.status, e.exit, `exit code ${r.status}:\n${r.stderr}`);
      assert.equal(lines.length, 1, `expected one line, got:\n${r.stderr}`);
      assert.doesNotMatch(r.stderr, /\n\s+at |internal error/, 'stack trace printed');
      const prefix = `resnet50: ${file}`;
      assert.ok(lines[0]!.startsWith(prefix), `the line does not start with the file:\n${lines[0]}`);
      const sentence = lines[0]!.slice(prefix.length);
      assert.ok(sentence.includes(e.line), `the line does not say '${e.line}':\n${lines[0]}`);
      assert.ok(r.maxRssMb < RSS_CAP_MB, `peak RSS ${r.maxRssMb.toFixed(0)} MB over ${RSS_CAP_MB} MB`);
      assert.deepEqual(readdirSync(work), ['tmp'], 'files left in the working directory');
      assert.deepEqual(readdirSync(join(work, 'tmp')), [], 'files left in the temp directory');
    });
  }
});
