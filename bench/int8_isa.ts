/**
 * The int8 kernel paths of the native engine against each other on ResNet-50 (torchvision's random
 * initialization, activation scales calibrated on the benchmark input as bench/int8.ts does;
 * timing does not depend on the values), on one CPU.
 *
 *   npm run build && node dist/bench/int8_isa.js [--paths avx512vnni,avxvnni] [--batches 1,8]
 *       [--rounds 4] [--iters 2] [--out bench/results/int8_isa_run.md]
 *
 * Every path in --paths that this CPU runs gets its own int8 plan (a plan keeps the kernels that
 * were configured when it was built). For each batch the paths take turns for --rounds rounds (A, B,
 * then B, A, …: drift on a shared machine hits all alike); each turn is one untimed pass and --iters
 * timed ones. Reported per path: the median wall time of a pass, images per second, the median CPU
 * time of the process per pass (user + system, all threads: on a busy machine it shows the kernels'
 * own cost, the wall time also the waits for a core), and the throughput relative to the first path.
 * Writes a markdown report (lscpu's model and flags, the load average before and after) to --out
 * and prints it.
 */
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { nativeAddon, type Int8Path } from '../src/backends/native/addon.js';
import { withBackend } from '../src/backends/registry.js';
import { median } from '../src/cli/bench.js';
import { resnet } from '../src/model/resnet.js';
import { calibrate, U8_LEVELS } from '../src/tasks/calibrate.js';
import { createRunner, type Runner } from '../src/tasks/runner.js';
import { Tensor } from '../src/tensor/tensor.js';
import { cpuLine, loadAverage } from './machine.js';
import { writeMarkdown } from './markdown.js';
import { takeTurns } from './take_turns.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const { values } = parseArgs({
  options: {
    paths: { type: 'string', default: 'avx512vnni,avxvnni' },
    batches: { type: 'string', default: '1,8' },
    rounds: { type: 'string', default: '4' },
    iters: { type: 'string', default: '2' },
    out: { type: 'string', default: join(REPO, 'bench/results/int8_isa_run.md') },
  },
});
const list = (s: string) => s.split(',').map((v) => v.trim());
const batches = list(values.batches).map(Number);
const rounds = Number(values.rounds);
const iters = Number(values.iters);
const log = (s: string) => process.stderr.write(`${s}\n`);

const addon = nativeAddon();
if (addon === null) throw new Error('the native engine is not built');
const original = addon.configure();
const model = resnet('resnet50');
const input = (batch: number): Tensor => {
  const x = Tensor.zeros([batch, 3, 224, 224]);
  for (let i = 0; i < x.size; i++) x.data[i] = Math.sin(i * 0.37);
  return x;
};
const thresholds = withBackend('native', () => calibrate(model, [input(1)]));
const inputScales = new Map([...thresholds].map(([k, t]) => [k, t / U8_LEVELS]));

// One plan per path, built (by its first pass) while that path is configured.
const runners = new Map<Int8Path, Runner>();
for (const path of list(values.paths) as Int8Path[]) {
  try {
    addon.configure({ int8: path });
  } catch {
    log(`${path}: not supported by this CPU, skipped`);
    continue;
  }
  const runner = createRunner(model, { backend: 'native', precision: 'int8', inputScales });
  await runner.forward(input(1));
  runners.set(path, runner);
}
addon.configure({ int8: original.int8 });
const paths = [...runners.keys()];
if (paths.length === 0) throw new Error(`none of ${values.paths} runs on this CPU`);

const loadBefore = loadAverage();
const { wall, cpu } = await takeTurns(runners, batches, rounds, iters, input, log);
for (const runner of runners.values()) runner.dispose();

const rows: string[] = [];
for (const batch of batches) {
  const bw = median(wall.get(`${paths[0]}|${batch}`)!);
  const bc = median(cpu.get(`${paths[0]}|${batch}`)!);
  for (const path of paths) {
    const w = median(wall.get(`${path}|${batch}`)!);
    const c = median(cpu.get(`${path}|${batch}`)!);
    rows.push(
      `| ${batch} | ${path} | ${w.toFixed(1)} | ${((1000 * batch) / w).toFixed(2)} | ${c.toFixed(1)} | ` +
        `${((100 * bw) / w).toFixed(0)} % | ${((100 * bc) / c).toFixed(0)} % |`,
    );
  }
}
const report = `# int8 kernel paths of the native engine (ResNet-50, 224×224)

CPU: ${cpuLine()}. Threads: ${original.threads}. Load average before: ${loadBefore}, after: ${loadAverage()}
(other sessions share the machine: the paths take turns, medians of ${rounds * iters} passes each).

Command: \`node dist/bench/int8_isa.js --paths ${paths.join(',')} --batches ${batches.join(',')} --rounds ${rounds} --iters ${iters}\`.

Throughput relative to ${paths[0]}: from the wall time and from the CPU time of the process per pass.

| batch | int8 path | wall ms | img/s | CPU ms | throughput (wall) | throughput (CPU) |
| --- | --- | --- | --- | --- | --- | --- |
${rows.join('\n')}
`;
await writeMarkdown(values.out, report);
process.stdout.write(report);
