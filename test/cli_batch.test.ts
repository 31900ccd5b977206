/**
 * The batch commands on many images: directories and `-` (stdin) as arguments, results streamed as
 * each image finishes (--jsonl) or in one array (--json), one error line per unusable image with exit
 * code 1 at the end, no progress when stderr is not a terminal, --out checked before the weights are
 * loaded; and --version, `help CMD`, --logits without JSON.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { before, test } from 'node:test';
import { formatProgress } from '../src/cli/batch.js';
import { readSafetensors, readSafetensorsMetadata, saveWeightsFile } from '../src/io/weights/index.js';
import { resnet } from '../src/model/resnet.js';
import { expandImageSources } from '../src/tasks/image_sources.js';
import { CLI, IMAGES, REPO, runCli } from './helpers/cli.js';
import { ruleStateDict } from './helpers/rule_weights.js';
import { tempDirs } from './helpers/tmp.js';

const tmp = tempDirs('resnet50-batch-');
let weights = '';
/** photos/chelsea.png, photos/broken.png (text), photos/sub/rocket.jpg, photos/sub/deeper/coffee.png, notes.txt */
let photos = '';
let good: string[] = [];
let broken = '';

before(() => {
  const dir = tmp();
  weights = join(dir, 'r18.safetensors');
  saveWeightsFile(weights, ruleStateDict(resnet('resnet18', { init: 'none' })));
  photos = join(dir, 'photos');
  mkdirSync(join(photos, 'sub', 'deeper'), { recursive: true });
  good = [
    join(photos, 'chelsea.png'),
    join(photos, 'sub', 'rocket.jpg'),
    join(photos, 'sub', 'deeper', 'coffee.png'),
  ];
  copyFileSync(join(IMAGES, 'chelsea.png'), good[0]);
  copyFileSync(join(IMAGES, 'rocket.jpg'), good[1]);
  copyFileSync(join(IMAGES, 'coffee.png'), good[2]);
  broken = join(photos, 'sub', 'broken.png');
  writeFileSync(broken, 'hello, I am not a picture\n');
  writeFileSync(join(photos, 'notes.txt'), 'not an image extension, skipped\n');
});

const r18 = (...args: string[]): string[] => [...args, '--arch', 'resnet18', '--weights', weights];

/** The CLI with bytes on its standard input. */
function runWithStdin(
  args: string[],
  input: Uint8Array,
): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: REPO,
    input,
    encoding: 'utf8',
    timeout: 120_000,
  });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

interface Top {
  classIndex: number;
  label: string;
  score: number;
}
type ClassifyRecord = { file: string; top: Top[] } | { file: string; error: string };

test('expandImageSources: directories recursively (sorted, images only), files kept, `-` once from stdin', async () => {
  const sources = await expandImageSources([good[1], photos]);
  // A file argument stays as given; the directory lists its own files first, then sub-folders.
  assert.deepEqual(sources, [good[1], good[0], broken, good[1], good[2]]);
  const bytes = readFileSync(join(IMAGES, 'rocket.jpg'));
  const [fromStdin] = await expandImageSources(['-'], {
    stdin: Readable.from([bytes.subarray(0, 10), bytes.subarray(10)]),
  });
  assert.deepEqual(fromStdin, { name: 'stdin', bytes: Buffer.from(bytes) });
  await assert.rejects(expandImageSources(['-', '-']), /'-' \(standard input\) can be given only once/);
  await assert.rejects(
    expandImageSources(['-'], { stdin: Readable.from([bytes]), maxStdinBytes: 1000 }),
    /stdin: more than 1000 bytes of image data; pass a file instead/,
  );
  const empty = tmp();
  await assert.rejects(
    expandImageSources([empty]),
    new RegExp(`${empty}: no \\.png, \\.jpg or \\.jpeg images`),
  );
});

test('progress lines: [done/total] file, cut from the left to fit the terminal', () => {
  assert.equal(formatProgress(12, 40, 'photos/cat.png'), '[12/40] photos/cat.png');
  assert.equal(formatProgress(3, 40, 'photos/a/very/long/name.png', 24), '[3/40] …y/long/name.png');
  assert.equal(formatProgress(3, 40, 'photos/a/very/long/name.png', 24).length, 23);
  assert.equal(formatProgress(3, 40, 'x.png', 8), '[3/40]');
});

