/**
 * ResNet-50 at 224×224, our native engine (fp32 and bf16) against PyTorch 1.13 on the same CPU (fp32
 * eager NCHW / channels_last / traced and frozen; bf16 `torch.autocast('cpu', dtype=torch.bfloat16)`
 * with channels_last, eager and traced and frozen), in one run (issue 17, point 5).
 *
 *   npm run build && node dist/bench/bf16_vs_torch.js [--rounds 5] [--iters 5] [--iters8 2] [--threads 2]
 *       [--python /usr/bin/python3] [--out bench/results/bf16_torch.md]
 *
 * The same weights on both sides: our `resnet('resnet50')` (torchvision's random initialization;
 * timing does not depend on the values) is written as a torch checkpoint that bench/torch_infer.py
 * loads strictly into torchvision's resnet50. That script is a long-lived Python process that keeps
 * its models warm and makes one forward pass per request (JSON lines over stdin/stdout). Every
 * variant is one runner of takeTurns (bench/take_turns.ts): for batch 1 (--iters timed passes per
 * turn) and batch 8 (--iters8), --rounds rounds in which each runner makes one untimed pass and its
 * timed ones, the order reversed every other round; only one side computes at a time. Medians of the
 * wall time per pass as Node sees it (a PyTorch pass includes the pipe round trip, measured and
 * reported). Both sides use --threads threads (our engine's pool, torch.set_num_threads).
 *
 * Then the logits of one batch-1 input from ours (fp32, bf16) and PyTorch (fp32, bf16 autocast eager
 * and traced): cosine similarity and max abs difference to PyTorch's and to our fp32 logits.
 *
 * Writes a markdown report (`lscpu`'s model and flags, oneDNN's ISA line, the load average before and
 * after) to --out, and prints it.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { nativeAddon } from '../src/backends/native/addon.js';
import { median } from '../src/cli/bench.js';
import { writeTorchCheckpoint } from '../src/io/weights/index.js';
import { resnet } from '../src/model/resnet.js';
import { createRunner } from '../src/tasks/runner.js';
import { Tensor } from '../src/tensor/tensor.js';
import { argmax } from '../src/train/evaluate.js';
import { cosineSimilarity } from '../test/helpers/compare.js';
import { cpuLine, loadAverage, lscpuField } from './machine.js';
import { writeMarkdown } from './markdown.js';
import { takeTurns } from './take_turns.js';

const REPO = fileURLToPath(new URL('../../', import.meta.url));
const HELPER = join(REPO, 'bench', 'torch_infer.py');
const DEFAULT_OUT = join(REPO, 'bench/results/bf16_torch.md');

const { values } = parseArgs({
  options: {
    rounds: { type: 'string', default: '5' },
    iters: { type: 'string', default: '5' },
    iters8: { type: 'string', default: '2' },
    threads: { type: 'string', default: '2' },
    python: { type: 'string', default: '/usr/bin/python3' },
    out: { type: 'string', default: DEFAULT_OUT },
  },
});
const rounds = Number(values.rounds);
const iters = Number(values.iters);
const iters8 = Number(values.iters8);
const threads = Number(values.threads);
const log = (s: string) => process.stderr.write(`${s}\n`);

/** sin(i * 0.37), as torch_infer.py's make_input. */
const input = (batch: number): Tensor => {
  const x = Tensor.zeros([batch, 3, 224, 224]);
  for (let i = 0; i < x.size; i++) x.data[i] = Math.sin(i * 0.37);
  return x;
};

/** bench/torch_infer.py as a child process: one JSON request line, one JSON reply line. */
class TorchProcess {
  private readonly child;
  private readonly waiting: ((line: string) => void)[] = [];
  private stderr = '';

