/**
 * The platform-free parts of the browser API, run in Node: weights and images from bytes and Blobs
 * give the same tensors as Node's file readers (bit for bit), URL loading against a server on
 * 127.0.0.1 (progress events, SHA-256, HTTP errors in one sentence, the Cache Storage when there is
 * one), a session's answers equal to Node's classify/embed/CAM on the same backend, and the worker
 * protocol over a MessageChannel (the client and serve() as in a page and its worker): the threads
 * and build the worker's WebAssembly engine reports, aborting a download or a waiting request,
 * the worker's timings, class names from a URL, and analyze (classify + CAM of one decode).
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { createClassifier, type Classifier } from '../src/browser/client.js';
import { DEFAULT_WEIGHTS_CACHE, fetchWeightsBytes, weightsBytes } from '../src/browser/fetch_weights.js';
import { rgbFromBlob, rgbFromBytes, rgbFromRgba } from '../src/browser/pixels.js';
import type { Endpoint, Response as WorkerResponse } from '../src/browser/protocol.js';
import { serve, type PrepareBackend } from '../src/browser/serve.js';
import { registerWasm } from '../src/backends/wasm/register_web.js';
import { nodeWasmPlatform } from '../src/backends/wasm/platform_node.js';
import { wasmFile } from '../src/backends/wasm/platform.js';
import { WebAssemblyApi } from '../src/backends/wasm/wasm_api.js';
import { assertClose } from './helpers/compare.js';
import { createSession, parseSessionWeights, sessionBackend } from '../src/browser/session.js';
import { FileFormatError, OptionError, UserError } from '../src/errors.js';
import { preprocess, type Preset } from '../src/data/transforms.js';
import { readImage } from '../src/io/image.js';
import { loadWeightsFile, saveWeightsFile } from '../src/io/weights/index.js';
import { resnet } from '../src/model/resnet.js';
import { camInput, computeCam } from '../src/tasks/cam.js';
import { classifyFiles } from '../src/tasks/classify.js';
import { embedFiles } from '../src/tasks/embed.js';
import { loadRunner } from '../src/tasks/pretrained.js';
import type { Tensor } from '../src/tensor/tensor.js';
import { IMAGES } from './helpers/cli.js';
import { ruleStateDict } from './helpers/rule_weights.js';
import { tempDirs } from './helpers/tmp.js';
import { listBackends } from '../src/backends/registry.js';

const tmp = tempDirs('resnet50-browser-');
/** A small input keeps the reference kernels quick; the arithmetic is the same at any size. */
const PRESET: Preset = {
  resize: 48,
  crop: 40,
  mean: [0.485, 0.456, 0.406],
  std: [0.229, 0.224, 0.225],
  grayscale: false,
};
const CLASSES = 7;
const LABELS = Array.from({ length: CLASSES }, (_, i) => `thing ${i}`);

const dir = tmp();
const model = resnet('resnet18', { numClasses: CLASSES, init: 'none' });
const STATE = ruleStateDict(model);
const SAFETENSORS = join(dir, 'rule.safetensors');
const PTH = join(dir, 'rule.pth');
saveWeightsFile(SAFETENSORS, STATE);
saveWeightsFile(PTH, STATE);

function assertSameTensors(actual: ReadonlyMap<string, Tensor>, expected: ReadonlyMap<string, Tensor>): void {
  assert.deepEqual([...actual.keys()].sort(), [...expected.keys()].sort());
  for (const [key, t] of expected) {
    const a = actual.get(key)!;
    assert.deepEqual(a.shape, t.shape, key);
    assert.equal(a.dtype, t.dtype, key);
    assert.ok(
      Buffer.from(a.data.buffer, a.data.byteOffset, a.data.byteLength).equals(
        Buffer.from(t.data.buffer, t.data.byteOffset, t.data.byteLength),
      ),
      `${key}: values differ`,
    );
  }
}

const sameBits = (a: Float32Array, b: Float32Array): boolean =>
  a.length === b.length &&
  Buffer.from(a.buffer, a.byteOffset, a.byteLength).equals(Buffer.from(b.buffer, b.byteOffset, b.byteLength));

