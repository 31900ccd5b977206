/**
 * The same benchmarks on two builds of this repository, interleaved in one run, so that a refactor
 * can show it is not slower: `resnet50 bench` at batch 1 and 8 (224×224, native) and one ResNet-50
 * training step at 224, batch 8 (bench/profile_train.ts), alternating A, B, A, B … per round.
 *
 *   npm run build && node dist/bench/before_after.js --before ../base --after . [--rounds 5]
 *       [--out bench/results/before_after.md]
 *
 * Each side must be a built checkout (npm ci). Prints the medians of each side, the ratio
 * after/before, the CPU (lscpu model and flags) and writes the table as Markdown.
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { median } from '../src/cli/bench.js';
import { lscpuField } from './machine.js';

const { values } = parseArgs({
  options: {
    before: { type: 'string' },
    after: { type: 'string', default: '.' },
    rounds: { type: 'string', default: '5' },
    out: { type: 'string' },
  },
});
if (values.before === undefined) throw new Error('--before DIR is required (a built checkout)');
const sides = { before: resolve(values.before), after: resolve(values.after) };
const rounds = Number(values.rounds);

interface Measure {
  name: string;
  unit: string;
  run(dir: string): number;
}

const node = (dir: string, args: string[]): string =>
  execFileSync(process.execPath, args, { cwd: dir, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

const inference = (batch: number): Measure => ({
  name: `inference, batch ${batch}, 224×224, native`,
  unit: 'ms',
  run: (dir) => {
    const args = ['dist/src/cli/main.js', 'bench', '--batch', String(batch), '--backend', 'native'];
    const out = node(dir, [...args, '--iters', batch === 1 ? '20' : '8', '--json']);
    return (JSON.parse(out) as { medianMs: number }).medianMs;
  },
});

const trainingStep: Measure = {
  name: 'training step, ResNet-50, batch 8, 224×224, native',
  unit: 'ms',
  run: (dir) => {
    const out = node(dir, ['dist/bench/profile_train.js', '--size', '224', '--batch', '8', '--steps', '2']);
    const m = /^step\s+([\d.]+) ms\/step/m.exec(out);
    if (m === null) throw new Error(`no step time in the output of ${dir}/dist/bench/profile_train.js`);
    return Number(m[1]);
  },
};

const measures = [inference(1), inference(8), trainingStep];
const times = new Map<string, number[]>();
for (let r = 0; r < rounds; r++) {
  for (const m of measures) {
    for (const [side, dir] of r % 2 === 0 ? Object.entries(sides) : Object.entries(sides).reverse()) {
      const key = `${m.name}|${side}`;
      const t = m.run(dir);
      times.set(key, [...(times.get(key) ?? []), t]);
      process.stderr.write(
        `round ${r + 1}/${rounds} ${side.padEnd(6)} ${m.name}: ${t.toFixed(1)} ${m.unit}\n`,
      );
    }
  }
}

const signed = (ratio: number): string => {
  const change = ((ratio - 1) * 100).toFixed(1);
  return `${change.startsWith('-') ? '' : '+'}${change} %`;
};
const rows = measures.map((m) => {
  const before = times.get(`${m.name}|before`)!;
  const after = times.get(`${m.name}|after`)!;
  // A round measures both sides back to back: its ratio cancels slow drifts of the machine's load.
  const paired = median(after.map((t, i) => t / before[i]));
  return `| ${m.name} | ${median(before).toFixed(1)} | ${median(after).toFixed(1)} | ${signed(median(after) / median(before))} | ${signed(paired)} |`;
});
const report = [
  `Before: ${sides.before}; after: ${sides.after}; ${rounds} interleaved rounds, medians.`,
  '',
  '| benchmark | before (ms) | after (ms) | change of medians | median of paired changes |',
  '|---|---|---|---|---|',
  ...rows,
  '',
  `CPU: ${lscpuField('Model name')} (${cpus().length} cores), Node ${process.version}.`,
  `Flags: ${lscpuField('Flags')}`,
  '',
].join('\n');
process.stdout.write(report);
if (values.out !== undefined) writeFileSync(values.out, report);
