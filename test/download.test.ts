/**
 * Tests for src/io/download.ts against a local http server (127.0.0.1, ephemeral port): caching,
 * redirects, hash checks, network failures, env vars and progress output. No real network access.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { UserError } from '../src/errors.js';
import { cacheDir, fetchWeights, sha256File, sourceUrl } from '../src/io/download.js';
import { listWeights } from '../src/model/weights_registry.js';

const BODY = Buffer.from(Array.from({ length: 6000 }, (_, i) => (i * 7 + (i >> 8)) & 0xff));
const HEX = createHash('sha256').update(BODY).digest('hex');
const FILE = `tiny-${HEX.slice(0, 8)}.pth`;
const ENTRY = {
  url: `https://download.pytorch.org/models/${FILE}`,
  fileName: FILE,
  sha256Prefix: HEX.slice(0, 8),
  name: 'IMAGENET1K_V2',
};

const hits = new Map<string, number>();
const server = http.createServer((req, res) => {
  const path = req.url ?? '/';
  hits.set(path, (hits.get(path) ?? 0) + 1);
  if (path === `/models/${FILE}`) {
    res.writeHead(200, { 'content-length': BODY.length });
    res.end(BODY);
  } else if (path.startsWith('/hop/')) {
    res.writeHead(302, { location: `/models/${path.slice('/hop/'.length)}` });
    res.end();
  } else if (path.startsWith('/loop/')) {
    res.writeHead(301, { location: path });
    res.end();
  } else if (path.startsWith('/cut/')) {
    res.writeHead(200, { 'content-length': BODY.length });
    res.write(BODY.subarray(0, 2000), () => res.destroy());
  } else if (path.startsWith('/hang/')) {
    res.flushHeaders();
  } else if (path.startsWith('/slow/')) {
    res.writeHead(200, { 'content-length': BODY.length });
    res.write(BODY.subarray(0, 2000));
  } else {
    res.writeHead(404);
    res.end('not here');
  }
});
let base = '';
let closedPortBase = '';
let dir = '';

function mirror(route: string): string {
  return `${base}/${route}/`;
}

function leftovers(): string[] {
  return readdirSync(dir);
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

function collector(isTTY: boolean): { stream: Writable & { isTTY: boolean }; text: () => string } {
  const chunks: string[] = [];
  const stream = Object.assign(
    new Writable({
      write(chunk: Buffer, _encoding, done) {
        chunks.push(chunk.toString());
        done();
      },
    }),
    { isTTY },
  );
  return { stream, text: () => chunks.join('') };
}

before(async () => {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const probe = http.createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  closedPortBase = `http://127.0.0.1:${(probe.address() as AddressInfo).port}`;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
});

after(async () => {
  server.closeAllConnections();
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

describe('fetchWeights', () => {
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'resnet50-dl-'));
    hits.clear();
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  test('downloads into the cache dir, verifies the hash and leaves no temp file', async () => {
    const path = await fetchWeights(ENTRY, { cacheDir: dir, mirror: mirror('models'), progress: false });
    assert.equal(path, join(dir, FILE));
    assert.deepEqual(readFileSync(path), BODY);
    assert.equal(await sha256File(path), HEX);
    assert.deepEqual(leftovers(), [FILE]);
  });

  test('a second call uses the cache without a request', async () => {
    const opts = { cacheDir: dir, mirror: mirror('models'), progress: false } as const;
    await fetchWeights(ENTRY, opts);
    await fetchWeights(ENTRY, opts);
    assert.equal(hits.get(`/models/${FILE}`), 1);
  });

  test('a corrupt cached file is downloaded again', async () => {
    writeFileSync(join(dir, FILE), 'garbage');
    const path = await fetchWeights(ENTRY, { cacheDir: dir, mirror: mirror('models'), progress: false });
    assert.deepEqual(readFileSync(path), BODY);
    assert.equal(hits.get(`/models/${FILE}`), 1);
  });

  test('follows redirects', async () => {
    const path = await fetchWeights(ENTRY, { cacheDir: dir, mirror: mirror('hop'), progress: false });
    assert.deepEqual(readFileSync(path), BODY);
    assert.equal(hits.get(`/hop/${FILE}`), 1);
  });

  test('gives up on a redirect loop', async () => {
    await rejectsWithUserError(
      fetchWeights(ENTRY, { cacheDir: dir, mirror: mirror('loop'), progress: false }),
      /more than 5 redirects/,
    );
    assert.equal(hits.get(`/loop/${FILE}`), 6);
    assert.deepEqual(leftovers(), []);
  });

  test('a hash mismatch is a UserError and discards the file', async () => {
    const wrong = { ...ENTRY, sha256Prefix: HEX.startsWith('0') ? '11111111' : '00000000' };
    const message = await rejectsWithUserError(
      fetchWeights(wrong, { cacheDir: dir, mirror: mirror('models'), progress: false }),
      /has sha256 [0-9a-f]{64} but [01]{8} was expected; the file was discarded\.$/,
    );
    assert.ok(message.includes(HEX));
    assert.deepEqual(leftovers(), []);
  });

  test('HTTP 404 is a UserError pointing at options.weights FILE (--weights in the CLI)', async () => {
    const message = await rejectsWithUserError(
      fetchWeights(ENTRY, { cacheDir: dir, mirror: mirror('nowhere'), progress: false }),
      /^Could not download IMAGENET1K_V2 weights from .*\(HTTP 404 Not Found\); .*options\.weights FILE/,
    );
    assert.ok(message.endsWith(`or place it at ${join(dir, FILE)}.`));
    assert.deepEqual(leftovers(), []);
  });

  test('connection refused gives the same offline sentence', async () => {
    await rejectsWithUserError(
      fetchWeights(ENTRY, { cacheDir: dir, mirror: `${closedPortBase}/models/`, progress: false }),
      /^Could not download IMAGENET1K_V2 weights from .*ECONNREFUSED.*options\.weights FILE, or place it at /,
    );
    assert.deepEqual(leftovers(), []);
  });

  test('a connection closed mid-body fails and leaves no partial file', async () => {
    await rejectsWithUserError(
      fetchWeights(ENTRY, { cacheDir: dir, mirror: mirror('cut'), progress: false }),
      /\(connection lost after \d+ of 6000 bytes\).*options\.weights FILE/,
    );
    assert.deepEqual(leftovers(), []);
  });

  test('a stalled server times out and leaves no partial file', async () => {
    await rejectsWithUserError(
      fetchWeights(ENTRY, { cacheDir: dir, mirror: mirror('hang'), progress: false, timeoutMs: 200 }),
      /\(no data for 0\.2 s\).*options\.weights FILE/,
    );
    assert.deepEqual(leftovers(), []);
  });

  test('a local directory works as a mirror', async () => {
    const local = mkdtempSync(join(tmpdir(), 'resnet50-mirror-'));
    writeFileSync(join(local, FILE), BODY);
    const path = await fetchWeights(ENTRY, { cacheDir: dir, mirror: local, progress: false });
    assert.deepEqual(readFileSync(path), BODY);
    rmSync(local, { recursive: true });
  });

  test('non-TTY progress prints one start line and one end line', async () => {
    const out = collector(false);
    await fetchWeights(ENTRY, { cacheDir: dir, mirror: mirror('models'), progress: out.stream });
    const lines = out.text().split('\n');
    assert.equal(lines.length, 3);
    assert.match(
      lines[0] ?? '',
      /^Downloading http:\/\/127\.0\.0\.1:\d+\/models\/tiny-.*\.pth \(0\.0 MB\) to /,
    );
    assert.match(lines[1] ?? '', /^Downloaded 0\.0 MB in \d+\.\d s \(.* MB\/s\)\.$/);
    assert.equal(lines[2], '');
  });

  test('TTY progress draws a bar ending in 100% and a newline', async () => {
    const out = collector(true);
    await fetchWeights(ENTRY, { cacheDir: dir, mirror: mirror('models'), progress: out.stream });
    const text = out.text();
    assert.ok(text.endsWith('\u001b[K\n'), 'the bar clears to end of line and ends with a newline');
    assert.match(text, /\r\[#{30}\] 100% 0\.0\/0\.0 MB .* MB\/s ETA 0s/);
  });
});

describe('environment variables', () => {
  const saved = { ...process.env };
  after(() => {
    for (const key of ['RESNET50_CACHE', 'XDG_CACHE_HOME', 'RESNET50_WEIGHTS_MIRROR']) {
      if (saved[key] === undefined) delete process.env[key];
      else process.env[key] = saved[key];
    }
  });

  test('cacheDir prefers RESNET50_CACHE, then XDG_CACHE_HOME', () => {
    process.env.RESNET50_CACHE = '/a/b';
    process.env.XDG_CACHE_HOME = '/x';
    assert.equal(cacheDir(), '/a/b');
    delete process.env.RESNET50_CACHE;
    assert.equal(cacheDir(), join('/x', 'resnet50'));
    delete process.env.XDG_CACHE_HOME;
    assert.match(cacheDir(), /\.cache[/\\]resnet50$/);
  });

  test('RESNET50_CACHE and RESNET50_WEIGHTS_MIRROR are respected', async () => {
    dir = mkdtempSync(join(tmpdir(), 'resnet50-env-'));
    hits.clear();
    process.env.RESNET50_CACHE = dir;
    process.env.RESNET50_WEIGHTS_MIRROR = `${base}/models`;
    assert.equal(sourceUrl(ENTRY), `${base}/models/${FILE}`);
    const path = await fetchWeights(ENTRY, { progress: false });
    assert.equal(path, join(dir, FILE));
    assert.equal(hits.get(`/models/${FILE}`), 1);
    rmSync(dir, { recursive: true, force: true });
  });
});

test('SIGINT during a download removes the temp file and still ends the process', async () => {
  dir = mkdtempSync(join(tmpdir(), 'resnet50-sigint-'));
  const moduleUrl = new URL('../src/io/download.js', import.meta.url).href;
  const script = `const { fetchWeights } = await import(process.argv[1]);
    await fetchWeights(JSON.parse(process.argv[2]), { cacheDir: process.argv[3], mirror: process.argv[4], progress: false });`;
  const args = ['--input-type=module', '-e', script, moduleUrl, JSON.stringify(ENTRY), dir, mirror('slow')];
  const child = spawn(process.execPath, args, { stdio: 'ignore' });
  const exited = new Promise<NodeJS.Signals | null>((resolve) =>
    child.on('exit', (_code, signal) => resolve(signal)),
  );
  try {
    for (let i = 0; i < 200 && !leftovers().some((f) => f.endsWith('.tmp')); i++) await sleep(25);
    assert.ok(
      leftovers().some((f) => f.endsWith('.tmp')),
      'the download never started',
    );
    child.kill('SIGINT');
    assert.equal(await exited, 'SIGINT');
    assert.deepEqual(leftovers(), []);
  } finally {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});

test('every registry entry has a downloadable file name with its hash prefix', () => {
  for (const entry of listWeights()) {
    assert.equal(sourceUrl(entry, 'https://mirror.example/m/'), `https://mirror.example/m/${entry.fileName}`);
    assert.ok(entry.url.endsWith(`/${entry.fileName}`));
    assert.match(entry.sha256Prefix, /^[0-9a-f]{8}$/);
    assert.ok(entry.fileName.includes(`-${entry.sha256Prefix}.`));
  }
});
