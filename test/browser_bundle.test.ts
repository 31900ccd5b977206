/**
 * The browser entry bundles for the web: esbuild (platform 'browser') bundles `import … from
 * 'resnet50'` through the package's `exports` conditions and the worker entry, and fails listing
 * every Node built-in (`node:*` or a bare built-in name) either would pull, with the importer. The
 * sizes of the bundles (minified, and gzipped as served) are reported.
 */
import assert from 'node:assert/strict';
import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { gzipSync } from 'node:zlib';
import { build, type Metafile, type Plugin } from 'esbuild';
import { REPO } from './helpers/cli.js';
import { tempDirs } from './helpers/tmp.js';

const tmp = tempDirs('resnet50-bundle-');
const BUILTINS = new Set(builtinModules);

/** Marks every Node built-in external and records it with its importer. */
function nodeBuiltins(found: string[]): Plugin {
  return {
    name: 'no-node-builtins',
    setup(b) {
      b.onResolve({ filter: /.*/ }, (args) => {
        const bare = args.path.split('/')[0]!;
        if (!args.path.startsWith('node:') && !BUILTINS.has(bare)) return undefined;
        found.push(`${args.path} (imported by ${relative(REPO, args.importer)})`);
        return { path: args.path, external: true };
      });
    },
  };
}

/** A project that depends on this package (a symlink), with entries importing it by name. */
function consumer(): string {
  const dir = tmp();
  mkdirSync(join(dir, 'node_modules'));
  symlinkSync(REPO, join(dir, 'node_modules', 'resnet50'), 'dir');
  // What a page's main thread loads, the worker, and the whole browser API.
  writeFileSync(
    join(dir, 'page.js'),
    "import { createClassifier } from 'resnet50';\nconsole.log(createClassifier);\n",
  );
  writeFileSync(join(dir, 'worker.js'), "import 'resnet50/worker';\n");
  writeFileSync(join(dir, 'all.js'), "export * from 'resnet50';\n");
  return dir;
}

const inputsOf = (metafile: Metafile, dir: string): string[] =>
  Object.keys(metafile.inputs).map((p) => relative(REPO, join(dir, p)).split('\\').join('/'));

const kib = (bytes: number): string => (bytes / 1024).toFixed(1);

test('the browser entry and the worker bundle for the browser without any Node built-in; sizes reported', async (t) => {
  const dir = consumer();
  const found: string[] = [];
  const result = await build({
    absWorkingDir: dir,
    entryPoints: ['page.js', 'worker.js', 'all.js'],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    minify: true,
    write: false,
    outdir: 'out',
    metafile: true,
    logLevel: 'silent',
    plugins: [nodeBuiltins(found)],
  });
  assert.deepEqual(found, [], `the browser bundle pulls Node built-ins:\n${found.join('\n')}`);
  const inputs = inputsOf(result.metafile, dir);
  assert.ok(
    inputs.includes('dist/src/browser.js'),
    "'resnet50' resolves to the browser entry under the browser condition",
  );
  assert.ok(!inputs.includes('dist/src/index.js'), 'the Node entry stays out of the browser bundle');
  assert.ok(!inputs.some((p) => p.includes('backends/native/')), 'no native engine code');
  const sizes = result.outputFiles.map((f) => ({
    name: relative(join(dir, 'out'), f.path),
    bytes: f.contents.length,
    gzip: gzipSync(f.contents).length,
  }));
  for (const s of sizes) t.diagnostic(`${s.name}: ${kib(s.bytes)} KiB minified, ${kib(s.gzip)} KiB gzipped`);
  const size = (name: string): number => sizes.find((s) => s.name === name)!.bytes;
  // The client alone is small; the worker and the whole API hold the model, kernels, decoders and
  // readers: real code, well above a stub and well below a megabyte.
  assert.ok(
    size('page.js') > 4 * 1024 && size('page.js') < size('worker.js') / 2,
    `page.js: ${size('page.js')} bytes`,
  );
  for (const name of ['worker.js', 'all.js']) {
    assert.ok(size(name) > 50 * 1024 && size(name) < 1024 * 1024, `${name}: ${size(name)} bytes`);
  }
});

test('the check sees Node built-ins: the Node entry bundled for the browser lists them', async () => {
  const found: string[] = [];
  await build({
    entryPoints: [join(REPO, 'dist/src/index.js')],
    bundle: true,
    platform: 'browser',
    format: 'esm',
    write: false,
    outdir: join(tmp(), 'out'),
    logLevel: 'silent',
    plugins: [nodeBuiltins(found)],
  });
  assert.ok(
    found.some((f) => f.startsWith('node:fs (imported by dist/src/')),
    found.join('\n'),
  );
});