test('images from Blobs and bytes decode to the pixels Node reads from the same files (PNG and JPEG)', async () => {
  for (const file of ['chelsea.png', 'camera.png', 'rocket.jpg']) {
    const path = join(IMAGES, file);
    const node = readImage(path);
    const fromBlob = await rgbFromBlob(new Blob([readFileSync(path)]), file);
    const fromBytes = await rgbFromBytes(readFileSync(path), file);
    for (const img of [fromBlob, fromBytes]) {
      assert.equal(img.width, node.width, file);
      assert.equal(img.height, node.height, file);
      assert.ok(Buffer.from(img.data).equals(Buffer.from(node.data)), `${file}: pixels differ`);
    }
    const x = preprocess(fromBlob, 'imagenet-v1');
    assert.ok(sameBits(x.data, preprocess(node, 'imagenet-v1').data), `${file}: tensors differ`);
  }
});

test('RGBA pixels (ImageData) become RGB with alpha dropped; a wrong length is one sentence', () => {
  const rgba = new Uint8ClampedArray([10, 20, 30, 0, 40, 50, 60, 255]);
  assert.deepEqual(rgbFromRgba({ width: 2, height: 1, data: rgba }), {
    width: 2,
    height: 1,
    data: new Uint8Array([10, 20, 30, 40, 50, 60]),
  });
  assert.throws(
    () => rgbFromRgba({ width: 2, height: 2, data: rgba }, 'frame'),
    (e: Error) =>
      e instanceof FileFormatError && e.message === 'frame: 8 bytes of RGBA for 2×2 pixels (need 16).',
  );
  return rgbFromBlob(new Blob(['GIF89a not really']), 'x.gif').then(
    () => assert.fail('decoded'),
    (e: Error) =>
      assert.ok(
        e instanceof FileFormatError && e.message.startsWith('x.gif: not a PNG or JPEG image'),
        e.message,
      ),
  );
});

test('weights from bytes, ArrayBuffers and Blobs parse to the tensors loadWeightsFile reads (safetensors and .pth)', async () => {
  for (const path of [SAFETENSORS, PTH]) {
    const expected = loadWeightsFile(path);
    const bytes = readFileSync(path);
    const buffer = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength);
    for (const input of [bytes, buffer, new Blob([bytes])]) {
      const got = await weightsBytes(input);
      assertSameTensors(parseSessionWeights(got.bytes, got.name).tensors, expected);
    }
  }
  await assert.rejects(
    weightsBytes(new Uint8Array(8), { sha256: '00'.repeat(32) }),
    (e: Error) =>
      e instanceof FileFormatError &&
      /^weights: SHA-256 is [0-9a-f]{64}, not the expected 0{64} \(a corrupt or different file\)\.$/.test(
        e.message,
      ),
  );
  assert.throws(
    () => parseSessionWeights(new Uint8Array([1, 2, 3]), 'junk.bin'),
    (e: Error) => e instanceof FileFormatError && e.message.startsWith('junk.bin: unknown weights format'),
  );
});

