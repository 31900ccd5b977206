/**
 * Every kernel of every registered backend against the reference backend (js). The case table is
 * typed by the Backend interface's keys: a kernel added to the interface without a case here does
 * not compile, so the list cannot fall behind. Each case runs the kernel on both backends with the
 * same inputs and compares every tensor it returns (or updates in place) within the case's
 * tolerance, printing max abs and relative error on failure. Shapes are small and odd on purpose
 * (channel counts that are not multiples of a register tile, non-square planes).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Backend } from '../src/backends/backend.js';
import { createJsBackend } from '../src/backends/js/index.js';
import { getBackend, listBackends, setBackend } from '../src/backends/registry.js';
import { Tensor } from '../src/tensor/tensor.js';
import { assertClose } from './helpers/compare.js';
import { NATIVE_SKIP } from './helpers/native.js';

type KernelName = Exclude<keyof Backend, 'name'>;
/** What a case compares: the tensors (or numbers) a kernel returned or updated. */
type Outputs = (Tensor | number | null)[];
interface ParityCase {
  /** Relative tolerance (0: bit-identical). */
  rtol: number;
  run(k: Backend): Outputs;
}

function rand(shape: number[], seed: number, scale = 1, offset = 0): Tensor {
  const t = Tensor.zeros(shape);
  for (let i = 0; i < t.size; i++) t.data[i] = offset + scale * Math.sin(i * 12.9898 + seed * 78.233 + 0.5);
  return t;
}
const positive = (shape: number[], seed: number) => rand(shape, seed, 0.4, 1);
const conv = { stride: [2, 1] as const, padding: [1, 2] as const, dilation: [1, 1] as const, groups: 1 };
const pool = { kernelSize: [3, 3] as const, stride: [2, 2] as const, padding: [1, 1] as const };
const x4 = () => rand([2, 19, 9, 11], 1);
const labels = Int32Array.from([3, 0, 6]);

