/**
 * Runs a Node script in this process and reports its peak resident set size on exit, as one stderr
 * line `resnet50-bench maxrss_kb=<KB>` (the format of bench/rss_wrapper.mjs):
 *
 *   node dist/test/helpers/peak_rss.js SCRIPT [ARGS...]
 *
 * The peak is VmHWM from /proc/self/status: on Linux, resourceUsage().maxRSS keeps the parent's peak
 * across fork and exec, so a child of a big test process would report the parent's memory.
 */
import { readFileSync, writeSync } from 'node:fs';
import { resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const [script, ...args] = process.argv.slice(2);
if (script === undefined) {
  process.stderr.write('usage: node dist/test/helpers/peak_rss.js SCRIPT [ARGS...]\n');
  process.exit(2);
}
const scriptPath = resolve(script);
process.argv = [process.argv[0]!, scriptPath, ...args];
process.on('exit', () => {
  let kb = process.resourceUsage().maxRSS;
  try {
    kb = Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))?.[1] ?? kb);
  } catch {
    // No /proc (not Linux): maxRSS is the best there is.
  }
  writeSync(2, `\nresnet50-bench maxrss_kb=${kb}\n`);
});
await import(pathToFileURL(scriptPath).href);
