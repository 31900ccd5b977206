/**
 * What a KServe v2 request costs the server before the model runs: parsing and checking one
 * request of N 224×224 images sent as JSON numbers (the protocol's default) and as binary tensor
 * data (Triton's extension), in one thread (the server does this in a decoder thread), the kinds
 * taking turns; request size and median milliseconds per image. The binary body is placed as the
 * server's readBody places it (its floats 4-byte aligned: read where they lie) and one byte off
 * (copied out first).
 *
 *   npm run build && node dist/bench/kserve_parse.js [--images 1,8] [--rounds 5] [--iters 10]
 *       > bench/results/kserve_parse.md
 */
import { parseArgs } from 'node:util';
import { bodyPad } from '../src/serve/body.js';
import { parseInferBody, type InferLimits } from '../src/serve/kserve.js';
import { binaryTensorBody } from '../test/helpers/serve.js';
import { cpuLine, loadAverage } from './machine.js';

const { values } = parseArgs({
  options: {
    images: { type: 'string', default: '1,8' },
    rounds: { type: 'string', default: '5' },
    iters: { type: 'string', default: '10' },
  },
});
const ROUNDS = Number(values.rounds);
const ITERS = Number(values.iters);
const LIMITS: InferLimits = { maxImages: 64, maxValues: 2 ** 28, outputSizes: { logits: 1000, pool: 2048 } };

const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[xs.length >> 1];

/** `body` copied `offset` bytes into a buffer of its own. */
function placed(body: Uint8Array, offset: number): Uint8Array {
  const out = new Uint8Array(offset + body.length).subarray(offset);
  out.set(body);
  return out;
}

process.stdout.write('# KServe v2 request parsing: JSON numbers vs binary tensor data\n\n');
process.stdout.write(
  `CPU: ${cpuLine()}; load ${loadAverage()}; ${process.version}; ${new Date().toISOString().slice(0, 16)}Z\n\n`,
);
process.stdout.write(
  `\`node dist/bench/kserve_parse.js --images ${values.images} --rounds ${ROUNDS} --iters ${ITERS}\`: one thread, the kinds taking turns, median of ${ROUNDS * ITERS} parses each.\n\n`,
);
process.stdout.write(
  '| images | kind | request bytes | median ms per request | ms per image |\n| --: | --- | --: | --: | --: |\n',
);
for (const n of values.images!.split(',').map(Number)) {
  const shape = [n, 3, 224, 224];
  const x = Float32Array.from({ length: n * 3 * 224 * 224 }, (_, i) => Math.sin(i * 0.001) * 2.1);
  const input = { name: 'input', shape, datatype: 'FP32' };
  const json = new TextEncoder().encode(JSON.stringify({ inputs: [{ ...input, data: Array.from(x) }] }));
  const binary = binaryTensorBody(
    { inputs: [{ ...input, parameters: { binary_data_size: x.length * 4 } }] },
    [x],
  );
  const header = binary.headers['Inference-Header-Content-Length']!;
  const inPlace = placed(binary.body, bodyPad(Number(header)));
  const offByOne = placed(binary.body, bodyPad(Number(header)) + 1);
  const kinds = [
    { kind: 'JSON numbers', bytes: json, run: () => parseInferBody(json, LIMITS) },
    {
      kind: 'binary tensor data, aligned (read in place)',
      bytes: inPlace,
      run: () => parseInferBody(inPlace, LIMITS, header),
    },
    {
      kind: 'binary tensor data, one byte off (copied)',
      bytes: offByOne,
      run: () => parseInferBody(offByOne, LIMITS, header),
    },
  ];
  const times = kinds.map(() => [] as number[]);
  for (let r = 0; r < ROUNDS; r++) {
    kinds.forEach((k, i) => {
      k.run();
      for (let it = 0; it < ITERS; it++) {
        const t0 = performance.now();
        k.run();
        times[i].push(performance.now() - t0);
      }
    });
  }
  kinds.forEach((k, i) => {
    const ms = median(times[i]);
    process.stdout.write(
      `| ${n} | ${k.kind} | ${k.bytes.length} | ${ms.toFixed(2)} | ${(ms / n).toFixed(2)} |\n`,
    );
  });
}