describe('weights from a URL', () => {
  const body = readFileSync(SAFETENSORS);
  const sha = createHash('sha256').update(body).digest('hex');
  const hits = new Map<string, number>();
  const stalled = { closed: (): void => undefined };
  const server = http.createServer((req, res) => {
    const path = req.url ?? '/';
    hits.set(path, (hits.get(path) ?? 0) + 1);
    if (path === '/w.safetensors') {
      res.writeHead(200, { 'content-length': body.length });
      // Several chunks, so that progress has several events.
      for (let at = 0; at < body.length; at += 1 << 16) res.write(body.subarray(at, at + (1 << 16)));
      res.end();
    } else if (path === '/chunked.safetensors') {
      res.writeHead(200);
      res.end(body);
    } else if (path === '/labels.json') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify(LABELS.map((l) => l.toUpperCase())));
    } else if (path === '/stall.safetensors') {
      // The first 64 KiB, then nothing until the client goes away.
      res.writeHead(200, { 'content-length': body.length });
      res.write(body.subarray(0, 1 << 16));
      req.socket.on('close', () => stalled.closed());
    } else if (path === '/cut.safetensors') {
      res.writeHead(200, { 'content-length': body.length });
      res.write(body.subarray(0, 1000), () => res.destroy());
    } else {
      res.writeHead(404, 'Not Found');
      res.end('nothing here');
    }
  });
  let base = '';
  before(async () => {
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    return new Promise<void>((resolve) => server.close(() => resolve()));
  });

  test('an AbortSignal stops a download: the request closes, the load rejects with its reason, nothing is cached', async () => {
    const stores = new Map<string, Map<string, Response>>();
    const global = globalThis as { caches?: unknown };
    global.caches = {
      open: async (name: string) => {
        const store = stores.get(name) ?? new Map<string, Response>();
        stores.set(name, store);
        return {
          match: async (url: string) => store.get(url)?.clone(),
          put: async (url: string, response: Response) => void store.set(url, response),
          delete: async (url: string) => store.delete(url),
        };
      },
    };
    const { port1, port2 } = new MessageChannel();
    serve(port1 as unknown as Endpoint);
    port1.start();
    port2.start();
    try {
      const closed = new Promise<void>((resolve) => (stalled.closed = resolve));
      const controller = new AbortController();
      const progress: number[] = [];
      const loading = createClassifier({
        weights: `${base}/stall.safetensors`,
        backend: 'js',
        worker: port2 as unknown as Endpoint,
        signal: controller.signal,
        onProgress: (p) => {
          progress.push(p.loaded);
          controller.abort();
        },
      });
      await assert.rejects(loading, (e: Error) => e.name === 'AbortError');
      await closed; // the worker's fetch was aborted: the server saw the connection close
      assert.ok(progress[0]! > 0 && progress[0]! <= 1 << 16, `${progress[0]} bytes before the abort`);
      assert.deepEqual(
        [...stores.values()].flatMap((store) => [...store.keys()]),
        [],
        'no partial entry in the cache',
      );
      // A signal aborted before the load is never sent.
      await assert.rejects(
        createClassifier({
          weights: `${base}/w.safetensors`,
          worker: port2 as unknown as Endpoint,
          signal: AbortSignal.abort(new Error('not now')),
        }),
        (e: Error) => e.message === 'not now',
      );
    } finally {
      delete global.caches;
      port1.close();
      port2.close();
    }
  });

  test('class names from a URL (relative to the page), and one sentence for a URL without them', async () => {
    const { port1, port2 } = new MessageChannel();
    serve(port1 as unknown as Endpoint);
    port1.start();
    port2.start();
    try {
      const classifier = await createClassifier({
        weights: readFileSync(SAFETENSORS),
        backend: 'js',
        labels: `${base}/labels.json`,
        preprocess: PRESET,
        worker: port2 as unknown as Endpoint,
      });
      assert.deepEqual(
        classifier.info.classNames,
        LABELS.map((l) => l.toUpperCase()),
      );
      const { top } = await classifier.classify(readImage(join(IMAGES, 'coffee.png')), { topK: 1 });
      assert.equal(top[0]!.label, `THING ${top[0]!.classIndex}`);
      await classifier.dispose();
      await assert.rejects(
        createClassifier({
          weights: readFileSync(SAFETENSORS),
          backend: 'js',
          labels: `${base}/missing.json`,
          worker: port2 as unknown as Endpoint,
        }),
        (e: Error) =>
          e instanceof UserError &&
          e.message ===
            `${base}/missing.json: cannot load the class names (HTTP 404); pass them as options.labels.`,
      );
    } finally {
      port1.close();
      port2.close();
    }
  });

  test('downloads with progress events up to the Content-Length and checks the SHA-256', async () => {
    const events: { loaded: number; total: number | null }[] = [];
    const bytes = await fetchWeightsBytes(`${base}/w.safetensors`, {
      sha256: sha.toUpperCase(),
      onProgress: ({ loaded, total, cached, url }) => {
        assert.equal(url, `${base}/w.safetensors`);
        assert.equal(cached, false);
        events.push({ loaded, total });
      },
    });
    assert.ok(Buffer.from(bytes).equals(body));
    assert.ok(events.length >= 2, `${events.length} progress events`);
    assert.ok(
      events.every((e, i) => e.total === body.length && (i === 0 || e.loaded > events[i - 1]!.loaded)),
    );
    assert.equal(events.at(-1)!.loaded, body.length);
    const unsized: (number | null)[] = [];
    await fetchWeightsBytes(`${base}/chunked.safetensors`, { onProgress: (p) => unsized.push(p.total) });
    assert.ok(unsized.length > 0 && unsized.every((t) => t === null), 'no Content-Length: total is null');
  });

  test('a wrong SHA-256, a 404, a cut download and a bad sha256 option are one sentence naming the URL', async () => {
    const url = `${base}/w.safetensors`;
    await assert.rejects(fetchWeightsBytes(url, { sha256: 'ab'.repeat(32) }), (e: Error) => {
      assert.ok(e instanceof FileFormatError);
      assert.equal(
        e.message,
        `${url}: SHA-256 is ${sha}, not the expected ${'ab'.repeat(32)} (a corrupt or different file).`,
      );
      return true;
    });
    await assert.rejects(fetchWeightsBytes(`${base}/missing.pth`), (e: Error) => {
      assert.ok(e instanceof UserError);
      assert.equal(e.message, `${base}/missing.pth: the server answered HTTP 404 Not Found.`);
      return true;
    });
    await assert.rejects(fetchWeightsBytes(`${base}/cut.safetensors`), (e: Error) => {
      assert.ok(e instanceof UserError, String(e));
      assert.match(
        e.message,
        /^http:\/\/127\.0\.0\.1:\d+\/cut\.safetensors: the download broke off after 1000 bytes \(.+\); try again\.$/,
      );
      return true;
    });
    await assert.rejects(fetchWeightsBytes(url, { sha256: 'xyz' }), (e: Error) => {
      assert.ok(e instanceof OptionError);
      assert.equal(e.message, "options.sha256 must be 64 hexadecimal digits, got 'xyz'.");
      return true;
    });
  });

  test('with a Cache Storage, a verified download is served from the cache; a damaged copy is fetched again', async () => {
    const stores = new Map<string, Map<string, Response>>();
    const fake = {
      open: async (name: string) => {
        const store = stores.get(name) ?? new Map<string, Response>();
        stores.set(name, store);
        return {
          match: async (url: string) => store.get(url)?.clone(),
          put: async (url: string, response: Response) => void store.set(url, response),
          delete: async (url: string) => store.delete(url),
        };
      },
    };
    const global = globalThis as { caches?: unknown };
    global.caches = fake;
    try {
      const url = `${base}/w.safetensors`;
      hits.delete('/w.safetensors');
      await fetchWeightsBytes(url, { sha256: sha });
      const cachedEvents: boolean[] = [];
      const again = await fetchWeightsBytes(url, {
        sha256: sha,
        onProgress: (p) => cachedEvents.push(p.cached),
      });
      assert.ok(Buffer.from(again).equals(body));
      assert.equal(hits.get('/w.safetensors'), 1, 'the second load came from the cache');
      assert.deepEqual(cachedEvents, [true]);
      assert.deepEqual([...stores.keys()], [DEFAULT_WEIGHTS_CACHE]);
      stores.get(DEFAULT_WEIGHTS_CACHE)!.set(url, new Response(new Uint8Array(10)));
      const repaired = await fetchWeightsBytes(url, { sha256: sha });
      assert.ok(Buffer.from(repaired).equals(body));
      assert.equal(hits.get('/w.safetensors'), 2, 'a copy failing the SHA-256 is downloaded again');
      await fetchWeightsBytes(url, { cache: false });
      assert.equal(hits.get('/w.safetensors'), 3, 'cache: false downloads');
    } finally {
      delete global.caches;
    }
  });
});

