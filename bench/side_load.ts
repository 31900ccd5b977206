/**
 * What a little other work on the same cores costs the engine: ResNet-50 batch-8 passes (native,
 * all cores) alone and beside a side load that keeps one thread busy a fixed share of the time,
 * either an ALU loop (takes CPU time only) or the server's own decoding work (224×224 PNG uploads
 * decoded and normalized as `resnet50 serve --preset none` does, which also takes cache and memory
 * traffic). The conditions take turns round by round; each row gives the median pass rate, the
 * engine's CPU time per image (this process's CPU; the side load runs in a child process) and the
 * share of the machine the side load took.
 *
 * A server at concurrency 16 is the engine plus such a side load (HTTP, decoding, the load
 * generator): ideal sharing would leave the engine 1 − share of its rate.
 *
 *   npm run build && node dist/bench/side_load.js [--duty 0.2] [--rounds 3] [--passes 12]
 *       [--out bench/results/side_load.md]
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { cpus } from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { nativeAddon } from '../src/backends/native/addon.js';
import { resnet } from '../src/model/resnet.js';
import { createRunner } from '../src/tasks/runner.js';
import { Tensor } from '../src/tensor/tensor.js';
import { cpuLine, loadAverage, lscpuField } from './machine.js';
import { writeMarkdown } from './markdown.js';

const { values } = parseArgs({
  options: {
    duty: { type: 'string', default: '0.2' },
    rounds: { type: 'string', default: '3' },
    passes: { type: 'string', default: '12' },
    out: { type: 'string', default: 'bench/results/side_load.md' },
  },
});
const DUTY = Number(values.duty);
const ROUNDS = Number(values.rounds);
const PASSES = Number(values.passes);
const BATCH = 8;
const CHILD = fileURLToPath(new URL('./side_load_child.js', import.meta.url));
const progress = (line: string): void => void process.stderr.write(`${line}\n`);

if (nativeAddon() === null) throw new Error('side_load needs the native engine (npm install builds it).');
type Kind = 'alone' | 'alu' | 'decode';
const KINDS: Kind[] = ['alone', 'alu', 'decode'];

/** The side load as a child process; resolves once it runs, `stop()` returns its CPU seconds. */
async function sideLoad(kind: Exclude<Kind, 'alone'>): Promise<{ stop(): Promise<number> }> {
  const child: ChildProcess = spawn(process.execPath, [CHILD, kind, String(DUTY)], {
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  let out = '';
  child.stdout!.on('data', (c: Buffer) => (out += c.toString()));
  await new Promise<void>((resolve, reject) => {
    child.stdout!.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`side load exited with ${code}`)));
  });
  return {
    stop: () =>
      new Promise((resolve) => {
        child.once('exit', () => resolve(Number(/cpu (\S+)/.exec(out)?.[1] ?? NaN)));
        child.stdin!.end();
      }),
  };
}

const model = resnet('resnet50');
const runner = createRunner(model, { backend: 'native' });
const x = Tensor.zeros([BATCH, 3, 224, 224]);
for (let i = 0; i < x.size; i++) x.data[i] = Math.sin(i * 0.37);
for (let i = 0; i < 3; i++) await runner.forward(x);

interface Sample {
  imgPerSec: number;
  cpuMsPerImage: number;
  sideShare: number;
}
const samples = new Map<Kind, Sample[]>(KINDS.map((k) => [k, []]));
const loadBefore = loadAverage();
for (let round = 0; round < ROUNDS; round++) {
  for (const kind of KINDS) {
    const side = kind === 'alone' ? null : await sideLoad(kind);
    const times: number[] = [];
    const cpu0 = process.cpuUsage();
    const t0 = performance.now();
    for (let i = 0; i < PASSES; i++) {
      const t = performance.now();
      await runner.forward(x);
      times.push(performance.now() - t);
    }
    const wallS = (performance.now() - t0) / 1000;
    const cpu = process.cpuUsage(cpu0);
    const sideCpuS = side === null ? 0 : await side.stop();
    times.sort((a, b) => a - b);
    const s: Sample = {
      imgPerSec: (1000 * BATCH) / times[times.length >> 1],
      cpuMsPerImage: (cpu.user + cpu.system) / 1000 / (BATCH * PASSES),
      sideShare: sideCpuS / (wallS * cpus().length),
    };
    samples.get(kind)!.push(s);
    progress(
      `round ${round + 1} ${kind}: ${s.imgPerSec.toFixed(1)} img/s, ${s.cpuMsPerImage.toFixed(1)} ms CPU/img, side load ${(100 * s.sideShare).toFixed(1)} % of the machine`,
    );
  }
}
runner.dispose();

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1];
const alone = samples.get('alone')!;
const rows = KINDS.map((kind) => {
  const s = samples.get(kind)!;
  // Each round's rate against the same round's engine alone, then the median.
  const ratio = median(s.map((v, i) => v.imgPerSec / alone[i].imgPerSec));
  const share = median(s.map((v) => v.sideShare));
  return `| ${kind === 'alone' ? 'engine alone' : kind === 'alu' ? 'ALU loop beside it' : 'PNG decoding beside it'} | ${(100 * share).toFixed(1)} % | ${median(s.map((v) => v.imgPerSec)).toFixed(1)} | ${(100 * ratio).toFixed(0)} % | ${(100 * (1 - share)).toFixed(0)} % | ${median(s.map((v) => v.cpuMsPerImage)).toFixed(1)} |`;
});
const text = [
  '## The engine beside a side load',
  '',
  `ResNet-50 (random weights), native engine, batch ${BATCH} at 224×224, all ${cpus().length} cores; ${ROUNDS} rounds × ${PASSES} passes per condition, conditions in turn; the side load keeps one thread busy ${(100 * DUTY).toFixed(0)} % of the time (a child process).`,
  '',
  '| condition | side load, share of the machine | engine img/s (median pass) | vs engine alone (median of rounds) | ideal sharing | engine CPU ms per image |',
  '| --- | ---: | ---: | ---: | ---: | ---: |',
  ...rows,
  '',
  `Command: \`node dist/bench/side_load.js --duty ${DUTY} --rounds ${ROUNDS} --passes ${PASSES}\`; load average ${loadBefore} before, ${loadAverage()} after.`,
  '',
  `CPU: ${cpuLine()}. Flags: ${lscpuField('Flags')}`,
  '',
].join('\n');
process.stdout.write(text);
await writeMarkdown(values.out!, text);
