/**
 * The web page in headless Chromium: built with the npm script's function (web/build.ts), served
 * cross-origin isolated on 127.0.0.1 (web/server.ts), driven by playwright-core. A photo set through
 * the file input before any weights asks for them; a file that is not weights gets one sentence;
 * small test weights (ResNet-18, rule weights, 1000 classes) then classify the waiting photo on the
 * WebAssembly backend (threads when cross-origin isolated, one thread when not), and the logits and
 * top-5 the page shows equal Node's for the same file and weights. The longest main-thread task
 * while the worker ran is reported (no timing assertion), and on a phone-sized viewport the page has
 * no horizontal overflow. Weights from a URL show download progress and come from the Cache Storage
 * on the next visit; Stop ends a download and leaves nothing cached. Then the browser entry on its own (runInChromium),
 * cross-origin isolated and not: photos decoded in Chromium give Node's pixels and tensors bit for
 * bit. Skips, with the reason and how to install Chromium, where there is none.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { copyFileSync, statSync } from 'node:fs';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { saveWeightsFile } from '../src/io/weights/index.js';
import { resnet } from '../src/model/resnet.js';
import { classifyFiles } from '../src/tasks/classify.js';
import { loadRunner } from '../src/tasks/pretrained.js';
import { preprocess } from '../src/data/transforms.js';
import { readImage } from '../src/io/image.js';
import { buildWeb } from '../web/build.js';
import { startWebServer, type WebServer } from '../web/server.js';
import type { PageState } from '../web/src/page_state.js';
import { BROWSER_SKIP, launchChromium, runInChromium } from './helpers/browser.js';
import { PHOTOS, type PixelsResult } from './helpers/browser_pixels.js';
import { IMAGES, REPO } from './helpers/cli.js';
import { assertClose } from './helpers/compare.js';
import { NATIVE_SKIP } from './helpers/native.js';
import { ruleStateDict } from './helpers/rule_weights.js';
import { tempDirs } from './helpers/tmp.js';

const tmp = tempDirs('resnet50-web-');

/** The status code the server answers for a raw request path (not normalized by a URL parser). */
function statusOf(url: string, path: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = request(new URL(url), { path, method: 'GET' }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.on('error', reject);
    req.end();
  });
}

test('the page server sends COOP/COEP and refuses paths that leave its folder', async () => {
  const root = join(REPO, 'web');
  const server = await startWebServer({ root });
  try {
    const res = await fetch(new URL('index.html', server.url));
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('cross-origin-opener-policy'), 'same-origin');
    assert.equal(res.headers.get('cross-origin-embedder-policy'), 'require-corp');
    assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
    assert.match(await res.text(), /<title>resnet50/);
    for (const path of ['/../package.json', '/%2e%2e/package.json', '/..%2fpackage.json', '/src/%00x']) {
      assert.equal(await statusOf(server.url, path), 404, path);
    }
    assert.equal(await statusOf(server.url, '/no-such-file.js'), 404);
  } finally {
    await server.close();
  }
});

