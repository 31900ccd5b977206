/**
 * Builds the web page into web/dist: the page's script (web/src/main.ts with the library's browser
 * API) and the library's worker as two esbuild bundles, the stylesheet, index.html, and the ImageNet
 * class names where the worker looks for them (labels/imagenet-1k.json, next to the site root).
 *
 *   node dist/web/build.js [--out web/dist]      (npm run build:web)
 */
import { copyFileSync, mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { build } from 'esbuild';

/** The repository (this file runs as dist/web/build.js). */
const REPO = fileURLToPath(new URL('../../', import.meta.url));
export const WEB_DIST = join(REPO, 'web', 'dist');

export interface WebBuild {
  outDir: string;
  /** Bundle sizes in bytes, by output file name. */
  sizes: Record<string, number>;
}

/** Bundles the page into `outDir` (emptied first); minified, with source maps. */
export async function buildWeb(outDir: string = WEB_DIST): Promise<WebBuild> {
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(join(outDir, 'labels'), { recursive: true });
  const result = await build({
    absWorkingDir: REPO,
    entryPoints: [
      { in: 'web/src/main.ts', out: 'main' },
      { in: 'src/browser/worker.ts', out: 'worker' },
      { in: 'web/src/style.css', out: 'style' },
    ],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    target: 'es2022',
    minify: true,
    sourcemap: true,
    outdir: outDir,
    metafile: true,
    logLevel: 'warning',
  });
  copyFileSync(join(REPO, 'web', 'index.html'), join(outDir, 'index.html'));
  copyFileSync(join(REPO, 'labels', 'imagenet-1k.json'), join(outDir, 'labels', 'imagenet-1k.json'));
  const sizes: Record<string, number> = {};
  for (const [file, output] of Object.entries(result.metafile.outputs)) {
    if (!file.endsWith('.map')) sizes[file.slice(file.lastIndexOf('/') + 1)] = output.bytes;
  }
  return { outDir, sizes };
}

if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { values } = parseArgs({ options: { out: { type: 'string', default: WEB_DIST } } });
  const { outDir, sizes } = await buildWeb(resolve(values.out));
  const list = Object.entries(sizes).map(([f, n]) => `${f} ${(n / 1024).toFixed(1)} KiB`);
  process.stdout.write(`web page built in ${outDir}: ${list.join(', ')}\n`);
}
