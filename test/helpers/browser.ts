/**
 * The one policy for tests that need a real browser: headless Chromium driven by playwright-core.
 * Chromium is found at RESNET50_CHROMIUM, /usr/bin/chromium, chromium-browser or google-chrome on
 * the PATH; when it or playwright-core is missing the tests skip with the reason and how to install
 * what is missing (CI installs Chromium in .ci/run, so there the tests run).
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, join } from 'node:path';
import type { Browser, LaunchOptions } from 'playwright-core';

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
