/**
 * The web page served by `resnet50 serve` (startServer with the page built by web/build.ts): GET /
 * is the page with the server-mode tag (tasks, token, model; serve_cli.test.ts has the upload page).
 * In headless Chromium (playwright-core; skips with the reason where there is no browser): a photo
 * picked on the page goes to /v1/classify and /v1/cam, the shown top-5 equals `resnet50 classify
 * --json` and /v1/classify for the same file, the page loads no weights, no WebAssembly and no
 * worker; with a token the page asks for it, a wrong one gets one sentence, the right one classifies.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { saveWeightsFile } from '../src/io/weights/index.js';
import { resnet } from '../src/model/resnet.js';
import { SERVE_META_NAME, type ServePageConfig } from '../src/serve/page_config.js';
import { startServer, type InferenceServer, type ServeOptions } from '../src/serve/server.js';
import { buildWeb } from '../web/build.js';
import type { PageState } from '../web/src/page_state.js';
import { BROWSER_SKIP, launchChromium } from './helpers/browser.js';
import { IMAGES, runCli } from './helpers/cli.js';
import { ruleStateDict } from './helpers/rule_weights.js';
import { tempDirs } from './helpers/tmp.js';

const tmp = tempDirs('resnet50-serve-page-');
const dir = tmp();
/** ResNet-18 rule weights with ImageNet's 1000-class head, so the labels are ImageNet's. */
const weights = join(dir, 'rule18.safetensors');
const photo = join(IMAGES, 'chelsea.png');
/** The page's server, and one that needs a token and offers classify only. */
let server: InferenceServer;
let guarded: InferenceServer;

before(async () => {
  saveWeightsFile(weights, ruleStateDict(resnet('resnet18', { numClasses: 1000, init: 'none' })));
  const site = (await buildWeb(join(dir, 'site'))).outDir;
  const start = (options: ServeOptions = {}): Promise<InferenceServer> =>
    startServer({ weights, port: 0, webRoot: site, log: () => undefined, ...options });
  [server, guarded] = await Promise.all([start(), start({ token: 'page-token', tasks: ['classify'] })]);
});
after(async () => {
  await server?.close();
  await guarded?.close();
});

