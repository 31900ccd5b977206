/**
 * Runs a Node script in this process and reports the process's peak resident set size when it exits
 * (the fallback of bench/compare_onnxruntime.ts when /usr/bin/time is missing).
 *
 *   node bench/rss_wrapper.mjs SCRIPT [ARGS...]
 *
 * SCRIPT sees process.argv = [node, SCRIPT, ...ARGS], as if it had been started directly. On exit
 * one line `resnet50-bench maxrss_kb=<KB>` goes to stderr (process.resourceUsage().maxRSS, in KB).
 */
import { writeSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [script, ...args] = process.argv.slice(2);
if (script === undefined) {
  process.stderr.write('usage: node bench/rss_wrapper.mjs SCRIPT [ARGS...]\n');
  process.exit(2);
}
const scriptPath = resolve(script);
process.argv = [process.argv[0], scriptPath, ...args];
process.on('exit', () => {
  writeSync(2, `\nresnet50-bench maxrss_kb=${process.resourceUsage().maxRSS}\n`);
});
await import(pathToFileURL(scriptPath).href);