  constructor(python: string, args: string[]) {
    this.child = spawn(python, [HELPER, ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
    createInterface({ input: this.child.stdout }).on('line', (line) => this.waiting.shift()?.(line));
    this.child.stderr.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.child.on('exit', (code) => {
      for (const w of this.waiting.splice(0))
        w(JSON.stringify({ error: `exited with ${code}: ${this.stderr}` }));
    });
  }

  async request<T>(request: Record<string, unknown>): Promise<T> {
    const line = await new Promise<string>((resolve) => {
      this.waiting.push(resolve);
      this.child.stdin.write(`${JSON.stringify(request)}\n`);
    });
    const reply = JSON.parse(line) as T & { error?: string };
    if (reply.error !== undefined)
      throw new Error(`torch_infer.py ${JSON.stringify(request)}: ${reply.error}`);
    return reply;
  }

  close(): void {
    this.child.stdin.end(`${JSON.stringify({ op: 'quit' })}\n`);
  }
}

const addon = nativeAddon();
if (addon === null) throw new Error('the native engine is not built');
const status = addon.configure({ threads });
const model = resnet('resnet50');
const dir = mkdtempSync(join(tmpdir(), 'resnet50-torchbf16-'));
const weights = join(dir, 'resnet50.pth');
writeTorchCheckpoint(weights, model.stateDict());

const isaProbe = spawnSync(values.python, [HELPER, '--onednn-isa'], { encoding: 'utf8' });
const onednnIsa = /isa:([^\n]*)/.exec(isaProbe.stdout)?.[1] ?? `unknown (${isaProbe.stderr.trim()})`;
const torch = new TorchProcess(values.python, ['--threads', String(threads), '--weights', weights]);
const info = await torch.request<{ torch: string; torchvision: string; threads: number; modes: string[] }>({
  op: 'info',
});
log(`torch ${info.torch}, torchvision ${info.torchvision}, ${info.threads} threads; oneDNN ${onednnIsa}`);
for (const batch of [1, 8]) {
  for (const mode of info.modes) {
    const r = await torch.request<{ seconds: number }>({ op: 'prepare', mode, batch });
    log(`PyTorch ${mode} batch ${batch}: prepared in ${r.seconds.toFixed(1)} s`);
  }
}

const ours = {
  fp32: createRunner(model, { backend: 'native' }),
  bf16: createRunner(model, { backend: 'native', precision: 'bf16' }),
};
const torchRunner = (mode: string) => ({
  forward: (x: Tensor) => torch.request({ op: 'run', mode, batch: x.shape[0] }),
});
const runners = new Map<string, { forward(x: Tensor): Promise<unknown> }>([
  ['ours fp32', ours.fp32],
  ...info.modes.filter((m) => m.startsWith('fp32')).map((m) => [m, torchRunner(m)] as const),
  ['ours bf16', ours.bf16],
  ...info.modes.filter((m) => m.startsWith('bf16')).map((m) => [m, torchRunner(m)] as const),
]);

const loadBefore = loadAverage();
const wall = new Map([
  ...(await takeTurns(runners, [1], rounds, iters, input, log)).wall,
  ...(await takeTurns(runners, [8], rounds, iters8, input, log)).wall,
]);
const loadAfter = loadAverage();
const pings: number[] = [];
for (let i = 0; i < 20; i++) {
  const t0 = performance.now();
  await torch.request({ op: 'ping' });
  pings.push(performance.now() - t0);
}

// Numerics: one batch-1 input through every side.
const x1 = input(1);
const logits = new Map<string, Float32Array>([
  ['ours fp32', (await ours.fp32.forward(x1)).data],
  ['ours bf16', (await ours.bf16.forward(x1)).data],
]);
for (const mode of ['fp32-nchw', 'bf16-eager', 'bf16-jit']) {
  logits.set(
    mode,
    Float32Array.from((await torch.request<{ logits: number[] }>({ op: 'logits', mode })).logits),
  );
}
torch.close();
ours.fp32.dispose();
ours.bf16.dispose();
rmSync(dir, { recursive: true, force: true });

const maxAbs = (a: Float32Array, b: Float32Array) =>
  a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i])), 0);

const ms = (name: string, batch: number) => median(wall.get(`${name}|${batch}`)!);
const ips = (name: string) => (8 * 1000) / ms(name, 8);
/** The fastest of the PyTorch modes of one precision at one batch. */
const best = (precision: string, batch: number) =>
  info.modes.filter((m) => m.startsWith(precision)).reduce((a, b) => (ms(b, batch) < ms(a, batch) ? b : a));
const side = (precision: 'fp32' | 'bf16') => ({
  ours1: ms(`ours ${precision}`, 1),
  ours8: ips(`ours ${precision}`),
  torch1: ms(best(precision, 1), 1),
  torch8: ips(best(precision, 8)),
  mode1: best(precision, 1),
  mode8: best(precision, 8),
});
const fp32 = side('fp32');
const bf16 = side('bf16');
const reference = logits.get('fp32-nchw')!;
const oursFp32 = logits.get('ours fp32')!;
const command =
  (process.env.OMP_WAIT_POLICY === undefined ? '' : `OMP_WAIT_POLICY=${process.env.OMP_WAIT_POLICY} `) +
  `node dist/bench/bf16_vs_torch.js --rounds ${rounds} --iters ${iters} --iters8 ${iters8} --threads ${threads}` +
  (values.python === '/usr/bin/python3' ? '' : ` --python ${values.python}`) +
  (resolve(values.out) === DEFAULT_OUT ? '' : ` --out ${relative(REPO, resolve(values.out))}`);