describe('a session answers as Node does on the same backend', () => {
  const path = join(IMAGES, 'chelsea.png');
  const image = readImage(path);
  const session = createSession(parseSessionWeights(readFileSync(SAFETENSORS), 'rule.safetensors'), {
    backend: 'js',
    labels: LABELS,
    preprocess: PRESET,
  });
  after(() => session.dispose());

  test('classify: the logits of classifyFiles, bit for bit, and the top-k with labels', async () => {
    const { runner } = await loadRunner({ weights: SAFETENSORS, backend: 'js' });
    try {
      const [node] = await classifyFiles(runner, [path], {
        preset: PRESET,
        labels: LABELS,
        logits: true,
        topK: 3,
      });
      const got = await session.classify(await rgbFromBlob(new Blob([readFileSync(path)])), { topK: 3 });
      assert.ok(sameBits(got.logits, new Float32Array(node!.logits!)), 'logits differ');
      assert.deepEqual(got.top, node!.top);
      assert.equal(got.top.length, 3);
      const [e] = await embedFiles(runner, [path], 'pool', PRESET);
      const embedded = await session.embed(image);
      assert.deepEqual(embedded.shape, [512]);
      assert.ok(sameBits(embedded.data, e!.data), 'pooled features differ');
    } finally {
      runner.dispose();
    }
    await assert.rejects(
      session.classify(image, { topK: 0 }),
      (e: Error) =>
        e instanceof OptionError && e.message === 'options.topK must be a positive integer, got 0.',
    );
  });

  test('cam: the heatmap of computeCam on the op-by-op path, with its label and box', () => {
    const node = loadWeightsFile(SAFETENSORS);
    const reference = resnet('resnet18', { numClasses: CLASSES, init: 'none' });
    reference.loadStateDict(node);
    const [expected] = computeCam(reference, camInput(image, 40, PRESET), { backend: 'js', classIndex: 2 });
    const got = session.cam(image, { classIndex: 2, size: 40 });
    assert.equal(got.classIndex, 2);
    assert.equal(got.label, 'thing 2');
    assert.equal(got.logit, expected!.logit);
    assert.deepEqual(
      [got.heatmap.width, got.heatmap.height],
      [expected!.heatmap.width, expected!.heatmap.height],
    );
    assert.ok(sameBits(got.heatmap.data, expected!.heatmap.data), 'heatmaps differ');
    const [x0, y0, x1, y1] = got.box;
    assert.ok(
      0 <= x0 && x0 < x1 && x1 <= image.width && 0 <= y0 && y0 < y1 && y1 <= image.height,
      `box ${got.box}`,
    );
  });

  test('the backend: a registered name, else the first registered of the preference list', () => {
    assert.equal(sessionBackend('js'), 'js');
    // Node's entry registers wasm (the browser worker does when its builds can be fetched): preferred.
    assert.equal(sessionBackend(), listBackends().includes('wasm') ? 'wasm' : 'js');
    assert.throws(
      () => sessionBackend('gpu'),
      (e: Error) =>
        e instanceof OptionError && e.message.startsWith("Unknown backend 'gpu' (options.backend)"),
    );
  });
});

