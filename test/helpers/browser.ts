/**
 * The one policy for tests that need a real browser: headless Chromium driven by playwright-core.
 * Chromium is found at RESNET50_CHROMIUM, /usr/bin/chromium, chromium-browser or google-chrome on
 * the PATH; when it or playwright-core is missing the tests skip with the reason and how to install
 * what is missing (CI installs Chromium in .ci/run, so there the tests run).
 */
import { accessSync, constants, copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, delimiter, join } from 'node:path';
import { build } from 'esbuild';
import type { Browser, LaunchOptions } from 'playwright-core';
import { copyWasmBuilds, WASM_WORKER } from '../../web/build.js';
import { startWebServer } from '../../web/server.js';

const NAMES = ['chromium', 'chromium-browser', 'google-chrome', 'google-chrome-stable'];

const executable = (path: string): boolean => {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/** The Chromium to run: $RESNET50_CHROMIUM, else the first of NAMES on the PATH (or /usr/bin), or null. */
export function findChromium(): string | null {
  const given = process.env.RESNET50_CHROMIUM;
  if (given !== undefined && given !== '') return executable(given) ? given : null;
  const dirs = [...(process.env.PATH ?? '').split(delimiter).filter((d) => d !== ''), '/usr/bin'];
  for (const name of NAMES) {
    for (const dir of dirs) {
      if (executable(join(dir, name))) return join(dir, name);
    }
  }
  return null;
}

type Playwright = typeof import('playwright-core');

async function loadPlaywright(): Promise<Playwright | null> {
  try {
    return await import('playwright-core');
  } catch {
    return null;
  }
}

const CHROMIUM = findChromium();
const PLAYWRIGHT = await loadPlaywright();

/** Why browser tests cannot run here (with how to fix it), or false when they can. */
export const BROWSER_SKIP: string | false =
  PLAYWRIGHT === null
    ? 'playwright-core is not installed; run npm ci (it is a devDependency)'
    : CHROMIUM === null
      ? process.env.RESNET50_CHROMIUM
        ? `RESNET50_CHROMIUM=${process.env.RESNET50_CHROMIUM} is not an executable`
        : 'Chromium not found; install it (Debian/Ubuntu: apt-get install chromium) or set RESNET50_CHROMIUM to its path'
      : false;

/** Launches headless Chromium (call only when BROWSER_SKIP is false). */
export async function launchChromium(options: LaunchOptions = {}): Promise<Browser> {
  if (PLAYWRIGHT === null || CHROMIUM === null) throw new Error(`no browser: ${BROWSER_SKIP}`);
  return PLAYWRIGHT.chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    // No sandbox when running as root (containers, CI); Chromium refuses to start otherwise.
    chromiumSandbox: process.getuid?.() !== 0,
    ...options,
  });
}

/**
 * Runs a browser module in headless Chromium and returns what it computed: `entry` (a .ts file of the
 * repository, bundled by esbuild for the browser) must export `run(): Promise<T>` with a result
 * that survives structured cloning. `files` are served next to it (by their base names) for the
 * module to fetch. With `isolation` (default true) the page is cross-origin isolated, so
 * SharedArrayBuffer and threads are available; false runs the same module on one thread. With
 * `wasm`, the WebAssembly engine's worker and builds are served where the module fetches them.
 */
export async function runInChromium<T>(
  browser: Browser,
  entry: string,
  options: { files?: readonly string[]; isolation?: boolean; wasm?: boolean } = {},
): Promise<T> {
  const root = mkdtempSync(join(tmpdir(), 'resnet50-chromium-'));
  const page = await browser.newPage();
  const server = await startWebServer({ root, isolation: options.isolation ?? true });
  try {
    await build({
      entryPoints: options.wasm === true ? [{ in: entry, out: 'module' }, WASM_WORKER] : { module: entry },
      bundle: true,
      platform: 'browser',
      format: 'esm',
      target: 'es2022',
      outdir: root,
      logLevel: 'warning',
    });
    for (const f of options.files ?? []) copyFileSync(f, join(root, basename(f)));
    if (options.wasm === true) copyWasmBuilds(root);
    writeFileSync(
      join(root, 'index.html'),
      '<!doctype html><meta charset="utf-8"><script type="module">' +
        "import { run } from './module.js'; window.moduleResult = run().then((value) => ({ value }), " +
        '(e) => ({ error: String(e && e.stack || e) }));</script>',
    );
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    await page.goto(server.url);
    await page.waitForFunction(() => 'moduleResult' in window);
    const result = (await page.evaluate('window.moduleResult')) as { value: T } | { error: string };
    if ('error' in result) throw new Error(`${entry} failed in Chromium: ${result.error}`);
    if (errors.length > 0) throw new Error(`${entry}: page errors: ${errors.join('; ')}`);
    return result.value;
  } finally {
    await page.close();
    await server.close();
    rmSync(root, { recursive: true, force: true });
  }
}
