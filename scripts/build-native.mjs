#!/usr/bin/env node
// Builds the native engine with node-gyp during `npm install` and says once which backend runs. A
// failed build never fails the install: the package then runs on its TypeScript backend (and the CLI
// says so once at run time).
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { runNodeGyp } from './node-gyp.mjs';

const native = join(dirname(fileURLToPath(import.meta.url)), '..', 'native');
if (process.env.RESNET50_SKIP_NATIVE_BUILD === '1') {
  console.log('resnet50: native build skipped (RESNET50_SKIP_NATIVE_BUILD=1); using the TypeScript backend.');
  process.exit(0);
}

const r = runNodeGyp(native, ['rebuild']);
if (r.status !== 0) {
  const why = r.error !== undefined ? r.error.message : `node-gyp exited with ${r.status ?? r.signal}`;
  console.warn(
    `resnet50: the native engine could not be built on ${process.platform}/${process.arch} (${why}); the TypeScript backend will be used instead.`,
  );
  process.exit(0);
}
try {
  const addon = createRequire(import.meta.url)(join(native, 'build/Release/resnet50_native.node'));
  const { isa, threads } = addon.configure();
  console.log(
    `resnet50: native engine built for ${process.platform}/${process.arch}: ${isa} kernels, ${threads} threads.`,
  );
} catch (e) {
  console.warn(
    `resnet50: the native engine was built but does not load (${e.message.split('\n')[0]}); the TypeScript backend will be used instead.`,
  );
}