describe('the web page in headless Chromium', { skip: BROWSER_SKIP }, () => {
  let server: WebServer;
  let browser: Browser;
  let context: BrowserContext;
  let page: Page;
  const errors: string[] = [];
  const dir = tmp();
  const weights = join(dir, 'rule18.safetensors');
  const photo = join(IMAGES, 'chelsea.png');
  const site = join(dir, 'site');

  before(async () => {
    saveWeightsFile(weights, ruleStateDict(resnet('resnet18', { numClasses: 1000, init: 'none' })));
    server = await startWebServer({ root: (await buildWeb(site)).outDir });
    browser = await launchChromium();
    context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
    page = await context.newPage();
    page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(`console: ${m.text()} (${m.location().url})`);
    });
    await page.goto(server.url);
  });
  after(async () => {
    await browser?.close();
    await server?.close();
  });

  const pageState = (): Promise<PageState> => page.evaluate(() => window.resnet50Page);
  const status = (): Promise<string> => page.locator('#weights-status').innerText();

  test('cross-origin isolated; an image before weights asks for them; a bad file gets one sentence', async () => {
    assert.equal(await page.evaluate(() => crossOriginIsolated), true, 'COOP/COEP make the page isolated');
    assert.equal(await page.locator('#isolation-badge').innerText(), 'threads allowed');
    assert.match(await status(), /No weights yet/);
    await page.setInputFiles('#image-file', photo);
    await page.waitForFunction(() =>
      document.querySelector('#weights-status')?.textContent?.includes('choose'),
    );
    assert.match(await status(), /^Now choose weights: open a \.safetensors or \.pth file, or give a URL\.$/);
    await page.setInputFiles('#weights-file', photo); // a PNG is not weights
    await page.waitForFunction(() => window.resnet50Page.phase === 'error');
    const message = await status();
    assert.match(message, /chelsea\.png/, message);
    assert.equal(await page.locator('#weights-status').getAttribute('data-kind'), 'error');
  });

  /** Node's answer for the photo (native engine where built, else the reference). */
  const nodeAnswer = async () => {
    const backend = NATIVE_SKIP === false ? 'native' : 'js';
    const { runner, card } = await loadRunner({ weights, backend });
    try {
      const [node] = await classifyFiles(runner, [photo], {
        preset: card.preprocess,
        labels: card.classNames,
        logits: true,
        topK: 5,
      });
      return { backend, node: node! };
    } finally {
      runner.dispose();
    }
  };

  test("test weights classify the waiting photo on wasm with threads: logits and top-5 equal Node's within 1e-4", async (t) => {
    await page.setInputFiles('#weights-file', weights);
    await page.waitForFunction(
      () => window.resnet50Page.images >= 1 || window.resnet50Page.phase === 'error',
      {
        timeout: 90_000,
      },
    );
    const state = await pageState();
    assert.equal(state.phase, 'done', state.message);
    assert.deepEqual(errors, []);
    const hardware = await page.evaluate(() => navigator.hardwareConcurrency);
    assert.equal(state.engine!.backend, 'wasm', 'the page runs the WebAssembly backend');
    assert.equal(state.engine!.threads, Math.min(hardware, 8), 'threads: the cores, up to 8');
    assert.ok(state.engine!.threads > 1 || hardware === 1, `${state.engine!.threads} threads`);
    assert.ok(['relaxed', 'simd'].includes(state.engine!.build!), `build ${state.engine!.build}`);
    const { backend, node } = await nodeAnswer();
    const stats = assertClose(
      state.result!.logits,
      node!.logits!,
      1e-4,
      `page (${state.backend}) vs Node ${backend}`,
    );
    const shown = await page.locator('#top li').evaluateAll((items) =>
      items.map((li) => ({
        classIndex: Number((li as HTMLElement).dataset.classIndex),
        label: li.querySelector('.label')!.textContent,
      })),
    );
    assert.deepEqual(
      shown,
      node!.top.map(({ classIndex, label }) => ({ classIndex, label })),
    );
    assert.equal(state.cam!.classIndex, node!.top[0]!.classIndex, 'Grad-CAM of the top-1');
    const [x0, y0, x1, y1] = state.cam!.box;
    assert.ok(0 <= x0 && x0 < x1 && x1 <= 451 && 0 <= y0 && y0 < y1 && y1 <= 300, `box ${state.cam!.box}`);
    const shownStats = await page.locator('#stats').innerText();
    for (const [name, value] of [
      ['backend', 'wasm'],
      ['build', `${state.engine!.build} SIMD`],
      ['threads', String(state.engine!.threads)],
      [
        'inference \\(worker\\)',
        `${state.result!.timings.inferenceMs.toFixed(state.result!.timings.inferenceMs < 10 ? 1 : 0)} ms`,
      ],
    ]) {
      assert.match(shownStats, new RegExp(`${name}\\s+${value}`), shownStats);
    }
    const { preprocessMs, inferenceMs } = state.result!.timings;
    assert.ok(inferenceMs > 0 && preprocessMs > 0, `worker timings ${preprocessMs} / ${inferenceMs} ms`);
    assert.ok(inferenceMs + preprocessMs <= state.result!.ms, 'the worker measured within the round trip');
    assert.ok(await page.locator('#weights-progress').isHidden(), 'the progress bar is gone once loaded');
    const m = state.mainThread!;
    t.diagnostic(
      `backend wasm (${state.engine!.build}, ${state.engine!.threads} threads): inference ${inferenceMs.toFixed(0)} ms ` +
        `and preprocessing ${preprocessMs.toFixed(0)} ms in the worker, round trip ${state.result!.ms.toFixed(0)} ms, ` +
        `Grad-CAM ${state.cam!.timings.inferenceMs.toFixed(0)} ms; ` +
        `logits relative error ${stats.rel.toExponential(2)} against Node ${backend}; main thread while the ` +
        `worker ran: longest task ${m.longestTaskMs.toFixed(0)} ms, longest frame gap ${m.longestFrameGapMs.toFixed(0)} ms ` +
        `over ${m.windowMs.toFixed(0)} ms`,
    );
  });

  test('weights from a URL: a progress bar while they download, then the Cache Storage', async () => {
    copyFileSync(weights, join(site, 'rule18.safetensors'));
    const url = new URL(`?weights=${encodeURIComponent('rule18.safetensors')}`, server.url).href;
    const size = statSync(weights).size;
    for (const cached of [false, true]) {
      const other = await context.newPage();
      try {
        await other.goto(url);
        await other.waitForFunction(() => ['ready', 'error'].includes(window.resnet50Page.phase), undefined, {
          timeout: 60_000,
        });
        const state = await other.evaluate(() => window.resnet50Page);
        assert.equal(state.phase, 'ready', state.message);
        assert.deepEqual(state.download, { loaded: size, total: size, cached });
        assert.match(state.message, /^rule18\.safetensors: resnet18, 1000 classes, on the \w+ backend\.$/);
        assert.ok(await other.locator('#weights-progress').isHidden());
      } finally {
        await other.close();
      }
    }
  });

  test("not cross-origin isolated, the page runs wasm on one thread; logits equal Node's within 1e-4", async (t) => {
    const plain = await startWebServer({ root: site, isolation: false });
    const other = await context.newPage();
    try {
      await other.goto(plain.url);
      assert.equal(await other.evaluate(() => crossOriginIsolated), false);
      await other.setInputFiles('#weights-file', weights);
      await other.setInputFiles('#image-file', photo);
      await other.waitForFunction(
        () => window.resnet50Page.images >= 1 || window.resnet50Page.phase === 'error',
        undefined,
        { timeout: 90_000 },
      );
      const state = await other.evaluate(() => window.resnet50Page);
      assert.equal(state.phase, 'done', state.message);
      assert.equal(state.engine!.backend, 'wasm');
      assert.equal(state.engine!.threads, 1);
      const { backend, node } = await nodeAnswer();
      const stats = assertClose(
        state.result!.logits,
        node.logits!,
        1e-4,
        `page (wasm, 1 thread) vs Node ${backend}`,
      );
      t.diagnostic(
        `wasm (${state.engine!.build}, 1 thread): inference ${state.result!.timings.inferenceMs.toFixed(0)} ms in the ` +
          `worker; logits relative error ${stats.rel.toExponential(2)}`,
      );
    } finally {
      await other.close();
      await plain.close();
    }
  });

  test('Stop ends a download: the request is closed, the page says so, nothing is cached', async () => {
    const size = statSync(weights).size;
    let closed!: () => void;
    const requestClosed = new Promise<void>((resolve) => (closed = resolve));
    // Another origin, sending the first 256 KiB and then nothing (CORS, as a worker's fetch needs).
    const slow = createServer((req, res) => {
      res.writeHead(200, {
        'content-length': String(size),
        'access-control-allow-origin': '*',
        'content-type': 'application/octet-stream',
      });
      res.write(Buffer.alloc(256 * 1024));
      req.socket.on('close', () => closed());
    });
    await new Promise<void>((resolve) => slow.listen(0, '127.0.0.1', resolve));
    const url = `http://127.0.0.1:${(slow.address() as AddressInfo).port}/slow.safetensors`;
    const other = await context.newPage();
    try {
      await other.goto(server.url);
      await other.fill('#weights-url', url);
      await other.click('#weights-url-form button[type=submit]');
      await other.waitForFunction(() => (window.resnet50Page.download?.loaded ?? 0) > 0, undefined, {
        timeout: 30_000,
      });
      assert.ok(await other.locator('#weights-stop').isVisible(), 'Stop shows during a download');
      await other.click('#weights-stop');
      await other.waitForFunction(() => window.resnet50Page.phase === 'error');
      const state = await other.evaluate(() => window.resnet50Page);
      assert.equal(state.message, `Stopped: ${url} was not loaded; nothing of it was kept.`);
      assert.ok(await other.locator('#weights-stop').isHidden());
      // The download's connection was closed (bounded: a hang here fails the test).
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        requestClosed,
        new Promise<never>((_, reject) => {
          timer = setTimeout(
            () => reject(new Error('the stopped download kept its connection open for 30 s')),
            30_000,
          );
        }),
      ]).finally(() => clearTimeout(timer));
      const cached = await other.evaluate(async () =>
        (await (await caches.open('resnet50-weights')).keys()).map((r) => r.url),
      );
      assert.ok(!cached.includes(url), `cached: ${cached.join(', ')}`);
    } finally {
      await other.close();
      slow.closeAllConnections();
      await new Promise<void>((resolve) => slow.close(() => resolve()));
    }
  });

  test('on a phone-sized viewport (390×844) the page fits without horizontal overflow', async (t) => {
    await page.setViewportSize({ width: 390, height: 844 });
    const widths = await page.evaluate(() => ({
      scroll: document.documentElement.scrollWidth,
      client: document.documentElement.clientWidth,
      widest: Math.max(
        ...Array.from(document.querySelectorAll('body *'), (e) => e.getBoundingClientRect().right),
      ),
    }));
    assert.ok(
      widths.scroll <= widths.client,
      `page ${widths.scroll}px wide in a ${widths.client}px viewport`,
    );
    assert.ok(
      widths.widest <= widths.client + 0.5,
      `an element reaches ${widths.widest}px of ${widths.client}px`,
    );
    const png = await page.screenshot({ fullPage: true });
    assert.deepEqual([...png.subarray(1, 4)], [0x50, 0x4e, 0x47], 'a PNG');
    const width = png.readUInt32BE(16);
    assert.equal(width, 390);
    t.diagnostic(`phone screenshot ${width}×${png.readUInt32BE(20)}, ${(png.length / 1024).toFixed(0)} KiB`);
  });
});