test('classify DIR: results for the good images, one error line for the broken one, exit 1, no progress off a terminal', () => {
  const r = runCli(r18('classify', photos, '--top', '2'));
  assert.equal(r.status, 1, r.stderr);
  assert.equal(r.stderr, `resnet50: ${broken}: not a PNG or JPEG image (starts with "hello, I").\n`);
  const blocks = r.stdout.trimEnd().split(/\n(?=\S)/);
  assert.deepEqual(
    blocks.map((b) => b.split('\n')[0]),
    [good[0], good[1], good[2]],
  );
  // The same numbers as classifying the good files by name.
  const byName = runCli(r18('classify', ...good, '--top', '2'));
  assert.equal(byName.status, 0, byName.stderr);
  assert.equal(r.stdout, byName.stdout);
  assert.match(blocks[0], /^ {2}\s*\d+\.\d\d% {2}.+ \(\d+\)$/m);
});

test('classify --json: one array in input order, the broken image as {"file","error"}; --jsonl: the same objects, one per line', () => {
  const json = runCli(r18('classify', photos, '--top', '3', '--json', '--logits'));
  assert.equal(json.status, 1, json.stderr);
  const records = JSON.parse(json.stdout) as (ClassifyRecord & { logits?: number[] })[];
  assert.deepEqual(
    records.map((o) => o.file),
    [good[0], broken, good[1], good[2]],
  );
  assert.deepEqual(records[1], {
    file: broken,
    error: `${broken}: not a PNG or JPEG image (starts with "hello, I").`,
  });
  for (const o of [records[0], records[2], records[3]]) {
    assert.ok('top' in o && o.logits !== undefined);
    assert.deepEqual(Object.keys(o.top[0]), ['classIndex', 'label', 'score']);
    // top-1 is the argmax of the logits, its score the softmax there
    const max = Math.max(...o.logits);
    assert.equal(o.top[0].classIndex, o.logits.indexOf(max));
    const sum = o.logits.reduce((s, v) => s + Math.exp(v - max), 0);
    assert.ok(Math.abs(o.top[0].score - 1 / sum) < 1e-6, `${o.top[0].score} vs ${1 / sum}`);
  }
  const jsonl = runCli(r18('classify', photos, '--top', '3', '--jsonl', '--logits'));
  assert.equal(jsonl.status, 1, jsonl.stderr);
  const lines = jsonl.stdout.trimEnd().split('\n');
  assert.equal(lines.length, 4);
  assert.deepEqual(
    lines.map((l) => JSON.parse(l) as unknown),
    records,
  );
  assert.equal(jsonl.stderr.trim().split('\n').length, 1, jsonl.stderr);
});

test(
  '--jsonl streams: the first image is printed while the second cannot be read yet',
  { skip: process.platform === 'win32' },
  async () => {
    // The second image is a named pipe: reading it blocks until this test writes the photo into it,
    // which it does only after the first result has arrived.
    const fifo = join(tmp(), 'later.png');
    assert.equal(spawnSync('mkfifo', [fifo]).status, 0, 'mkfifo failed');
    const child = spawn(process.execPath, [CLI, ...r18('classify', good[0], fifo, '--jsonl', '--top', '1')], {
      cwd: REPO,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
    const guard = setTimeout(() => child.kill(), 100_000);
    let firstLineBeforeSecondImage: string | null = null;
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (d: Buffer) => {
        stdout += d.toString();
        if (firstLineBeforeSecondImage === null && stdout.includes('\n')) {
          firstLineBeforeSecondImage = stdout;
          writeFileSync(fifo, readFileSync(join(IMAGES, 'coffee.png')));
          resolve();
        }
      });
      child.on('close', () => reject(new Error(`exited before the first line: ${stderr}`)));
    });
    assert.equal(await exited, 0, stderr);
    clearTimeout(guard);
    const first = JSON.parse(firstLineBeforeSecondImage!) as ClassifyRecord;
    assert.equal(first.file, good[0]);
    const lines = stdout.trimEnd().split('\n');
    assert.deepEqual(
      lines.map((l) => (JSON.parse(l) as ClassifyRecord).file),
      [good[0], fifo],
    );
    const coffee = runCli(r18('classify', good[2], '--json', '--top', '1'));
    assert.deepEqual(
      (JSON.parse(lines[1]) as { top: Top[] }).top,
      (JSON.parse(coffee.stdout) as { top: Top[] }[])[0].top,
    );
  },
);

