/**
 * `resnet50 datasets fetch` and `--data idx:NAME` (src/data/datasets.ts), against a local http server
 * (127.0.0.1, ephemeral port) that serves the repository's Fashion-MNIST slice. The slice has other
 * hashes than the real files, so the tests fetch it through entries that differ from the registry's
 * only in their files; the registry's own entries meet it to show a hash mismatch. No real network.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, statSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import {
  DATASETS,
  datasetCacheDir,
  datasetSourceUrl,
  fetchDataset,
  findDataset,
  resolveIdxSource,
  type DatasetEntry,
} from '../src/data/datasets.js';
import { UserError } from '../src/errors.js';
import { saveWeightsFile } from '../src/io/weights/index.js';
import { resnet18 } from '../src/model/resnet.js';
import { FASHION_MNIST, runCli } from './helpers/cli.js';
import { tempDirs } from './helpers/tmp.js';

const tmp = tempDirs('datasets-');
const FASHION = findDataset('fashion-mnist')!;
const MNIST = findDataset('mnist')!;

/** `entry` with the repository's slice as its files (same names, the slice's sizes and hashes). */
function sliceOf(entry: DatasetEntry): DatasetEntry {
  return {
    ...entry,
    files: entry.files.map((f) => {
      const bytes = readFileSync(join(FASHION_MNIST, f.fileName));
      return { ...f, bytes: bytes.length, sha256: createHash('sha256').update(bytes).digest('hex') };
    }),
  };
}

const hits = new Map<string, number>();
const server = http.createServer((req, res) => {
  const path = req.url ?? '/';
  hits.set(path, (hits.get(path) ?? 0) + 1);
  // /m/<data set>/<file>: the slice under every data set's name
  const file = /^\/m\/(?:fashion-mnist|mnist)\/([\w.-]+)$/.exec(path)?.[1];
  const local = file === undefined ? '' : join(FASHION_MNIST, file);
  if (file !== undefined && existsSync(local)) {
    const body = readFileSync(local);
    res.writeHead(200, { 'content-length': body.length });
    res.end(body);
  } else {
    res.writeHead(404);
    res.end('not here');
  }
});
let mirror = '';
let closedPort = '';

before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  mirror = `http://127.0.0.1:${(server.address() as AddressInfo).port}/m/`;
  const probe = http.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  closedPort = `http://127.0.0.1:${(probe.address() as AddressInfo).port}/`;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
});

after(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

function requests(): number {
  return [...hits.values()].reduce((a, b) => a + b, 0);
}

function lines(): { stream: Writable; text: () => string } {
  const chunks: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _encoding, done) {
      chunks.push(chunk.toString());
      done();
    },
  });
  return { stream, text: () => chunks.join('') };
}

async function rejectsWithUserError(promise: Promise<unknown>, pattern: RegExp): Promise<string> {
  let message = '';
  await assert.rejects(promise, (err: unknown) => {
    assert.ok(err instanceof UserError, `expected a UserError, got ${String(err)}`);
    assert.match(err.message, pattern);
    message = err.message;
    return true;
  });
  return message;
}

describe('the registry', () => {
  test('Fashion-MNIST and MNIST: four IDX files each with size and full sha256, from the official locations', () => {
    assert.deepEqual(
      DATASETS.map((d) => d.name),
      ['fashion-mnist', 'mnist'],
    );
    const names = [
      'train-images-idx3-ubyte.gz',
      'train-labels-idx1-ubyte.gz',
      't10k-images-idx3-ubyte.gz',
      't10k-labels-idx1-ubyte.gz',
    ];
    for (const d of DATASETS) {
      assert.deepEqual(
        d.files.map((f) => f.fileName),
        names,
      );
      for (const f of d.files) assert.match(f.sha256, /^[0-9a-f]{64}$/);
      assert.equal(d.classes.length, 10);
    }
    assert.equal(FASHION.baseUrl, 'http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/');
    assert.equal(FASHION.files[0].sha256.slice(0, 8), '3aede38d');
    assert.equal(FASHION.files[0].bytes, 26_421_880);
    assert.equal(FASHION.classes[9], 'Ankle boot');
    assert.equal(MNIST.baseUrl, 'https://ossci-datasets.s3.amazonaws.com/mnist/');
    assert.equal(MNIST.files[0].sha256.slice(0, 8), '440fcabf');
    assert.deepEqual(MNIST.classes, ['0', '1', '2', '3', '4', '5', '6', '7', '8', '9']);
  });

  test('the official location, or <name>/<file> under a mirror (URL, directory, $RESNET50_DATASETS_MIRROR)', () => {
    const file = FASHION.files[1];
    assert.equal(
      datasetSourceUrl(FASHION, file, 'https://m.example/d'),
      `https://m.example/d/fashion-mnist/${file.fileName}`,
    );
    assert.equal(datasetSourceUrl(FASHION, file, '/srv/d'), join('/srv/d', 'fashion-mnist', file.fileName));
    const saved = process.env.RESNET50_DATASETS_MIRROR;
    try {
      delete process.env.RESNET50_DATASETS_MIRROR;
      assert.equal(
        datasetSourceUrl(MNIST, file),
        `https://ossci-datasets.s3.amazonaws.com/mnist/${file.fileName}`,
      );
      process.env.RESNET50_DATASETS_MIRROR = 'http://127.0.0.1:1/x/';
      assert.equal(datasetSourceUrl(MNIST, file), `http://127.0.0.1:1/x/mnist/${file.fileName}`);
    } finally {
      if (saved === undefined) delete process.env.RESNET50_DATASETS_MIRROR;
      else process.env.RESNET50_DATASETS_MIRROR = saved;
    }
  });
});

