/**
 * The parser fuzzing of test/fuzz_parsers.test.ts, run long: the same properties with many more
 * cases and a random seed (printed first, so a failure can be replayed with --seed).
 *
 *   npm run build && node dist/bench/fuzz_parsers.js [--runs 5000] [--seed N] [--only NAME]
 *
 * Per parser it prints the cases run, how many parsed without error, the most common refusals
 * (to show the mutations reach past the first check) and the time; on a contract break it prints
 * fast-check's report (seed, path, the case) with the mutated bytes and exits 1.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import fc from 'fast-check';
import { setMaxImagePixels } from '../src/io/image_limits.js';
import { caseArb, fuzzTarget, mutate, type FuzzTarget } from '../test/helpers/fuzz.js';
import { fuzzTargets } from '../test/helpers/fuzz_targets.js';

const { values } = parseArgs({
  options: {
    runs: { type: 'string', default: '5000' },
    seed: { type: 'string' },
    only: { type: 'string' },
  },
});
const runs = Number(values.runs);
const seed = values.seed === undefined ? Math.floor(Math.random() * 2 ** 31) : Number(values.seed);
console.log(`fuzz_parsers: seed ${seed}, ${runs} runs per parser (replay with --seed ${seed})`);

/** How a sample of cases ends: parsed, or the refusal's message with file names and numbers blurred. */
function outcomes(target: FuzzTarget, n: number): Map<string, number> {
  const tally = new Map<string, number>();
  for (const c of fc.sample(caseArb, { seed, numRuns: n })) {
    let key = 'parsed';
    try {
      target.parse(mutate(target, c));
    } catch (e) {
      key = (e as Error).message
        .replace(/^\S+: /, '')
        .replace(/\d+/g, 'N')
        .replace(/'[^']*'/g, "'…'")
        .slice(0, 90);
    }
    tally.set(key, (tally.get(key) ?? 0) + 1);
  }
  return tally;
}

const dir = mkdtempSync(join(tmpdir(), 'resnet50-fuzz-bench-'));
setMaxImagePixels(1 << 20);
let failed = false;
try {
  for (const target of fuzzTargets(dir)) {
    if (values.only !== undefined && !target.name.includes(values.only)) continue;
    const t0 = performance.now();
    try {
      fuzzTarget(target, { seed, numRuns: runs, rssHeadroom: 500 * 2 ** 20 });
    } catch (e) {
      failed = true;
      console.log(`\n${target.name}: CONTRACT BROKEN\n${(e as Error).message}\n`);
    }
    const seconds = (performance.now() - t0) / 1000;
    const tally = [...outcomes(target, Math.min(runs, 500))].sort((a, b) => b[1] - a[1]);
    const parsed = tally.find(([k]) => k === 'parsed')?.[1] ?? 0;
    console.log(
      `${target.name}: ${runs} cases in ${seconds.toFixed(1)} s; of a 500-case sample ${parsed} parsed`,
    );
    for (const [what, count] of tally.filter(([k]) => k !== 'parsed').slice(0, 6))
      console.log(`  ${count}× ${what}`);
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
process.exitCode = failed ? 1 : 0;