test('`-` reads one image from stdin: the same result as the file, named "stdin"', () => {
  const fromFile = runCli(r18('classify', good[1], '--json', '--top', '3'));
  const fromStdin = runWithStdin(r18('classify', '-', '--json', '--top', '3'), readFileSync(good[1]));
  assert.equal(fromStdin.status, 0, fromStdin.stderr);
  const [a] = JSON.parse(fromFile.stdout) as { file: string; top: Top[] }[];
  const [b] = JSON.parse(fromStdin.stdout) as { file: string; top: Top[] }[];
  assert.equal(b.file, 'stdin');
  assert.deepEqual(b.top, a.top);
  const notImage = runWithStdin(r18('classify', '-'), Buffer.from('GIF89a...'));
  assert.equal(notImage.status, 1);
  assert.equal(notImage.stderr, 'resnet50: stdin: not a PNG or JPEG image (starts with "GIF89a..").\n');
});

test('embed DIR --out: the good images in one tensor, their files in the metadata, a missing folder created', () => {
  const out = join(tmp(), 'new', 'deeper', 'emb.safetensors');
  const r = runCli(r18('embed', photos, '--out', out));
  assert.equal(r.status, 1, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.deepEqual(lines, [
    `resnet50: ${broken}: not a PNG or JPEG image (starts with "hello, I").`,
    `wrote 3×[512] pool embeddings to ${out}`,
  ]);
  assert.equal(r.stdout, '');
  assert.deepEqual(JSON.parse(readSafetensorsMetadata(out).files), good);
  const emb = readSafetensors(out).get('embeddings')!;
  assert.deepEqual(emb.shape, [3, 512]);
  const one = runCli(r18('embed', good[1], '--json'));
  const [e] = JSON.parse(one.stdout) as { data: number[] }[];
  assert.deepEqual(Array.from(emb.data.subarray(512, 1024)), Array.from(Float32Array.from(e.data)));
  const quiet = runCli(r18('embed', good[0], '--out', join(tmp(), 'q.safetensors'), '--quiet'));
  assert.equal(quiet.status, 0, quiet.stderr);
  assert.equal(quiet.stderr, '');
});

test('cam DIR: maps and overlays for the good images, one error line for the broken one, exit 1', () => {
  const dir = tmp();
  const r = runCli(r18('cam', photos, '--size', '64', '--jsonl', '--out', join(dir, 'maps', 'o.png')));
  assert.equal(r.status, 1, r.stderr);
  const records = r.stdout
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l) as Record<string, unknown>);
  assert.deepEqual(
    records.map((o) => o.file),
    [good[0], broken, good[1], good[2]],
  );
  assert.deepEqual(records[1], {
    file: broken,
    error: `${broken}: not a PNG or JPEG image (starts with "hello, I").`,
  });
  for (const o of [records[0], records[2], records[3]]) {
    assert.deepEqual(Object.keys(o), [
      'file',
      'classIndex',
      'label',
      'score',
      'classSource',
      'heatmap',
      'box',
    ]);
    assert.match(
      o.classSource as string,
      /^top-1 of the whole image \(cam sees the whole image, classify a centre crop/,
    );
  }
  assert.deepEqual(readdirSync(join(dir, 'maps')).sort(), ['o-chelsea.png', 'o-coffee.png', 'o-rocket.png']);
  // In file order on stderr too: each image's line as soon as it and the images before it are done.
  assert.deepEqual(r.stderr.trim().split('\n'), [
    `wrote ${join(dir, 'maps', 'o-chelsea.png')}`,
    `resnet50: ${broken}: not a PNG or JPEG image (starts with "hello, I").`,
    `wrote ${join(dir, 'maps', 'o-rocket.png')}`,
    `wrote ${join(dir, 'maps', 'o-coffee.png')}`,
  ]);
  // The same maps as one image at a time.
  const alone = runCli(r18('cam', good[1], '--size', '64', '--json'));
  const [a] = JSON.parse(alone.stdout) as Record<string, unknown>[];
  assert.deepEqual(records[2], a);
});