describe('fetchDataset', () => {
  const slice = sliceOf(FASHION);

  test('downloads the four files, checks their sha256, reports progress and leaves no temp file', async () => {
    const dir = join(tmp(), 'fmnist');
    hits.clear();
    const out = lines();
    assert.equal(await fetchDataset(slice, { dir, mirror, progress: out.stream }), dir);
    for (const f of slice.files) {
      assert.deepEqual(readFileSync(join(dir, f.fileName)), readFileSync(join(FASHION_MNIST, f.fileName)));
      assert.equal(hits.get(`/m/fashion-mnist/${f.fileName}`), 1);
    }
    assert.deepEqual(readdirSync(dir).sort(), slice.files.map((f) => f.fileName).sort());
    const report = out.text().trimEnd().split('\n');
    assert.equal(report.length, 8);
    assert.match(
      report[0],
      /^Downloading http:\/\/127\.0\.0\.1:\d+\/m\/fashion-mnist\/train-images-idx3-ubyte\.gz \(0\.4 MB\) to /,
    );
    assert.match(report[7], /^Downloaded 0\.0 MB in \d+\.\d s/);

    const before = requests();
    await fetchDataset(slice, { dir, mirror, progress: false });
    assert.equal(requests(), before, 'the cached files were downloaded again');
  });

  test("the registry's sha256 refuses other bytes and keeps nothing", async () => {
    const dir = join(tmp(), 'fmnist');
    const message = await rejectsWithUserError(
      fetchDataset('fashion-mnist', { dir, mirror, progress: false }),
      /^Downloaded http:\/\/127\.0\.0\.1:\d+\/m\/fashion-mnist\/train-images-idx3-ubyte\.gz has sha256 [0-9a-f]{64} but 3aede38d[0-9a-f]{56} was expected; the file was discarded\.$/,
    );
    assert.ok(message.includes(slice.files[0].sha256));
    assert.deepEqual(readdirSync(dir), []);
  });

  test('without network: one sentence naming the file, the reason and where to put it', async () => {
    const dir = join(tmp(), 'fmnist');
    const message = await rejectsWithUserError(
      fetchDataset('fashion-mnist', { dir, mirror: closedPort, progress: false }),
      /^Could not download Fashion-MNIST train-images-idx3-ubyte\.gz from http:\/\/127\.0\.0\.1:\d+\/fashion-mnist\/train-images-idx3-ubyte\.gz \(connect ECONNREFUSED [\d.:]+\); download the file on a connected machine and place it at /,
    );
    assert.ok(message.endsWith(`place it at ${join(dir, 'train-images-idx3-ubyte.gz')}.`), message);
    assert.ok(!message.includes('\n'));
    assert.deepEqual(readdirSync(dir), []);
  });

  test('an unknown name is a UserError listing the known ones', async () => {
    await rejectsWithUserError(
      fetchDataset('cifar10' as 'mnist', { dir: tmp(), mirror, progress: false }),
      /^Unknown data set 'cifar10'; choose one of fashion-mnist, mnist\.$/,
    );
  });
});

