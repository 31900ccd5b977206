/**
 * Builds the web page into web/dist: the page's script (web/src/main.ts with the library's browser
 * API), the library's worker and the WebAssembly engine's worker as esbuild bundles, the
 * stylesheet, index.html, and what the workers fetch where their `new URL(…, import.meta.url)`
 * resolves from a bundle at the site root (esbuild copies no such asset): the ImageNet class names
 * at labels/imagenet-1k.json and the four WebAssembly builds at wasm/build/.
 *
 *   node dist/web/build.js [--out web/dist]      (npm run build:web)
 */
import { copyFileSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
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

/** The WebAssembly engine's worker: bundled as worker_web.js next to the bundle that starts it. */
export const WASM_WORKER = { in: join(REPO, 'src/backends/wasm/worker_web.ts'), out: 'worker_web' };

/**
 * Copies wasm/build/*.wasm to `root`/wasm/build/, where platform_web.ts's URLs point from a bundle
 * in `root` (`../../../../wasm/build/…` from the site root is `/wasm/build/…`). Returns the names.
 */
export function copyWasmBuilds(root: string): string[] {
  const from = join(REPO, 'wasm', 'build');
  const names = readdirSync(from).filter((f) => f.endsWith('.wasm'));
  mkdirSync(join(root, 'wasm', 'build'), { recursive: true });
  for (const name of names) copyFileSync(join(from, name), join(root, 'wasm', 'build', name));
  return names;
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
      WASM_WORKER,
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
  copyWasmBuilds(outDir);
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
  process.stderr.write(`web page built in ${outDir}: ${list.join(', ')}\n`);
}