test('cam without --class says which class it mapped and why it can differ from classify; with --class it says --class', () => {
  const text = runCli(r18('cam', good[0], '--size', '64'));
  assert.equal(text.status, 0, text.stderr);
  const [note, line] = text.stdout.trimEnd().split('\n');
  assert.match(
    note,
    /top-1 class on the whole image \(resized, not cropped\); classify's top-1 comes from a centre crop and can differ/,
  );
  assert.match(line, new RegExp(`^${good[0]} {2}.+ \\(\\d+\\) {2}`));
  const given = runCli(r18('cam', good[0], '--size', '64', '--class', '7', '--json'));
  const [o] = JSON.parse(given.stdout) as { classIndex: number; classSource: string }[];
  assert.deepEqual([o.classIndex, o.classSource], [7, '--class']);
  const givenText = runCli(r18('cam', good[0], '--size', '64', '--class', '7'));
  assert.equal(givenText.stdout.trimEnd().split('\n').length, 1);
});

test('--out is checked before the weights are loaded: a directory, or a file in the way of its folder', () => {
  const dir = tmp();
  const bogus = ['--arch', 'resnet18', '--weights', join(dir, 'no-such-weights.safetensors')];
  const isDir = runCli(['embed', good[0], ...bogus, '--out', dir]);
  assert.equal(isDir.status, 1);
  assert.equal(isDir.stderr, `resnet50: --out ${dir} is a directory; give a file name.\n`);
  const file = join(dir, 'a-file');
  writeFileSync(file, '');
  const blocked = runCli(['cam', good[0], ...bogus, '--out', join(file, 'o.png')]);
  assert.equal(blocked.status, 1);
  assert.equal(blocked.stderr, `resnet50: --out: cannot create the folder ${file} (a file is in the way).\n`);
  const detect = runCli([
    'detect',
    good[0],
    '--weights',
    join(dir, 'nope.pth'),
    '--out',
    join(file, 'b.png'),
  ]);
  assert.equal(detect.stderr, `resnet50: --out: cannot create the folder ${file} (a file is in the way).\n`);
  // With a good --out, the weights are what fails.
  const weightsFirst = runCli(['embed', good[0], ...bogus, '--out', join(dir, 'e.safetensors')]);
  assert.match(weightsFirst.stderr, /no-such-weights\.safetensors/);
  assert.equal(existsSync(join(dir, 'e.safetensors')), false);
});

test('--version, help CMD, --logits without JSON, --json with --jsonl', () => {
  const version = runCli(['--version']);
  assert.equal(version.status, 0);
  assert.equal(
    version.stdout,
    `${(JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string }).version}\n`,
  );
  for (const cmd of ['classify', 'embed', 'cam', 'detect']) {
    const help = runCli(['help', cmd]);
    assert.equal(help.status, 0);
    assert.match(help.stdout, new RegExp(`^Usage: resnet50 ${cmd} IMAGE\\.\\.\\.`));
    assert.match(help.stdout, /--jsonl/);
    if (cmd === 'classify') assert.equal(help.stdout, runCli([cmd, '--help']).stdout);
  }
  const nope = runCli(['help', 'nope']);
  assert.equal(nope.status, 2);
  assert.equal(nope.stderr, "resnet50: Unknown command 'nope' (see 'resnet50 --help').\n");
  const logits = runCli(r18('classify', good[0], '--logits'));
  assert.equal(logits.status, 2);
  assert.equal(logits.stdout, '');
  assert.equal(
    logits.stderr,
    'resnet50: classify: --logits needs --json or --jsonl (the text output lists classes only).\n',
  );
  const both = runCli(r18('classify', good[0], '--json', '--jsonl'));
  assert.equal(both.status, 2);
  assert.match(both.stderr, /use either --json or --jsonl/);
});
