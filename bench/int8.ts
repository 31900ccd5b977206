/**
 * int8 against bf16 and fp32 in the native engine on ResNet-50 (torchvision's random
 * initialization, activation scales calibrated on the benchmark input; timing does not depend on
 * the values).
 *
 *   npm run build && node dist/bench/int8.js [--rounds 5] [--iters 5] [--out bench/results/int8.md]
 *
 * Batch 1 latency and batch 8 throughput of fp32, bf16 and int8 (the best kernels this CPU has)
 * taking turns pass by pass in one process (one untimed pass each, then --rounds rounds of --iters
 * turns at batch 1, 2 at batch 8; in each turn every precision runs once, the order rotating, so
 * drift on a shared machine hits all alike); medians over all timed passes. The other int8 paths (avxvnni, the fp32-emulated
 * portable one) run batch 1 for 2 passes after. Writes a markdown report (with `lscpu`'s model and
 * VNNI/bf16 flags and the load average before and after) to --out, and prints it.
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

const REPO = fileURLToPath(new URL('../../', import.meta.url));

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    iters: { type: 'string', default: '5' },
    out: { type: 'string', default: join(REPO, 'bench/results/int8.md') },
  },
});
const rounds = Number(values.rounds);
const iters = Number(values.iters);
const log = (s: string) => process.stderr.write(`${s}\n`);

const input = (batch: number): Tensor => {
  const x = Tensor.zeros([batch, 3, 224, 224]);
  for (let i = 0; i < x.size; i++) x.data[i] = Math.sin(i * 0.37);
  return x;
};

async function timed(runner: Runner, x: Tensor): Promise<number> {
  const t0 = performance.now();
  await runner.forward(x);
  return performance.now() - t0;
}

const addon = nativeAddon();
if (addon === null) throw new Error('the native engine is not built');
const status = addon.configure();
const model = resnet('resnet50');
const thresholds = withBackend('native', () => calibrate(model, [input(1)]));
const inputScales = new Map([...thresholds].map(([k, t]) => [k, t / U8_LEVELS]));
const loadBefore = loadAverage();
const PRECISIONS = ['fp32', 'bf16', 'int8'] as const;
type P = (typeof PRECISIONS)[number];
const runners: Record<P, Runner> = {
  fp32: createRunner(model, { backend: 'native' }),
  bf16: createRunner(model, { backend: 'native', precision: 'bf16' }),
  int8: createRunner(model, { backend: 'native', precision: 'int8', inputScales }),
};
const speed: Record<P, Record<number, number[]>> = {
  fp32: { 1: [], 8: [] },
  bf16: { 1: [], 8: [] },
  int8: { 1: [], 8: [] },
};
for (const batch of [1, 8]) {
  const x = input(batch);
  for (const p of PRECISIONS) await runners[p].forward(x);
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < (batch === 1 ? iters : 2); i++) {
      const turn = r * iters + i;
      const order = PRECISIONS.map((_, k) => PRECISIONS[(k + turn) % PRECISIONS.length]);
      for (const p of order) speed[p][batch].push(await timed(runners[p], x));
    }
    log(
      `batch ${batch} round ${r + 1}: ` +
        PRECISIONS.map((p) => `${p} ${median(speed[p][batch]).toFixed(1)} ms`).join(', '),
    );
  }
}
const weightBytes = Object.fromEntries(PRECISIONS.map((p) => [p, runners[p].weightBytes()])) as Record<
  P,
  number
>;
for (const p of PRECISIONS) runners[p].dispose();

// The other int8 paths this CPU runs, batch 1.
const others: { path: Int8Path; ms: number }[] = [];
for (const path of ['amx', 'avx512vnni', 'avxvnni', 'fp32-emulated'] as const) {
  if (path === status.int8) continue;
  try {
    addon.configure({ int8: path });
  } catch {
    continue;
  }
  const runner = createRunner(model, { backend: 'native', precision: 'int8', inputScales });
  await runner.forward(input(1));
  others.push({ path, ms: median([await timed(runner, input(1)), await timed(runner, input(1))]) });
  runner.dispose();
  log(`int8 ${path} batch 1: ${others[others.length - 1].ms.toFixed(0)} ms`);
}
addon.configure({ int8: status.int8 });

const ms1 = (p: P) => median(speed[p][1]);
const ips8 = (p: P) => (8 * 1000) / median(speed[p][8]);
const kernels: Record<P, string> = { fp32: status.isa, bf16: status.bf16, int8: status.int8 };
const report = `# int8 vs bf16 and fp32 in the native engine (ResNet-50, 224×224)

CPU: ${cpuLine()}. Threads: ${status.threads}. Load average before: ${loadBefore}, after: ${loadAverage()}
(other sessions share the machine: the precisions take turns, medians).

Command: \`node dist/bench/int8.js --rounds ${rounds} --iters ${iters}\`.

int8 runs the ${inputScales.size} convolutions after a ReLU on u8 activations and s8 weights (int32
accumulation); the stem (7×7 on the image, which has negative values), the pools and the fc stay
float32.

## Speed

| precision (kernels) | batch 1 latency (ms) | batch 1 img/s | batch 8 throughput (img/s) |
| --- | --- | --- | --- |
${PRECISIONS.map((p) => `| ${p} (${kernels[p]}) | ${ms1(p).toFixed(1)} | ${(1000 / ms1(p)).toFixed(1)} | ${ips8(p).toFixed(1)} |`).join('\n')}
${others.map((o) => `| int8 (${o.path}) | ${o.ms.toFixed(0)} | ${(1000 / o.ms).toFixed(1)} | — |`).join('\n')}

int8 / bf16 throughput: batch 1 ${(ms1('bf16') / ms1('int8')).toFixed(2)}×, batch 8 ${(ips8('int8') / ips8('bf16')).toFixed(2)}×.
int8 / fp32 throughput: batch 1 ${(ms1('fp32') / ms1('int8')).toFixed(2)}×, batch 8 ${(ips8('int8') / ips8('fp32')).toFixed(2)}×.

## Memory

Packed weights the engine holds: fp32 ${(weightBytes.fp32 / 2 ** 20).toFixed(1)} MiB (with the Winograd
transforms built on first use), bf16 ${(weightBytes.bf16 / 2 ** 20).toFixed(1)} MiB, int8
${(weightBytes.int8 / 2 ** 20).toFixed(1)} MiB (the float32 stem and fc included).
`;
await writeMarkdown(values.out, report);
process.stdout.write(report);
