// Runs node-gyp on the native engine (native/binding.gyp): the copy npm bundles (or runs for install
// scripts), else one on PATH; with the distribution's Node headers when they are installed, so no
// download is needed. Shared by build-native.mjs (npm install) and check-arm64-build.mjs (CI).
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';

function nodeGypScript() {
  const candidates = [
    process.env.npm_config_node_gyp,
    join(dirname(process.execPath), '../lib/node_modules/npm/node_modules/node-gyp/bin/node-gyp.js'),
  ];
  return candidates.find((p) => p !== undefined && p !== '' && existsSync(p));
}

/** `node-gyp <args>` in the native directory `dir`; returns spawnSync's result (output inherited). */
export function runNodeGyp(dir, args, env = process.env) {
  const all = [...args, `--directory=${dir}`, '--jobs=max'];
  if (env.npm_config_nodedir === undefined && existsSync('/usr/include/node/node_api.h'))
    all.push('--nodedir=/usr');
  const script = nodeGypScript();
  return script === undefined
    ? spawnSync('node-gyp', all, { stdio: 'inherit', env })
    : spawnSync(process.execPath, [script, ...all], { stdio: 'inherit', env });
}
