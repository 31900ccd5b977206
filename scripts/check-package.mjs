#!/usr/bin/env node
// The newcomer check (.ci/run, after the tests): what `npm publish` would ship works on its own.
// `npm pack` the checkout, check the tarball holds what install and run need, install it into an
// empty project (its install script builds the native engine there), make a small weights file
// (resnet18, seeded random init) with the installed package's own API, and run
// `npx resnet50 classify` on a photo: its JSON must equal the checkout's CLI output for the same
// file, and no fallback notice may appear; `resnet50 serve` from the installed package serves the
// shipped web page at / in its server mode. Needs the npm registry for the package's dependencies.
import { spawn, spawnSync } from 'node:child_process';
import {
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative, sep } from 'node:path';
import { isDeepStrictEqual } from 'node:util';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const photo = join(root, 'examples/images/chelsea.png');
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));

function fail(message) {
  console.error(`check-package: ${message}`);
  process.exit(1);
}

/** Runs a command; on a non-zero exit fails with its output. */
function run(command, args, cwd) {
  const r = spawnSync(command, args, { cwd, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  if (r.status !== 0)
    fail(
      `\`${command} ${args.join(' ')}\` in ${cwd} exited with ${r.status ?? r.error}:\n${r.stdout}${r.stderr}`,
    );
  return r;
}

/** What the package needs at install and run time, as paths inside the tarball. */
function requiredFiles() {
  const listed = (dir) =>
    readdirSync(join(root, dir), { recursive: true, withFileTypes: true })
      .filter((entry) => entry.isFile())
      .map((entry) =>
        relative(root, join(entry.parentPath ?? entry.path, entry.name))
          .split(sep)
          .join('/'),
      );
  const installScript = pkg.scripts.install.split(' ').at(-1);
  const imports = [...readFileSync(join(root, installScript), 'utf8').matchAll(/from '\.\/([\w.-]+)'/g)];
  return [
    'package.json',
    pkg.main.replace(/^\.\//, ''),
    ...Object.values(pkg.bin).map((p) => p.replace(/^\.\//, '')),
    'native/binding.gyp',
    ...listed('native/src'),
    ...listed('wasm/build'),
    ...listed('labels'),
    ...pkg.files.filter((f) => f.startsWith('web/dist/')),
    installScript,
    ...imports.map((m) => `scripts/${m[1]}`),
  ];
}

/** GET / of `resnet50 serve` (the CLI at `cli`) on a free port, then SIGTERM. */
async function servedPage(cli, weights, cwd) {
  const child = spawn(
    process.execPath,
    [cli, 'serve', '--weights', weights, '--arch', 'resnet18', '--port', '0'],
    {
      cwd,
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let stderr = '';
  const exited = new Promise((resolve) => child.on('exit', resolve));
  try {
    const url = await new Promise((resolve, reject) => {
      child.stderr.on('data', (chunk) => {
        stderr += chunk;
        const m = /listening on (http:\/\/[^\s:]+:\d+):/.exec(stderr);
        if (m !== null) resolve(m[1]);
      });
      void exited.then((code) => reject(new Error(`resnet50 serve exited with ${code}: ${stderr}`)));
    });
    return await (await fetch(`${url}/`)).text();
  } catch (e) {
    fail(e.message);
  } finally {
    child.kill('SIGTERM');
    await exited;
  }
}

const dir = mkdtempSync(join(tmpdir(), 'resnet50-package-'));
try {
  const packed = JSON.parse(run('npm', ['pack', '--json', '--pack-destination', dir], root).stdout)[0];
  const tarball = join(dir, packed.filename);
  const shipped = new Set(packed.files.map((f) => f.path));
  const missing = requiredFiles().filter((f) => !shipped.has(f));
  if (missing.length > 0) fail(`${packed.filename} lacks ${missing.join(', ')} (package.json "files").`);
  const stray = [...shipped].filter((f) => /^(native\/build|node_modules|dist\/test|test)\//.test(f));
  if (stray.length > 0)
    fail(`${packed.filename} ships build or test files: ${stray.slice(0, 5).join(', ')}.`);

  const app = join(dir, 'app');
  mkdirSync(app);
  // npm >= 11.16 asks projects to approve their dependencies' install scripts (npm 12 skips the
  // unapproved ones): approve resnet50's, as the README tells users to.
  writeFileSync(
    join(app, 'package.json'),
    JSON.stringify({
      name: 'newcomer',
      private: true,
      type: 'module',
      allowScripts: { [`file:${tarball}`]: true },
    }),
  );
  const started = Date.now();
  run('npm', ['install', '--no-audit', '--no-fund', tarball], app);
  const installSeconds = (Date.now() - started) / 1000;
  const addon = join(app, 'node_modules/resnet50/native/build/Release/resnet50_native.node');
  if (!existsSync(addon)) fail(`npm install did not build the native engine (${addon} is missing).`);

  const weights = join(app, 'resnet18-random.safetensors');
  run(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `import { resnet18, saveWeightsFile } from 'resnet50';
       saveWeightsFile(${JSON.stringify(weights)}, resnet18({ seed: 7 }).stateDict());`,
    ],
    app,
  );
  const args = ['classify', photo, '--arch', 'resnet18', '--weights', weights, '--json'];
  const installed = run('npx', ['--no', 'resnet50', ...args], app);
  const checkout = run(process.execPath, [join(root, pkg.bin.resnet50), ...args], root);
  if (installed.stderr.includes('native engine unavailable'))
    fail(`the installed package fell back to the TypeScript backend: ${installed.stderr.trim()}`);
  const got = JSON.parse(installed.stdout);
  const want = JSON.parse(checkout.stdout);
  const top = got[0]?.top;
  if (!Array.isArray(top) || top.length !== 5 || typeof top[0].label !== 'string' || top[0].label === '')
    fail(`unexpected classify output: ${installed.stdout}`);
  if (!isDeepStrictEqual(got, want))
    fail(`the installed package and the checkout disagree:\n${installed.stdout}\n${checkout.stdout}`);
  const page = await servedPage(join(app, 'node_modules/resnet50', pkg.bin.resnet50), weights, app);
  if (!page.includes('<meta name="resnet50-serve" content="') || !page.includes('src="./main.js"'))
    fail(
      `the installed \`resnet50 serve\` does not serve the web page in its server mode at /:\n${page.slice(0, 400)}`,
    );
  console.log(
    `check-package: ${packed.filename} (${shipped.size} files, ${(packed.size / 1024).toFixed(0)} KiB) installed into an ` +
      `empty project in ${installSeconds.toFixed(0)} s with the native engine built; \`npx resnet50 classify\` gives ` +
      `the checkout's output (top-1 ${top[0].classIndex} '${top[0].label}', ${top[0].score.toFixed(4)}); ` +
      '`resnet50 serve` serves the web page in its server mode.',
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