test('the client and the worker side over a MessageChannel: load, classify, embed, cam, errors with their class, dispose', async () => {
  const { port1, port2 } = new MessageChannel();
  serve(port1 as unknown as Endpoint);
  port1.start();
  port2.start();
  const progress: number[] = [];
  const weights = readFileSync(PTH);
  try {
    const classifier = await createClassifier({
      weights,
      backend: 'js',
      labels: LABELS,
      preprocess: PRESET,
      worker: port2 as unknown as Endpoint,
      onProgress: (p) => progress.push(p.loaded),
    });
    assert.deepEqual(
      {
        backend: classifier.info.backend,
        arch: classifier.info.arch,
        numClasses: classifier.info.numClasses,
      },
      { backend: 'js', arch: 'resnet18', numClasses: CLASSES },
    );
    assert.equal(weights[0], 0x50, "the caller's bytes are not detached");
    const path = join(IMAGES, 'coffee.png');
    const local = createSession(parseSessionWeights(readFileSync(PTH), 'rule.pth'), {
      backend: 'js',
      labels: LABELS,
      preprocess: PRESET,
    });
    const expected = await local.classify(readImage(path), { topK: 2 });
    local.dispose();
    const got = await classifier.classify(new Blob([readFileSync(path)]), { topK: 2 });
    assert.ok(sameBits(got.logits, expected.logits), 'logits differ across the worker boundary');
    assert.deepEqual(got.top, expected.top);
    const rgb = readImage(path);
    const rgba = new Uint8ClampedArray(rgb.width * rgb.height * 4);
    for (let i = 0; i < rgb.width * rgb.height; i++) {
      rgba.set(rgb.data.subarray(3 * i, 3 * i + 3), 4 * i);
      rgba[4 * i + 3] = 255;
    }
    const fromPixels = await classifier.classify(
      { width: rgb.width, height: rgb.height, data: rgba } as ImageData,
      { topK: 2 },
    );
    assert.ok(sameBits(fromPixels.logits, expected.logits), 'ImageData gives other logits');
    const embedded = await classifier.embed(rgb, { layer: 'layer4' });
    assert.deepEqual(embedded.shape.length, 3);
    const cam = await classifier.cam(rgb, { size: 40 });
    assert.equal(cam.classIndex, expected.top[0]!.classIndex);
    await assert.rejects(
      classifier.classify(rgb, { topK: -1 }),
      (e: Error) =>
        e instanceof OptionError && e.message === 'options.topK must be a positive integer, got -1.',
    );
    await classifier.dispose();
    await assert.rejects(
      classifier.classify(rgb),
      (e: Error) => e instanceof UserError && /disposed/.test(e.message),
    );
    assert.deepEqual(progress, [], 'bytes need no download');
  } finally {
    port1.close();
    port2.close();
  }
});

