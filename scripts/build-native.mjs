#!/usr/bin/env node
// Builds the native engine with node-gyp during `npm install`. A failed build never fails the
// install: the package then runs on its TypeScript backend and says so once at run time.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
if (process.env.RESNET50_SKIP_NATIVE_BUILD === '1') {
  console.log('resnet50: native build skipped (RESNET50_SKIP_NATIVE_BUILD=1); using the TypeScript backend.');
  process.exit(0);
}

function nodeGyp() {
  const candidates = [
    process.env.npm_config_node_gyp,
    join(dirname(process.execPath), '../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js'),
  ];
  return candidates.find((p) => p !== undefined && p !== '' && existsSync(p));
}

const gyp = nodeGyp();
const args = ['rebuild', `--directory=${join(root, 'native')}`, '--jobs=max'];
if (process.env.npm_config_nodedir === undefined && existsSync('/usr/include/node/node_api.h'))
  args.push('--nodedir=/usr');
const r =
  gyp === undefined
    ? spawnSync('node-gyp', args, { stdio: 'inherit', shell: false })
    : spawnSync(process.execPath, [gyp, ...args], { stdio: 'inherit' });
if (r.status !== 0) {
  console.warn(
    'resnet50: the native engine could not be built; the TypeScript backend will be used instead.',
  );
}
process.exit(0);
