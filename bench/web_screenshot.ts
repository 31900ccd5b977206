/**
 * The README's picture of the web page, taken from the real page in headless Chromium: the page is
 * built (web/build.ts) and served cross-origin isolated, weights and a photo are set through its
 * file inputs as a user would, and once the top-5 and the Grad-CAM are drawn the page is captured.
 *
 *   npm run build && node dist/bench/web_screenshot.js [--arch resnet50] [--image examples/images/chelsea.png]
 *       [--out docs/web-page.png] [--phone docs/web-page-phone.png] [--width 1100]
 *
 * No pretrained weights can be downloaded where this runs, so the weights are the deterministic test
 * weights of test/helpers/rule_weights.ts with a 1000-class head: the classes shown are ImageNet's
 * names but the scores are meaningless. `--phone` also captures a 390×844 viewport.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { saveWeightsFile } from '../src/io/weights/index.js';
import { isArchName, resnet } from '../src/model/resnet.js';
import { BROWSER_SKIP, launchChromium } from '../test/helpers/browser.js';
import { ruleStateDict } from '../test/helpers/rule_weights.js';
import { buildWeb } from '../web/build.js';
import { startWebServer } from '../web/server.js';
import type { PageState } from '../web/src/page_state.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));

const { values } = parseArgs({
  options: {
    arch: { type: 'string', default: 'resnet50' },
    image: { type: 'string', default: join(REPO, 'examples/images/chelsea.png') },
    out: { type: 'string', default: join(REPO, 'docs/web-page.png') },
    phone: { type: 'string' },
    width: { type: 'string', default: '1100' },
  },
});
if (BROWSER_SKIP !== false) {
  process.stderr.write(`web_screenshot: ${BROWSER_SKIP}\n`);
  process.exit(1);
}
if (!isArchName(values.arch)) throw new Error(`--arch: not a ResNet: ${values.arch}`);

const dir = mkdtempSync(join(tmpdir(), 'resnet50-shot-'));
const server = await startWebServer({ root: (await buildWeb(join(dir, 'site'))).outDir });
const browser = await launchChromium();
try {
  const weights = join(dir, `rule-${values.arch.slice(6)}.safetensors`);
  saveWeightsFile(weights, ruleStateDict(resnet(values.arch, { init: 'none' })));
  const page = await browser.newPage({ viewport: { width: Number(values.width), height: 800 } });
  await page.goto(server.url);
  await page.setInputFiles('#weights-file', weights);
  await page.waitForFunction(() => window.resnet50Page.phase === 'ready', undefined, { timeout: 120_000 });
  await page.setInputFiles('#image-file', resolve(values.image));
  await page.waitForFunction(
    () => window.resnet50Page.images >= 1 || window.resnet50Page.phase === 'error',
    undefined,
    { timeout: 300_000 },
  );
  const state: PageState = await page.evaluate(() => window.resnet50Page);
  if (state.phase !== 'done') throw new Error(`the page failed: ${state.message}`);
  await page.screenshot({ path: resolve(values.out), fullPage: true });
  process.stdout.write(
    `${values.out}: ${values.arch} (rule weights) on ${state.backend} (${state.engine!.build ?? 'no'} SIMD build, ` +
      `${state.engine!.threads} threads), top-1 ${state.result!.top[0]!.label}, inference in the worker ` +
      `${state.result!.timings.inferenceMs.toFixed(0)} ms, Grad-CAM ${state.cam!.timings.inferenceMs.toFixed(0)} ms\n`,
  );
  if (values.phone !== undefined) {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.screenshot({ path: resolve(values.phone), fullPage: true });
    process.stdout.write(`${values.phone}: 390×844 viewport\n`);
  }
} finally {
  await browser.close();
  await server.close();
  rmSync(dir, { recursive: true, force: true });
}