/**
 * A classifier over a MessageChannel; `sent` lists the ids of every answer the worker side sent.
 * While `hold` is on, the worker side receives nothing (as a busy worker), then all at once.
 */
async function channelClassifier(
  options: Omit<Parameters<typeof createClassifier>[0], 'worker'>,
  prepare?: PrepareBackend,
): Promise<{ classifier: Classifier; sent: number[]; hold(on: boolean): void; close(): void }> {
  const { port1, port2 } = new MessageChannel();
  const sent: number[] = [];
  let held: MessageEvent[] | null = null;
  let deliver: (event: MessageEvent) => void = () => undefined;
  const hold = (on: boolean): void => {
    const waiting = held ?? [];
    held = on ? [] : null;
    for (const event of waiting) deliver(event);
  };
  const workerSide: Endpoint = {
    postMessage: (message, transfer) => {
      sent.push((message as WorkerResponse).id);
      port1.postMessage(message, transfer as never);
    },
    addEventListener: (type, listener) => {
      deliver = listener;
      port1.addEventListener(type, (event) => (held === null ? listener(event) : held.push(event)));
    },
  };
  serve(workerSide, Promise.resolve(prepare ?? null));
  port1.start();
  port2.start();
  const close = (): void => {
    port1.close();
    port2.close();
  };
  try {
    const classifier = await createClassifier({ ...options, worker: port2 as unknown as Endpoint });
    return { classifier, sent, hold, close };
  } catch (e) {
    close();
    throw e;
  }
}

