#!/usr/bin/env node
// Cross-builds the native engine for arm64 Linux through the real build file (node-gyp --arch=arm64
// with Debian's aarch64-linux-gnu toolchain and -march=armv8-a), in a temporary copy of native/. It
// shows that binding.gyp hands no x86 flag to another CPU's compiler and that the C++ with only the
// portable kernels compiles and links there: the result must be an AArch64 shared object with no
// undefined engine (rn::) symbol. .ci/run runs it when aarch64-linux-gnu-g++ is installed.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runNodeGyp } from './node-gyp.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const cross = 'aarch64-linux-gnu-';
const EM_AARCH64 = 183;

function fail(message) {
  console.error(`check-arm64-build: ${message}`);
  process.exit(1);
}

if (spawnSync(`${cross}g++`, ['--version']).error !== undefined)
  fail(`${cross}g++ is not installed (Debian: apt-get install g++-aarch64-linux-gnu).`);

const dir = mkdtempSync(join(tmpdir(), 'resnet50-arm64-'));
try {
  cpSync(join(root, 'native/binding.gyp'), join(dir, 'binding.gyp'));
  cpSync(join(root, 'native/src'), join(dir, 'src'), { recursive: true });
  const env = {
    ...process.env,
    CC: `${cross}gcc`,
    CXX: `${cross}g++`,
    AR: `${cross}ar`,
    CFLAGS: '-march=armv8-a',
    CXXFLAGS: '-march=armv8-a',
    // binding.gyp asks node for node-addon-api's headers from inside the copy
    NODE_PATH: join(root, 'node_modules'),
  };
  const r = runNodeGyp(dir, ['rebuild', '--arch=arm64'], env);
  if (r.status !== 0) fail(`the arm64 build failed (node-gyp exited with ${r.status ?? r.error?.message}).`);

  const makefiles = readdirSync(join(dir, 'build')).filter((f) => f.endsWith('.mk'));
  for (const f of makefiles) {
    const x86 = readFileSync(join(dir, 'build', f), 'utf8').match(/-m(avx\w*|fma|sse\w*)\b/);
    if (x86 !== null) fail(`build/${f} passes the x86 flag ${x86[0]} to the arm64 compiler.`);
  }
  const addon = join(dir, 'build/Release/resnet50_native.node');
  const elf = readFileSync(addon);
  if (elf.toString('latin1', 0, 4) !== '\x7fELF' || elf.readUInt16LE(18) !== EM_AARCH64)
    fail(`${addon} is not an AArch64 ELF file.`);
  const nm = spawnSync(`${cross}nm`, ['-uC', addon], { encoding: 'utf8' });
  if (nm.status !== 0) fail(`${cross}nm failed: ${nm.stderr}`);
  const undefinedEngine = nm.stdout.split('\n').filter((l) => l.includes('rn::'));
  if (undefinedEngine.length > 0) fail(`undefined engine symbols on arm64:\n${undefinedEngine.join('\n')}`);
  const objects = spawnSync('find', [join(dir, 'build/Release/obj.target'), '-name', '*.o'], {
    encoding: 'utf8',
  })
    .stdout.trim()
    .split('\n');
  console.log(
    `check-arm64-build: ${objects.length} objects (${makefiles.map((f) => f.replace('.target.mk', '')).join(', ')}) ` +
      `compiled with ${cross}g++ -march=armv8-a; resnet50_native.node is AArch64 ELF ` +
      `(${(statSync(addon).size / 1024).toFixed(0)} KiB) with no undefined engine symbol; no x86 flag in the build files.`,
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
