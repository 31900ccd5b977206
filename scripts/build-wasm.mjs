#!/usr/bin/env node
// Builds the WebAssembly engine (wasm/kernels.cc) into wasm/build/ with Debian's clang-16 and lld-16:
// four variants, plain SIMD128 or relaxed SIMD (fused multiply-add), single-threaded or threaded over
// one shared memory. The built files are committed, so a clone and the npm package need no compiler;
// `node scripts/build-wasm.mjs --check` rebuilds into a temporary directory and fails when any file
// differs from the committed one (CI runs it). $CLANG names another clang (the committed bytes come from Debian 12's clang 16.0.6).
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const source = join(root, 'wasm', 'kernels.cc');
const build = join(root, 'wasm', 'build');
const clang = process.env.CLANG ?? 'clang-16';
const check = process.argv.includes('--check');

const COMMON = [
  '--target=wasm32',
  '-O3',
  '-std=c++17',
  '-ffreestanding',
  '-fno-exceptions',
  '-fno-rtti',
  '-nostdlib',
  '-msimd128',
  '-mbulk-memory',
  '-mmutable-globals',
  '-Wall',
  '-Wextra',
  '-Werror',
  '-Wl,--no-entry',
  '-Wl,--import-memory',
  '-Wl,--initial-memory=4194304',
  '-Wl,--max-memory=4294967296',
  '-Wl,-z,stack-size=1048576',
  '-Wl,--export=__stack_pointer',
  '-Wl,--strip-debug',
];
const SIMD = { simd: [], relaxed: ['-mrelaxed-simd', '-DRN_RELAXED'] };
const THREADS = { st: [], mt: ['-matomics', '-Wl,--shared-memory'] };

const out = check ? mkdtempSync(join(tmpdir(), 'resnet50-wasm-')) : build;
mkdirSync(build, { recursive: true });
let differ = 0;
try {
  for (const [simd, simdFlags] of Object.entries(SIMD)) {
    for (const [threads, threadFlags] of Object.entries(THREADS)) {
      const name = `resnet50-${simd}-${threads}.wasm`;
      const tmp = join(out, `${name}.tmp`);
      const r = spawnSync(clang, [...COMMON, ...simdFlags, ...threadFlags, '-o', tmp, source], {
        stdio: 'inherit',
      });
      if (r.error !== undefined) {
        console.error(
          `build-wasm: cannot run ${clang} (${r.error.message}); install clang-16 and lld-16 (Debian: apt-get install clang-16 lld-16).`,
        );
        process.exit(1);
      }
      if (r.status !== 0) process.exit(1);
      if (check) {
        let committed;
        try {
          committed = readFileSync(join(build, name));
        } catch {
          committed = Buffer.alloc(0);
        }
        if (!committed.equals(readFileSync(tmp))) {
          console.error(
            `build-wasm: wasm/build/${name} differs from a rebuild of wasm/kernels.cc; run node scripts/build-wasm.mjs and commit.`,
          );
          differ++;
        }
      } else {
        renameSync(tmp, join(build, name));
        console.log(`build-wasm: wasm/build/${name} (${readFileSync(join(build, name)).length} bytes)`);
      }
    }
  }
} finally {
  if (check) rmSync(out, { recursive: true, force: true });
}
if (check && differ === 0) console.log('build-wasm: the committed builds match wasm/kernels.cc');
process.exit(differ === 0 ? 0 : 1);