const CASES: { [K in KernelName]: ParityCase } = {
  conv2d: { rtol: 1e-5, run: (k) => [k.conv2d(x4(), rand([21, 19, 3, 5], 2, 0.3), rand([21], 3), conv)] },
  batchNorm2d: {
    rtol: 1e-6,
    run: (k) => [k.batchNorm2d(x4(), rand([19], 4), positive([19], 5), rand([19], 6), rand([19], 7), 1e-5)],
  },
  relu: { rtol: 0, run: (k) => [k.relu(x4())] },
  maxPool2d: { rtol: 0, run: (k) => [k.maxPool2d(x4(), pool)] },
  adaptiveAvgPool2d: { rtol: 1e-6, run: (k) => [k.adaptiveAvgPool2d(x4(), 1, 1)] },
  adaptiveMaxPool2d: { rtol: 0, run: (k) => [k.adaptiveMaxPool2d(x4(), 1, 1)] },
  add: { rtol: 0, run: (k) => [k.add(x4(), rand([2, 19, 9, 11], 8))] },
  linear: { rtol: 1e-5, run: (k) => [k.linear(rand([3, 37], 9), rand([11, 37], 10), rand([11], 11))] },
  softmax: { rtol: 1e-6, run: (k) => [k.softmax(rand([3, 13], 12, 5))] },
  zeroPadShortcut: { rtol: 0, run: (k) => [k.zeroPadShortcut(x4(), 40, 2)] },
  roiAlign: {
    rtol: 1e-6,
    run: (k) => {
      const rois = Float32Array.from([0, 1.5, 2, 30, 25, 1, 0, 0, 17.3, 40.1, 0, 10, 5, 12, 8]);
      return [k.roiAlign(rand([2, 5, 12, 16], 13), rois, 7, 6, 0.25, 2, true)];
    },
  },
  conv2dBackward: {
    rtol: 1e-5,
    run: (k) => {
      const g = k.conv2dBackward(x4(), rand([21, 19, 3, 5], 2, 0.3), rand([2, 21, 5, 11], 14), conv, true);
      return [g.dx, g.dweight, g.dbias];
    },
  },
  batchNorm2dTrain: {
    rtol: 1e-5,
    run: (k) => {
      const s = k.batchNorm2dTrain(
        rand([3, 17, 5, 6], 15, 1, 0.3),
        rand([17], 16),
        rand([17], 17),
        1e-5,
        true,
      );
      return [s.out, s.mean, s.variance, s.invstd];
    },
  },
  batchNorm2dBackward: {
    rtol: 1e-4,
    run: (k) => {
      const x = rand([3, 17, 5, 6], 15, 1, 0.3);
      const s = createJsBackend().batchNorm2dTrain(x, rand([17], 16), rand([17], 17), 1e-5, true);
      const g = k.batchNorm2dBackward(rand([3, 17, 5, 6], 18), x, s.mean, s.invstd, rand([17], 16), s.out);
      return [g.dx, g.dweight, g.dbias];
    },
  },
  reluBackward: {
    rtol: 0,
    run: (k) => [k.reluBackward(rand([2, 19, 9, 11], 19), createJsBackend().relu(x4()))],
  },
  maxPool2dBackward: {
    rtol: 0,
    run: (k) => [k.maxPool2dBackward(rand([2, 19, 5, 6], 20), x4(), pool)],
  },
  adaptiveAvgPool2dBackward: {
    rtol: 1e-6,
    run: (k) => [k.adaptiveAvgPool2dBackward(rand([2, 19, 1, 1], 21), [2, 19, 9, 11])],
  },
  linearBackward: {
    rtol: 1e-5,
    run: (k) => {
      const g = k.linearBackward(rand([3, 11], 22), rand([3, 37], 9), rand([11, 37], 10));
      return [g.dx, g.dweight, g.dbias];
    },
  },
  crossEntropy: {
    rtol: 1e-6,
    run: (k) => {
      const r = k.crossEntropy(rand([3, 7], 23, 4), labels, 0.1);
      return [r.loss, r.dlogits];
    },
  },
  zeroPadShortcutBackward: {
    rtol: 0,
    run: (k) => [k.zeroPadShortcutBackward(rand([2, 40, 5, 6], 24), [2, 19, 9, 11], 2)],
  },
  accumulate: {
    rtol: 0,
    run: (k) => {
      const target = rand([5, 1001], 25);
      k.accumulate(target, rand([5, 1001], 26));
      return [target];
    },
  },
  sgdStep: {
    rtol: 0,
    run: (k) => {
      const param = rand([3, 1001], 27);
      const buf = rand([3, 1001], 28, 0.1);
      const hyper = { lr: 0.05, momentum: 0.9, dampening: 0, weightDecay: 1e-4, nesterov: true };
      k.sgdStep(param, rand([3, 1001], 29), buf, { ...hyper, firstStep: false });
      k.sgdStep(param, rand([3, 1001], 30), null, { ...hyper, momentum: 0, firstStep: true });
      return [param, buf];
    },
  },
};

const reference = createJsBackend();
const kernels = Object.keys(reference).filter((key) => key !== 'name') as KernelName[];

test('the case table covers exactly the kernels of the reference backend', () => {
  assert.deepEqual([...kernels].sort(), Object.keys(CASES).sort());
});

for (const name of listBackends().filter((b) => b !== 'js')) {
  test(
    `backend '${name}': every kernel matches the reference kernel`,
    { skip: name === 'native' && NATIVE_SKIP },
    async (t) => {
      setBackend(name);
      const backend = getBackend();
      setBackend('js');
      for (const kernel of kernels) {
        const c = CASES[kernel];
        const expected = c.run(reference);
        const actual = c.run(backend);
        assert.equal(actual.length, expected.length, kernel);
        expected.forEach((e, i) => {
          const a = actual[i];
          if (e === null || a === null) return assert.equal(a, e, `${kernel} output ${i}`);
          if (typeof e === 'number') return assertClose([a as number], [e], c.rtol, `${kernel} output ${i}`);
          assert.deepEqual((a as Tensor).shape, e.shape, `${kernel} output ${i} shape`);
          const stats = assertClose((a as Tensor).data, e.data, c.rtol, `${name} ${kernel} output ${i}`);
          if (i === 0) t.diagnostic(`${kernel}: relative ${stats.rel.toExponential(2)}`);
        });
      }
    },
  );
}