test("threads: the worker's WebAssembly engine runs the threads asked for and says which build; logits equal the reference", async (t) => {
  const useWasm = registerWasm(nodeWasmPlatform);
  const prepare: PrepareBackend = async (backend, threads) =>
    backend === 'wasm' ? useWasm(threads) : { threads: 1, build: null };
  const relaxed = WebAssemblyApi.validate(
    readFileSync(new URL(`../../wasm/build/${wasmFile('relaxed-mt')}`, import.meta.url)),
  );
  const image = readImage(join(IMAGES, 'chelsea.png'));
  const weights = readFileSync(SAFETENSORS);
  const options = { weights, labels: LABELS, preprocess: PRESET };
  const reference = await channelClassifier({ ...options, backend: 'js' }, prepare);
  const expected = await reference.classifier.classify(image);
  assert.deepEqual([reference.classifier.info.threads, reference.classifier.info.build], [1, null]);
  await reference.classifier.dispose();
  reference.close();
  for (const threads of [2, 1]) {
    const { classifier, close } = await channelClassifier({ ...options, backend: 'wasm', threads }, prepare);
    try {
      assert.deepEqual(
        { backend: classifier.info.backend, threads: classifier.info.threads, build: classifier.info.build },
        { backend: 'wasm', threads, build: relaxed ? 'relaxed' : 'simd' },
      );
      const got = await classifier.classify(image);
      const stats = assertClose(got.logits, expected.logits, 1e-4, `wasm, ${threads} threads vs js`);
      t.diagnostic(
        `wasm (${classifier.info.build}, ${threads} threads): relative ${stats.rel.toExponential(2)}; ` +
          `worker: preprocess ${got.timings.preprocessMs.toFixed(1)} ms, inference ${got.timings.inferenceMs.toFixed(1)} ms`,
      );
      await classifier.dispose();
    } finally {
      close();
    }
  }
  for (const threads of [0, 1.5, 65]) {
    await assert.rejects(
      channelClassifier({ ...options, backend: 'wasm', threads }, prepare),
      (e: Error) =>
        e instanceof OptionError &&
        e.message === `options.threads must be an integer from 1 to 64, got ${threads}.`,
    );
  }
});

test('timings from the worker, analyze (one decode: classify + CAM), and a waiting request withdrawn by its signal', async () => {
  const { classifier, sent, hold, close } = await channelClassifier({
    weights: readFileSync(SAFETENSORS),
    backend: 'js',
    labels: LABELS,
    preprocess: PRESET,
  });
  try {
    const path = join(IMAGES, 'coffee.png');
    const blob = new Blob([readFileSync(path)]);
    const t0 = performance.now();
    const classified = await classifier.classify(blob, { topK: 3 });
    const roundTrip = performance.now() - t0;
    const { preprocessMs, inferenceMs } = classified.timings;
    assert.ok(preprocessMs > 0 && inferenceMs > 0, `timings ${preprocessMs} / ${inferenceMs} ms`);
    assert.ok(preprocessMs + inferenceMs <= roundTrip, `${preprocessMs} + ${inferenceMs} > ${roundTrip} ms`);

    const both = await classifier.analyze(blob, { topK: 3, cam: { size: 40 } });
    assert.ok(sameBits(both.classify.logits, classified.logits), 'analyze classifies as classify does');
    assert.deepEqual(both.classify.top, classified.top);
    const cam = await classifier.cam(blob, { size: 40 });
    assert.equal(both.cam.classIndex, classified.top[0]!.classIndex, 'the CAM of the top-1');
    assert.ok(sameBits(both.cam.heatmap.data, cam.heatmap.data), 'analyze maps as cam does');
    assert.deepEqual(both.cam.box, cam.box);
    assert.ok(both.cam.timings.inferenceMs > 0);

    // Three requests reach a busy worker; the second is withdrawn before it starts, so it never does.
    const controller = new AbortController();
    const before = sent.length;
    hold(true);
    const first = classifier.classify(blob);
    const second = classifier.classify(blob, { signal: controller.signal });
    const third = classifier.embed(blob);
    await new Promise((resolve) => setImmediate(resolve)); // the three are posted
    controller.abort();
    await assert.rejects(second, (e: Error) => e.name === 'AbortError');
    await new Promise((resolve) => setImmediate(resolve)); // the abort is posted too
    hold(false);
    assert.ok(sameBits((await first).logits, classified.logits));
    assert.deepEqual((await third).shape, [512]);
    assert.equal(sent.length - before, 2, 'the worker answered the first and third only');
    await assert.rejects(
      classifier.classify(blob, { signal: AbortSignal.abort() }),
      (e: Error) => e.name === 'AbortError',
    );
    assert.equal(sent.length - before, 2, 'an aborted signal sends nothing');
    await classifier.dispose();
  } finally {
    close();
  }
});