const flags = lscpuField('Flags').split(' ');
const amxNote = flags.includes('amx_bf16')
  ? "This CPU has AMX: PyTorch's oneDNN runs bf16 on AMX tiles, as on the machines issue 17's bf16 targets are for."
  : `**No AMX**: this CPU ${flags.includes('avx512_bf16') ? 'has AVX512-BF16 (`vdpbf16ps`), where both engines run bf16 on AVX-512 dot products' : 'has no AVX512-BF16 either'}. Issue 17's bf16 targets (our batch-1 latency ≤ 0.8× and batch-8 throughput ≥ 1.25× PyTorch bf16's) are for AMX machines, where PyTorch's oneDNN uses AMX tiles; these figures do not test them.`;
const report = `# ResNet-50 fp32 and bf16: our native engine against PyTorch ${info.torch} on this CPU

CPU: ${cpuLine()}. ${amxNote}

Threads: ${threads} on both sides (our engine's pool; \`torch.set_num_threads(${threads})\`, OpenMP with
\`OMP_WAIT_POLICY\` ${process.env.OMP_WAIT_POLICY ?? 'unset (the default)'}).
PyTorch ${info.torch} / torchvision ${info.torchvision} (Debian's \`python3-torch\`, run with
\`${values.python}\`); its oneDNN reports \`isa:${onednnIsa}\`. Our kernels: fp32 ${status.isa},
bf16 ${status.bf16}.

Load average before: ${loadBefore}, after: ${loadAfter} (other sessions share the 2 cores: every
variant takes turns with the others, only one computes at a time, medians over all timed passes).
On a loaded machine the figures also measure how each thread pool copes with a core taken by another
process; only a quiet run measures the kernels alone.

Command: \`${command}\`.

## Speed (ResNet-50, 224×224)

| precision | side | batch 1 latency (ms) | batch 8 throughput (img/s) |
| --- | --- | --- | --- |
| fp32 | ours (${status.isa}) | ${fp32.ours1.toFixed(1)} | ${fp32.ours8.toFixed(1)} |
| fp32 | PyTorch (fastest: ${fp32.mode1} at batch 1, ${fp32.mode8} at batch 8) | ${fp32.torch1.toFixed(1)} | ${fp32.torch8.toFixed(1)} |
| bf16 | ours (${status.bf16}) | ${bf16.ours1.toFixed(1)} | ${bf16.ours8.toFixed(1)} |
| bf16 | PyTorch autocast (fastest: ${bf16.mode1} at batch 1, ${bf16.mode8} at batch 8) | ${bf16.torch1.toFixed(1)} | ${bf16.torch8.toFixed(1)} |

- bf16 batch 1 latency, ours / PyTorch: **${(bf16.ours1 / bf16.torch1).toFixed(2)}×** (issue target on AMX: ≤ 0.8×).
- bf16 batch 8 throughput, ours / PyTorch: **${(bf16.ours8 / bf16.torch8).toFixed(2)}×** (issue target on AMX: ≥ 1.25×).
- fp32 batch 1 latency, ours / PyTorch: **${(fp32.ours1 / fp32.torch1).toFixed(2)}×**; batch 8 throughput, ours / PyTorch: **${(fp32.ours8 / fp32.torch8).toFixed(2)}×**.

Every PyTorch variant (eval, \`torch.no_grad()\`; jit = \`torch.jit.trace\` + \`torch.jit.freeze\`,
traced for each batch; bf16 jit traced under autocast with \`check_trace=False\` and the JIT's autocast
pass off, as torch 1.13 needs):

| variant | batch 1 latency (ms) | batch 8 throughput (img/s) |
| --- | --- | --- |
${[...runners.keys()].map((n) => `| ${n} | ${ms(n, 1).toFixed(1)} | ${ips(n).toFixed(1)} |`).join('\n')}

A PyTorch pass is timed in Node around its request, so it includes the pipe round trip: median
${median(pings).toFixed(2)} ms over 20 empty requests.

## Numerics (one batch-1 input, same weights)

| logits | cosine to PyTorch fp32 | max abs diff to PyTorch fp32 | cosine to ours fp32 | top-1 |
| --- | --- | --- | --- | --- |
${[...logits]
  .map(
    ([n, l]) =>
      `| ${n} | ${cosineSimilarity(l, reference).toFixed(6)} | ${maxAbs(l, reference).toPrecision(3)} | ${cosineSimilarity(l, oursFp32).toFixed(6)} | ${argmax(l)} |`,
  )
  .join('\n')}

The input is sin(i·0.37) (not an image) and the weights are torchvision's random initialization;
logits span ${Math.min(...reference).toFixed(1)} to ${Math.max(...reference).toFixed(1)}.
`;
await writeMarkdown(values.out, report);
process.stdout.write(report);
