/**
 * The fp32 kernel sets of the native engine against each other on ResNet-50 (torchvision's random
 * initialization; timing does not depend on the values), on one CPU.
 *
 *   npm run build && node dist/bench/isa_compare.js [--isas avx512,avx2] [--batches 1,8]
 *       [--threads 2] [--rounds 6] [--iters 4] [--out bench/results/isa_compare.md]
 *
 * Every kernel set in --isas that this CPU runs gets its own plan (the plan keeps the kernels that
 * were configured when it was built). For each batch, the sets take turns for --rounds rounds
 * (A, B, then B, A, …: drift on a shared machine hits all alike); each turn is one untimed pass and
 * --iters timed ones. Reported per set: the median wall time of a pass, images per second, and the
 * median CPU time of the process per pass (user + system, all threads): on a machine that other work
 * keeps busy, the CPU time shows the kernels' own cost, the wall time also the waits for a core.
 * Then the throughput of each set relative to the first one.
 *
 * Writes a markdown report (lscpu's model name and the load average before and after) to --out and
 * prints it.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { nativeAddon, type Isa } from '../src/backends/native/addon.js';
import { median } from '../src/cli/bench.js';
import { resnet } from '../src/model/resnet.js';
import { createRunner, type Runner } from '../src/tasks/runner.js';
import { Tensor } from '../src/tensor/tensor.js';
import { writeMarkdown } from './markdown.js';
import { takeTurns } from './take_turns.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const { values } = parseArgs({
  options: {
    isas: { type: 'string', default: 'avx512,avx2' },
    batches: { type: 'string', default: '1,8' },
    threads: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '6' },
    iters: { type: 'string', default: '4' },
    out: { type: 'string', default: join(REPO, 'bench/results/isa_compare.md') },
  },
});
const list = (s: string) => s.split(',').map((v) => v.trim());
const batches = list(values.batches).map(Number);
const threads = Number(values.threads);
const rounds = Number(values.rounds);
const iters = Number(values.iters);
const log = (s: string) => process.stderr.write(`${s}\n`);
const load = () =>
  loadavg()
    .map((v) => v.toFixed(2))
    .join(' ');
const cpuModel =
  /Model name:\s*(.+)/.exec(spawnSync('lscpu', { encoding: 'utf8' }).stdout ?? '')?.[1] ?? 'unknown';

const addon = nativeAddon();
if (addon === null) throw new Error('the native engine is not built');
const original = addon.configure();
addon.configure({ threads });
const model = resnet('resnet50');
const input = (batch: number): Tensor => {
  const x = Tensor.zeros([batch, 3, 224, 224]);
  for (let i = 0; i < x.size; i++) x.data[i] = Math.sin(i * 0.37);
  return x;
};

// One plan per kernel set, built (by its first pass) while that set is configured.
const runners = new Map<Isa, Runner>();
for (const isa of list(values.isas) as Isa[]) {
  try {
    addon.configure({ isa });
  } catch {
    log(`${isa}: not supported by this CPU, skipped`);
    continue;
  }
  const runner = createRunner(model, { backend: 'native' });
  await runner.forward(input(1));
  runners.set(isa, runner);
}
addon.configure({ isa: original.isa });
const isas = [...runners.keys()];
if (isas.length === 0) throw new Error(`none of ${values.isas} runs on this CPU`);

const loadBefore = load();
const { wall, cpu } = await takeTurns(runners, batches, rounds, iters, input, log);
for (const runner of runners.values()) runner.dispose();
addon.configure({ threads: original.threads });

const rows: string[] = [];
for (const batch of batches) {
  const base = isas[0];
  for (const isa of isas) {
    const w = median(wall.get(`${isa}|${batch}`)!);
    const c = median(cpu.get(`${isa}|${batch}`)!);
    const bw = median(wall.get(`${base}|${batch}`)!);
    const bc = median(cpu.get(`${base}|${batch}`)!);
    rows.push(
      `| ${batch} | ${isa} | ${w.toFixed(1)} | ${((1000 * batch) / w).toFixed(1)} | ${c.toFixed(1)} | ` +
        `${((100 * bw) / w).toFixed(0)} % | ${((100 * bc) / c).toFixed(0)} % |`,
    );
  }
}
const report = `# fp32 kernel sets of the native engine (ResNet-50, 224×224)

CPU: ${cpuModel}. Threads: ${threads}. Load average before: ${loadBefore}, after: ${load()}
(other sessions share the machine: the kernel sets take turns, medians of ${rounds * iters} passes each).

Command: \`node dist/bench/isa_compare.js --isas ${isas.join(',')} --batches ${batches.join(',')} --threads ${threads} --rounds ${rounds} --iters ${iters}\`.

Throughput relative to ${isas[0]}: from the wall time and from the CPU time of the process per pass.

| batch | kernels | wall ms | img/s | CPU ms | throughput (wall) | throughput (CPU) |
| --- | --- | --- | --- | --- | --- | --- |
${rows.join('\n')}
`;
await writeMarkdown(values.out, report);
process.stdout.write(report);