describe('--data idx:NAME', () => {
  const cache = tmp();
  const env = { RESNET50_CACHE: cache };
  const weights = join(tmp(), 'resnet18-10.safetensors');
  const tiny = ['--arch', 'resnet18', '--input-size', '32'];

  before(() => saveWeightsFile(weights, resnet18({ numClasses: 10, seed: 3 }).stateDict()));

  test('a name that is not fetched yet: one sentence with the command to run', () => {
    assert.throws(
      () => resolveIdxSource('mnist'),
      (e: Error) => e instanceof UserError && /^MNIST has not been downloaded/.test(e.message),
    );
    const r = runCli(['eval', '--weights', weights, '--data', 'idx:fashion-mnist', ...tiny], env);
    assert.equal(r.status, 1, r.stderr);
    const dir = datasetCacheDir('fashion-mnist', cache);
    assert.equal(
      r.stderr,
      `resnet50: Fashion-MNIST has not been downloaded (${dir} lacks its files); run ` +
        `'resnet50 datasets fetch fashion-mnist' (fetchDataset('fashion-mnist') from code) first.\n`,
    );
  });

  test('CLI fetch: offline and hash mismatch are one sentence each, and leave no file', () => {
    const offline = runCli(['datasets', 'fetch', 'mnist'], { ...env, RESNET50_DATASETS_MIRROR: closedPort });
    assert.equal(offline.status, 1, offline.stderr);
    assert.match(
      offline.stderr,
      /^resnet50: Could not download MNIST train-images-idx3-ubyte\.gz from .*ECONNREFUSED.*; download the file on a connected machine and place it at .*\.\n$/,
    );
    // a directory mirror with the slice under the real name: the registry's hash refuses it
    const local = tmp();
    cpSync(FASHION_MNIST, join(local, 'fashion-mnist'), { recursive: true });
    const wrong = runCli(['datasets', 'fetch', 'fashion-mnist'], { ...env, RESNET50_DATASETS_MIRROR: local });
    assert.equal(wrong.status, 1, wrong.stderr);
    const errorLine = wrong.stderr.trimEnd().split('\n').pop() ?? '';
    assert.match(
      errorLine,
      /^resnet50: Downloaded .*train-images-idx3-ubyte\.gz has sha256 [0-9a-f]{64} but 3aede38d[0-9a-f]{56} was expected; the file was discarded\.$/,
    );
    assert.doesNotMatch(wrong.stderr, /\n\s+at /);
    assert.deepEqual(readdirSync(datasetCacheDir('fashion-mnist', cache)), []);
    const unknown = runCli(['datasets', 'fetch', 'cifar10'], env);
    assert.equal(unknown.status, 2);
    assert.match(unknown.stderr, /unknown data set 'cifar10'; choose one of fashion-mnist, mnist\./);
  });

  test('finds the fetched copy: eval equals eval on the folder, and MNIST trains with digit classes', async () => {
    await fetchDataset(sliceOf(FASHION), {
      dir: datasetCacheDir('fashion-mnist', cache),
      mirror,
      progress: false,
    });
    await fetchDataset(sliceOf(MNIST), { dir: datasetCacheDir('mnist', cache), mirror, progress: false });
    assert.deepEqual(resolveIdxSource('./mnist'), { dir: './mnist' });

    const evalOn = (data: string): Record<string, unknown> => {
      const out = join(tmp(), 'confusion.png');
      const r = runCli(
        ['eval', '--weights', weights, '--data', data, ...tiny, '--samples', '64', '--out', out, '--json'],
        env,
      );
      assert.equal(r.status, 0, r.stderr);
      assert.ok(statSync(out).size > 0);
      const { top1, top5, loss, count, split } = JSON.parse(r.stdout) as Record<string, unknown>;
      return { top1, top5, loss, count, split };
    };
    const named = evalOn('idx:fashion-mnist');
    assert.deepEqual(named, evalOn(`idx:${FASHION_MNIST}`));
    assert.equal(named.count, 64);
    console.log(`eval idx:fashion-mnist (first 64 test images): ${JSON.stringify(named)}`);

    const list = runCli(['datasets', 'list'], env);
    assert.equal(list.status, 0, list.stderr);
    assert.match(
      list.stdout,
      new RegExp(`^mnist +MNIST \\(.*; 11\\.6 MB\\): ${datasetCacheDir('mnist', cache)}$`, 'm'),
    );

    const run = join(tmp(), 'run');
    const train = runCli(
      [
        'train',
        '--data',
        'idx:mnist',
        ...tiny,
        '--batch',
        '4',
        '--steps-per-epoch',
        '1',
        '--train-samples',
        '8',
        '--eval-samples',
        '8',
        '--workers',
        '0',
        '--out',
        run,
        '--json',
      ],
      env,
    );
    assert.equal(train.status, 0, train.stderr);
    const result = JSON.parse(train.stdout) as { classes: string[]; numClasses: number };
    assert.deepEqual(result.classes, MNIST.classes);
    assert.equal(result.numClasses, 10);
  });

  test('fetch with --dir keeps the files there and says how to use them', () => {
    const dir = join(tmp(), 'elsewhere');
    mkdirSync(dir);
    const r = runCli(['datasets', 'fetch', 'mnist', '--dir', dir], {
      ...env,
      RESNET50_DATASETS_MIRROR: closedPort,
    });
    // offline here: the message names the chosen folder, not the cache
    assert.equal(r.status, 1);
    assert.ok(r.stderr.includes(join(dir, 'train-images-idx3-ubyte.gz')), r.stderr);
  });
});