/** The server-mode tag of a page, or null. */
function tagOf(html: string): ServePageConfig | null {
  const m = new RegExp(`<meta name="${SERVE_META_NAME}" content="([^"]*)">`).exec(html);
  if (m === null) return null;
  const text = m[1].replace(/&(quot|amp|lt|gt|#39);/g, (_, e: string) =>
    e === 'quot' ? '"' : e === 'amp' ? '&' : e === 'lt' ? '<' : e === 'gt' ? '>' : "'",
  );
  return JSON.parse(text) as ServePageConfig;
}

test('GET / is the built page with the server tag (the model only without a token)', async () => {
  for (const path of ['/', '/index.html']) {
    const r = await fetch(`${server.url}${path}`);
    assert.equal(r.status, 200, path);
    assert.equal(r.headers.get('cache-control'), 'no-store');
    assert.equal(r.headers.get('cross-origin-embedder-policy'), 'require-corp');
    const html = await r.text();
    assert.match(html, /<script type="module" src="\.\/main\.js"><\/script>/);
    const tag = tagOf(html);
    assert.deepEqual(tag, {
      tasks: ['classify', 'embed', 'cam'],
      token: false,
      model: {
        arch: 'resnet18',
        numClasses: 1000,
        backend: tag?.model?.backend,
        precision: 'fp32',
        weights: 'rule18.safetensors',
      },
    });
    assert.match(tag!.model!.backend, /^(native \(\w+, \d+ threads?\)|js|wasm)$/);
  }
  const head = await fetch(`${server.url}/`, { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(
    Number(head.headers.get('content-length')),
    Buffer.byteLength(await (await fetch(`${server.url}/`)).text()),
  );
  assert.equal((await fetch(`${server.url}/main.js`)).status, 200);
  assert.deepEqual(tagOf(await (await fetch(`${guarded.url}/`)).text()), {
    tasks: ['classify'],
    token: true,
  });
});

describe('the page in server mode, in headless Chromium', { skip: BROWSER_SKIP }, () => {
  let browser: Browser;
  before(async () => {
    browser = await launchChromium();
  });
  after(async () => {
    await browser?.close();
  });

  /** A page on `url` that records what it requests and the errors it logs. */
  async function open(url: string): Promise<{ page: Page; requests: string[]; errors: string[] }> {
    const page = await browser.newPage();
    const requests: string[] = [];
    const errors: string[] = [];
    page.on('request', (r) => requests.push(r.url()));
    page.on('pageerror', (e) => errors.push(`page error: ${e.message}`));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(`console: ${m.text()}`);
    });
    await page.goto(url);
    return { page, requests, errors };
  }
  const settled = (page: Page, images: number): Promise<unknown> =>
    page.waitForFunction(
      (n) => window.resnet50Page.images >= n || window.resnet50Page.phase === 'error',
      images,
      { timeout: 60_000 },
    );
  const shownTop = (page: Page): Promise<{ classIndex: number; label: string | null }[]> =>
    page.locator('#top li').evaluateAll((items) =>
      items.map((li) => ({
        classIndex: Number((li as HTMLElement).dataset.classIndex),
        label: li.querySelector('.label')!.textContent,
      })),
    );

  /** `resnet50 classify --json` on the photo with the same weights (run once). */
  let cli: { classIndex: number; label: string }[] | undefined;
  const cliTop = (): { classIndex: number; label: string }[] => {
    if (cli !== undefined) return cli;
    const r = runCli(['classify', photo, '--weights', weights, '--json', '--top', '5']);
    assert.equal(r.status, 0, r.stderr);
    const [result] = JSON.parse(r.stdout) as { top: { classIndex: number; label: string }[] }[];
    return (cli = result.top.map(({ classIndex, label }) => ({ classIndex, label })));
  };

  test("a photo picked on the page is classified by the server: the top-5 shown equals the CLI's and /v1/classify's; no weights are loaded", async (t) => {
    const { page, requests, errors } = await open(`${server.url}/`);
    try {
      const initial = await page.evaluate(() => window.resnet50Page);
      assert.equal(initial.mode, 'server');
      assert.ok(await page.locator('#weights-card').isHidden(), 'no weights card in server mode');
      assert.ok(await page.locator('#token-form').isHidden(), 'no token field without a token');
      assert.match(
        initial.message,
        /^The model runs on this server: resnet18, 1000 classes \(rule18\.safetensors\)/,
      );
      await page.setInputFiles('#image-file', photo);
      await settled(page, 1);
      const state: PageState = await page.evaluate(() => window.resnet50Page);
      assert.equal(state.phase, 'done', state.message);
      assert.deepEqual(errors, []);
      const api = (await (
        await fetch(`${server.url}/v1/classify?top=5`, { method: 'POST', body: readFileSync(photo) })
      ).json()) as { top: { classIndex: number; label: string }[] };
      const cli = cliTop();
      const shown = await shownTop(page);
      assert.deepEqual(shown, cli, 'the page shows the CLI top-5');
      assert.deepEqual(
        shown,
        api.top.map(({ classIndex, label }) => ({ classIndex, label })),
      );
      assert.equal(state.cam!.classIndex, cli[0].classIndex, 'Grad-CAM of the top-1, from /v1/cam');
      const [x0, y0, x1, y1] = state.cam!.box;
      assert.ok(0 <= x0 && x0 < x1 && x1 <= 451 && 0 <= y0 && y0 < y1 && y1 <= 300, `box ${state.cam!.box}`);
      const { preprocessMs, inferenceMs } = state.result!.timings;
      assert.ok(preprocessMs > 0 && inferenceMs > 0, `server times ${preprocessMs} / ${inferenceMs} ms`);
      const stats = await page.locator('#stats').innerText();
      assert.match(stats, /inference \(server\)\s+[\d.]+ ms \(batch of 1\)/, stats);
      assert.match(stats, /decode \+ preprocess \(server\)\s+[\d.]+ ms/, stats);
      const paths = requests
        .map((u) => new URL(u))
        .map((u) => (u.origin === server.url ? u.pathname : u.href));
      assert.deepEqual(
        [...new Set(paths)].sort(),
        ['/', '/main.js', '/style.css', '/v1/cam', '/v1/classify'],
        'only the page, its script and style, and the two endpoints',
      );
      t.diagnostic(
        `page: top-1 ${shown[0].label} (${shown[0].classIndex}); server decode ${preprocessMs.toFixed(1)} ms, ` +
          `inference ${inferenceMs.toFixed(1)} ms, Grad-CAM ${state.cam!.timings.inferenceMs.toFixed(0)} ms, ` +
          `round trip ${state.result!.ms.toFixed(0)} ms`,
      );
    } finally {
      await page.close();
    }
  });

  test('with a token: the page asks for it; none or a wrong one gets one sentence, the right one classifies', async () => {
    const { page, errors } = await open(`${guarded.url}/`);
    try {
      assert.ok(await page.locator('#token-form').isVisible(), 'the token field shows');
      assert.match(await page.locator('#server-status').innerText(), /needs its access token/);
      await page.setInputFiles('#image-file', photo);
      await settled(page, 1);
      assert.equal(
        await page.locator('#server-status').innerText(),
        'This server needs its access token: enter it above, then choose the image again.',
      );
      await page.fill('#token', 'wrong-token');
      await page.click('#token-form button[type=submit]');
      await page.waitForFunction(() => window.resnet50Page.message.startsWith('The server refused'));
      await page.fill('#token', 'page-token');
      await page.click('#token-form button[type=submit]');
      await settled(page, 1);
      await page.waitForFunction(() => window.resnet50Page.phase !== 'running');
      const state: PageState = await page.evaluate(() => window.resnet50Page);
      assert.equal(state.phase, 'done', state.message);
      assert.equal(state.cam, null, 'no CAM: the server offers classify only');
      assert.deepEqual((await shownTop(page))[0], cliTop()[0]);
      assert.equal(await page.evaluate(() => sessionStorage.getItem('resnet50-serve-token')), 'page-token');
      // 401s are answers the page expected; nothing else went wrong.
      assert.deepEqual(
        errors.filter((e) => !/status of 401/.test(e)),
        [],
      );
    } finally {
      await page.close();
    }
  });
});
