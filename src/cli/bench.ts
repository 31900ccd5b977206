/** `resnet50 bench`: median latency and throughput of the forward pass on a backend, after warm-up. */
import { nativeAddon } from '../backends/native/addon.js';
import { readActivationScales } from '../io/weights/index.js';
import { resnet, MIN_INPUT_SIZE } from '../model/resnet.js';
import { summarize } from '../model/summary.js';
import { checkArch, loadModel } from '../tasks/pretrained.js';
import { createRunner } from '../tasks/runner.js';
import { Tensor } from '../tensor/tensor.js';
import { ShapeError } from '../errors.js';
import type { Precision } from '../plan/plan.js';
import { PRECISION_HELP, precisionFlag } from './common.js';
import { checkBatchFlags, intFlag, sizeFlag, stringFlag, threadsFlag, type Command } from './args.js';

export interface BenchResult {
  backend: string;
  arch: string;
  batch: number;
  input: [number, number];
  threads: number;
  isa: string;
  /** fp32 or bf16. */
  precision: Precision;
  /** The kernels the convolutions ran on: isa for fp32, the bf16 or int8 path (amx, avx512bf16, ...) otherwise. */
  kernelPath: string;
  medianMs: number;
  imgPerSec: number;
  gflops: number;
  timesMs: number[];
}

export const median = (xs: readonly number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 === 1 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

export const benchCommand: Command = {
  name: 'bench',
  summary: 'median latency / throughput of the forward pass on a backend',
  help: `Usage: resnet50 bench [--weights W] [--arch resnet50] [--batch N] [--input S] [--backend B]
                      [--iters K] [--warmup K] [--threads T] [--json]

Times the model's forward pass on random input after warm-up and prints the median.
Without --weights the model keeps torchvision's random initialization (timing does not depend on
the values).

  --batch N      images per forward pass (default 1)
  --input S      224 (default) or HxW
  --backend B    native (default when built) or js
  --iters K      timed passes (default 20; 3 on the js backend)
  --warmup K     untimed passes first (default 3; 1 on js)
  --threads T    native engine threads (default: all cores)
${PRECISION_HELP}
  --json         {"backend","batch","input","medianMs","imgPerSec","gflops","precision","kernelPath",...}`,
  flags: {
    weights: { type: 'string' },
    arch: { type: 'string' },
    batch: { type: 'string' },
    input: { type: 'string' },
    backend: { type: 'string' },
    iters: { type: 'string' },
    warmup: { type: 'string' },
    threads: { type: 'string' },
    precision: { type: 'string' },
    json: { type: 'boolean' },
  },
  async run(values) {
    const arch = checkArch(stringFlag(values, 'arch') ?? 'resnet50');
    const batch = intFlag(values, 'batch', 1);
    const [height, width] = sizeFlag(values, 'input', 224);
    if (height < MIN_INPUT_SIZE || width < MIN_INPUT_SIZE) {
      throw new ShapeError(
        `--input ${height}x${width} is smaller than the ${MIN_INPUT_SIZE}×${MIN_INPUT_SIZE} minimum of ResNet.`,
      );
    }
    checkBatchFlags(arch, batch, [height, width], false, 'input');
    const threadsWanted = threadsFlag(values);
    const precision = precisionFlag(values);
    const weights = stringFlag(values, 'weights');
    const loaded = weights === undefined ? undefined : await loadModel({ arch, weights });
    const model = loaded?.model ?? resnet(arch);
    // int8 runs on the activation scales of a file `resnet50 quantize` wrote.
    const inputScales =
      precision === 'int8' && loaded !== undefined ? readActivationScales(loaded.weightsPath) : undefined;
    const runner = createRunner(model, { backend: stringFlag(values, 'backend'), precision, inputScales });
    const js = runner.backend === 'js';
    let threads = 1;
    let isa = 'typescript';
    const addon = nativeAddon();
    if (!js && addon !== null) {
      ({ threads, isa } = addon.configure(threadsWanted === undefined ? {} : { threads: threadsWanted }));
    }
    const result = await benchmark(runner.forward, model, arch, {
      batch,
      height,
      width,
      iters: intFlag(values, 'iters', js ? 3 : 20),
      warmup: intFlag(values, 'warmup', js ? 1 : 3, 0),
    });
    const out: BenchResult = {
      backend: runner.backend,
      arch,
      ...result,
      threads,
      isa,
      precision,
      kernelPath: runner.kernelPath,
    };
    if (values.json === true) {
      process.stdout.write(`${JSON.stringify(out)}\n`);
      return;
    }
    process.stdout.write(
      `${arch} on ${out.backend} (${precision} on ${out.kernelPath}, ${threads} thread${threads > 1 ? 's' : ''}), batch ${batch} at ${height}×${width}: ` +
        `median ${out.medianMs.toFixed(1)} ms, ${out.imgPerSec.toFixed(1)} img/s, ${out.gflops.toFixed(0)} GFLOP/s\n`,
    );
  },
};

export async function benchmark(
  forward: (x: Tensor) => Promise<Tensor>,
  model: Parameters<typeof summarize>[0],
  arch: string,
  opts: { batch: number; height: number; width: number; iters: number; warmup: number },
): Promise<Omit<BenchResult, 'backend' | 'threads' | 'isa' | 'arch' | 'precision' | 'kernelPath'>> {
  const { batch, height, width } = opts;
  const x = Tensor.zeros([batch, 3, height, width]);
  for (let i = 0; i < x.size; i++) x.data[i] = Math.sin(i * 0.37);
  for (let i = 0; i < opts.warmup; i++) await forward(x);
  const timesMs: number[] = [];
  for (let i = 0; i < opts.iters; i++) {
    const t0 = performance.now();
    await forward(x);
    timesMs.push(performance.now() - t0);
  }
  const medianMs = median(timesMs);
  const macs = summarize(model, arch, height, width).totalMacs * batch;
  return {
    batch,
    input: [height, width],
    medianMs,
    imgPerSec: (batch * 1000) / medianMs,
    gflops: (2 * macs) / (medianMs * 1e6),
    timesMs,
  };
}