describe('the browser entry in Chromium, isolated (threads) and not', { skip: BROWSER_SKIP }, () => {
  let browser: Browser;
  before(async () => {
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
  });
  const sha256 = (a: Uint8Array | Float32Array): string =>
    createHash('sha256')
      .update(new Uint8Array(a.buffer, a.byteOffset, a.byteLength))
      .digest('hex');

  test("photos decoded in Chromium give Node's pixels and tensors bit for bit", async (t) => {
    const node = Object.fromEntries(
      PHOTOS.map((name) => {
        const image = readImage(join(IMAGES, name));
        return [name, { pixels: sha256(image.data), tensor: sha256(preprocess(image, 'imagenet-v1').data) }];
      }),
    );
    for (const isolation of [true, false]) {
      const got = await runInChromium<PixelsResult>(browser, join(REPO, 'test/helpers/browser_pixels.ts'), {
        files: PHOTOS.map((name) => join(IMAGES, name)),
        isolation,
      });
      assert.equal(got.crossOriginIsolated, isolation);
      for (const name of PHOTOS) {
        // The library's decoders: always Node's pixels.
        assert.deepEqual(got.photos[name]!.blob, node[name], `${name} through rgbFromBlob`);
        // The browser's own decoder: lossless PNG gives the same pixels; JPEG decoders may round apart.
        if (name.endsWith('.png'))
          assert.deepEqual(got.photos[name]!.bitmap, node[name], `${name} as a bitmap`);
        else {
          const same = got.photos[name]!.bitmap.pixels === node[name]!.pixels;
          t.diagnostic(`${name}: Chromium's JPEG decoder ${same ? 'gives' : 'does not give'} Node's pixels`);
        }
      }
    }
  });
});
