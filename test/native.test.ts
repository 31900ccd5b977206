/**
 * The native engine against the TypeScript reference: full models (fused plans) at 224 and odd sizes,
 * batch 1 and 3, v1 and zero-pad variants, every instruction set this CPU has; each native kernel
 * behind the Backend interface; the torchvision goldens; the event loop stays free; the fallback.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { nativeAddon, type Isa } from '../src/backends/native/addon.js';
import { createRunner } from '../src/tasks/runner.js';
import type { Conv2dParams } from '../src/backends/backend.js';
import { withBackend } from '../src/backends/registry.js';
import { resnet, type ArchName, type ResNetOptions } from '../src/model/resnet.js';
import * as ops from '../src/ops/index.js';
import { Tensor } from '../src/tensor/tensor.js';
import { ShapeError } from '../src/errors.js';
import { batchTensors, preprocess } from '../src/data/transforms.js';
import { readImage } from '../src/io/image.js';
import { assertClose } from './helpers/compare.js';
import { NATIVE_SKIP } from './helpers/native.js';
import { runCli } from './helpers/cli.js';
import { ruleStateDict, ruleTensor } from './helpers/rule_weights.js';

const RTOL = 1e-4;
const addon = nativeAddon();

test('the native addon reports the kernel set and threads it runs', { skip: NATIVE_SKIP }, () => {
  const { isa, threads } = addon!.configure();
  assert.ok(['avx512', 'avx2', 'portable'].includes(isa));
  assert.ok(threads >= 1);
});

function ruleModel(arch: ArchName, options: ResNetOptions = {}) {
  const model = resnet(arch, { ...options, init: 'none' });
  model.loadStateDict(ruleStateDict(model));
  return model;
}

const cases: [string, ArchName, ResNetOptions, number[]][] = [
  ['resnet50 224 batch 1', 'resnet50', {}, [1, 3, 224, 224]],
  ['resnet50 231×257 batch 3', 'resnet50', {}, [3, 3, 231, 257]],
  ['resnet50 v1 97×64', 'resnet50', { variant: 'v1' }, [1, 3, 97, 64]],
  ['resnet50 zero-pad 64×80 batch 2', 'resnet50', { shortcut: 'zero-pad' }, [2, 3, 64, 80]],
  ['resnet18 10 classes 33×45', 'resnet18', { numClasses: 10 }, [1, 3, 33, 45]],
  ['resnet50 max pooling, no top', 'resnet50', { includeTop: false, pooling: 'max' }, [1, 3, 64, 64]],
  ['resnet50 plain twin (no skip connections)', 'resnet50', { residual: false }, [1, 3, 64, 48]],
];

for (const [name, arch, options, shape] of cases) {
  test(`fused native plan matches the reference: ${name}`, { skip: NATIVE_SKIP }, async (t) => {
    const model = ruleModel(arch, options);
    const x = ruleTensor('input', shape);
    const expected = model.call(x);
    const actual = await createRunner(model, { backend: 'native' }).forward(x);
    assert.deepEqual(actual.shape, expected.shape);
    t.diagnostic(JSON.stringify(assertClose(actual.data, expected.data, RTOL, name)));
  });
}

test(
  'every instruction set this CPU supports gives the reference numbers',
  { skip: NATIVE_SKIP },
  async (t) => {
    // resnet18 at 64×72: F(2×2) Winograd and direct 3×3 convs; resnet50 at 120×112: F(4×4) on the
    // 30×28 maps, 1×1 convs on wide and narrow rows, partial pixel tiles of every kernel set.
    const cases = [
      { name: 'resnet18 2×3×64×72', model: ruleModel('resnet18'), x: ruleTensor('input', [2, 3, 64, 72]) },
      {
        name: 'resnet50 1×3×120×112',
        model: ruleModel('resnet50'),
        x: ruleTensor('input', [1, 3, 120, 112]),
      },
    ];
    const expected = cases.map((c) => c.model.call(c.x));
    const original = addon!.configure();
    try {
      for (const isa of ['avx512', 'avx2', 'portable'] as Isa[]) {
        try {
          addon!.configure({ isa });
        } catch {
          t.diagnostic(`${isa}: not supported by this CPU`);
          continue;
        }
        for (const [i, c] of cases.entries()) {
          const actual = await createRunner(c.model, { backend: 'native' }).forward(c.x);
          t.diagnostic(
            JSON.stringify(assertClose(actual.data, expected[i].data, RTOL, `${c.name} on ${isa}`)),
          );
        }
      }
    } finally {
      addon!.configure({ isa: original.isa });
    }
  },
);

test('one, two and three threads give the reference numbers', { skip: NATIVE_SKIP }, async (t) => {
  const model = ruleModel('resnet50');
  // Batch 1 on 3 threads splits the Winograd convs' output channels in three uneven parts.
  const inputs = [2, 1].map((n) => ruleTensor('input', [n, 3, 96, 64]));
  const expected = inputs.map((x) => model.call(x));
  const original = addon!.configure();
  try {
    for (const threads of [1, 2, 3]) {
      addon!.configure({ threads });
      for (const [i, x] of inputs.entries()) {
        const actual = await createRunner(model, { backend: 'native' }).forward(x);
        const what = `${threads} threads, batch ${x.shape[0]}`;
        t.diagnostic(JSON.stringify(assertClose(actual.data, expected[i].data, RTOL, what)));
      }
    }
  } finally {
    addon!.configure({ threads: original.threads });
  }
});

test(
  'torchvision goldens pass on the native engine (logits and pooled features)',
  { skip: NATIVE_SKIP },
  async (t) => {
    const goldens = JSON.parse(
      readFileSync(fileURLToPath(new URL('../../test/fixtures/model/goldens.json', import.meta.url)), 'utf8'),
    ) as Record<string, { logits: number[]; pool: number[]; inputShape: number[] }>;
    const model = ruleModel('resnet50');
    const native = createRunner(model, { backend: 'native' });
    const cat = preprocess(
      readImage(fileURLToPath(new URL('../../examples/images/chelsea.png', import.meta.url))),
      'imagenet-v1',
    );
    const g = goldens.resnet50_224;
    t.diagnostic(JSON.stringify(assertClose((await native.forward(cat)).data, g.logits, RTOL, 'logits 224')));
    t.diagnostic(
      JSON.stringify(assertClose((await native.features(cat, 'pool')).data, g.pool, RTOL, 'pool 224')),
    );
    const ns = goldens.resnet50_nonsquare;
    const y = await native.forward(ruleTensor('input', ns.inputShape));
    t.diagnostic(JSON.stringify(assertClose(y.data, ns.logits, RTOL, 'logits 193×257 batch 2')));
  },
);

test(
  'images given one by one run as one batch, bit for bit as their stacked batch, in fp32 and bf16',
  { skip: NATIVE_SKIP },
  async (t) => {
    const model = ruleModel('resnet18');
    const all = ruleTensor('input', [3, 3, 64, 48]);
    const each = all.size / 3;
    const images = [0, 1, 2].map((i) => new Tensor(all.data.slice(i * each, (i + 1) * each), [1, 3, 64, 48]));
    for (const precision of ['fp32', 'bf16'] as const) {
      const runner = createRunner(model, { backend: 'native', precision });
      for (const count of [1, 3]) {
        const some = images.slice(0, count);
        const names = ['output', 'pool'] as const;
        const stacked = await runner.outputs(batchTensors(some), names);
        const separate = await runner.outputsOfImages(some, names);
        for (const [i, name] of names.entries()) {
          assert.deepEqual(separate[i].shape, stacked[i].shape, `${precision} ${name} batch ${count}`);
          assert.deepEqual(separate[i].data, stacked[i].data, `${precision} ${name} batch ${count}`);
        }
      }
      const expected = model.call(batchTensors(images));
      const [y] = await runner.outputsOfImages(images, ['output']);
      if (precision === 'fp32')
        t.diagnostic(JSON.stringify(assertClose(y.data, expected.data, RTOL, 'fp32 vs reference')));
      await assert.rejects(runner.outputsOfImages([], ['output']), ShapeError);
      await assert.rejects(
        runner.outputsOfImages([images[0], ruleTensor('input', [1, 3, 64, 40])], ['output']),
        /Cannot batch images of different sizes: \[1, 3, 64, 40\] vs \[1, 3, 64, 48\]/,
      );
      await assert.rejects(
        runner.outputsOfImages([ruleTensor('input', [1, 3, 16, 16])], ['output']),
        ShapeError,
      );
      runner.dispose();
    }
  },
);

test('feature maps of every stage match the reference', { skip: NATIVE_SKIP }, async (t) => {
  const model = ruleModel('resnet50');
  const x = ruleTensor('input', [1, 3, 80, 96]);
  const reference = model.forwardFeatures(x);
  const native = createRunner(model, { backend: 'native' });
  for (const layer of ['stem', 'layer1', 'layer2', 'layer3', 'layer4'] as const) {
    const actual = await native.features(x, layer);
    assert.deepEqual(actual.shape, reference[layer].shape, layer);
    t.diagnostic(JSON.stringify(assertClose(actual.data, reference[layer].data, RTOL, layer)));
  }
});

function randomTensor(shape: number[], seed: number): Tensor {
  const t = Tensor.zeros(shape);
  for (let i = 0; i < t.size; i++) t.data[i] = Math.sin(i * 12.9898 + seed * 78.233) * 0.8;
  return t;
}

const convParams = (stride: number, padding: number): Conv2dParams => ({
  stride: [stride, stride],
  padding: [padding, padding],
  dilation: [1, 1],
  groups: 1,
});

test('each native kernel matches its reference kernel', { skip: NATIVE_SKIP }, (t) => {
  const both = <T extends Tensor>(fn: () => T): [T, T] => [withBackend('native', fn), withBackend('js', fn)];
  const convCases: [number[], number[], number, number, boolean][] = [
    [[2, 3, 23, 19], [16, 3, 7, 7], 2, 3, true],
    [[1, 20, 9, 11], [24, 20, 3, 3], 1, 1, true],
    [[2, 64, 14, 14], [32, 64, 1, 1], 2, 0, false],
    [[1, 5, 8, 8], [7, 5, 3, 3], 2, 1, true],
  ];
  for (const [xs, ws, stride, padding, bias] of convCases) {
    const x = randomTensor(xs, 1);
    const w = randomTensor(ws, 2);
    const b = bias ? randomTensor([ws[0]], 3) : null;
    const params = convParams(stride, padding);
    const [n, r] = both(() => ops.conv2d(x, w, b, params));
    assert.deepEqual(n.shape, r.shape);
    t.diagnostic(
      JSON.stringify(assertClose(n.data, r.data, RTOL, `conv2d ${xs} * ${ws} s${stride} p${padding}`)),
    );
  }
  const x = randomTensor([2, 24, 9, 7], 4);
  const c = 24;
  const variance = randomTensor([c], 5);
  variance.data.forEach((v, i) => (variance.data[i] = 0.5 + Math.abs(v)));
  const bn = both(() =>
    ops.batchNorm2d(x, randomTensor([c], 6), variance, randomTensor([c], 7), randomTensor([c], 8), 1e-5),
  );
  t.diagnostic(JSON.stringify(assertClose(bn[0].data, bn[1].data, RTOL, 'batchNorm2d')));
  const relu = both(() => ops.relu(x));
  t.diagnostic(JSON.stringify(assertClose(relu[0].data, relu[1].data, 0, 'relu')));
  const pool = both(() => ops.maxPool2d(x, { kernelSize: [3, 3], stride: [2, 2], padding: [1, 1] }));
  t.diagnostic(JSON.stringify(assertClose(pool[0].data, pool[1].data, 0, 'maxPool2d')));
  const avg = both(() => ops.adaptiveAvgPool2d(x, 1, 1));
  t.diagnostic(JSON.stringify(assertClose(avg[0].data, avg[1].data, RTOL, 'adaptiveAvgPool2d')));
  const max = both(() => ops.adaptiveMaxPool2d(x, 1, 1));
  t.diagnostic(JSON.stringify(assertClose(max[0].data, max[1].data, 0, 'adaptiveMaxPool2d')));
  const fcIn = randomTensor([3, 37], 9);
  const fc = both(() => ops.linear(fcIn, randomTensor([11, 37], 10), randomTensor([11], 11)));
  t.diagnostic(JSON.stringify(assertClose(fc[0].data, fc[1].data, RTOL, 'linear')));
});

test(
  'native training batch norm (alone and fused with ReLU), ReLU, add, the ReLU and average-pool gradients match the reference kernels',
  { skip: NATIVE_SKIP },
  (t) => {
    const both = <T>(fn: () => T): [T, T] => [withBackend('native', fn), withBackend('js', fn)];
    // Planes of 1, 4 and 20 px take the channel-block path; 64 and 150 px one channel per task (the
    // 8-lane sums and their tails). An offset mean checks that the variance does not cancel.
    const shapes = [
      [4, 70, 1, 1],
      [3, 33, 2, 2],
      [2, 9, 4, 5],
      [2, 5, 8, 8],
      [3, 6, 10, 15],
    ];
    for (const [i, shape] of shapes.entries()) {
      const [, c] = shape;
      const x = randomTensor(shape, 20 + i);
      x.data.forEach((v, j) => (x.data[j] = 3 + 2 * v));
      const w = randomTensor([c], 30 + i);
      const b = randomTensor([c], 40 + i);
      const label = `batch norm ${shape.join('×')}`;
      const [fn, fr] = both(() => ops.batchNorm2dTrain(x, w, b, 1e-5));
      for (const key of ['out', 'mean', 'variance', 'invstd'] as const) {
        assertClose(fn[key].data, fr[key].data, RTOL, `${label} ${key}`);
      }
      const dout = randomTensor(shape, 50 + i);
      const [gn, gr] = both(() => ops.batchNorm2dBackward(dout, x, fr.mean, fr.invstd, w));
      t.diagnostic(JSON.stringify(assertClose(gn.dx.data, gr.dx.data, RTOL, `${label} dx`)));
      assertClose(gn.dweight.data, gr.dweight.data, RTOL, `${label} dweight`);
      assertClose(gn.dbias.data, gr.dbias.data, RTOL, `${label} dbias`);
      // fused with the ReLU: forward and the gradient masked by its output
      const [rn, rr] = both(() => ops.batchNorm2dTrain(x, w, b, 1e-5, true));
      assertClose(rn.out.data, rr.out.data, RTOL, `${label} + relu out`);
      assert.ok(
        rr.out.data.some((v) => v === 0),
        `${label}: the ReLU never clips`,
      );
      const [hn, hr] = both(() => ops.batchNorm2dBackward(dout, x, rr.mean, rr.invstd, w, rr.out));
      assertClose(hn.dx.data, hr.dx.data, RTOL, `${label} + relu dx`);
      assertClose(hn.dweight.data, hr.dweight.data, RTOL, `${label} + relu dweight`);
      assertClose(hn.dbias.data, hr.dbias.data, RTOL, `${label} + relu dbias`);
    }
    const a = randomTensor([3, 7, 11, 13], 60);
    const d = randomTensor([3, 7, 11, 13], 61);
    const [rn, rr] = both(() => ops.relu(a));
    assertClose(rn.data, rr.data, 0, 'relu');
    const [sn, sr] = both(() => ops.add(a, d));
    assertClose(sn.data, sr.data, 0, 'add');
    const [bn, br] = both(() => ops.reluBackward(d, rr));
    assertClose(bn.data, br.data, 0, 'reluBackward');
    for (const [h, w] of [
      [1, 1],
      [2, 3],
    ]) {
      const g = randomTensor([3, 7, h, w], 62);
      const [pn, pr] = both(() => ops.adaptiveAvgPool2dBackward(g, a.shape));
      assertClose(pn.data, pr.data, 0, `adaptiveAvgPool2dBackward to ${h}×${w}`);
    }
  },
);

test(
  'each native training kernel (packed GEMMs) matches its reference kernel on every ISA',
  { skip: NATIVE_SKIP },
  (t) => {
    const isas = (['avx512', 'avx2', 'portable'] as Isa[]).filter((isa) => {
      try {
        addon!.configure({ isa });
        return true;
      } catch {
        return false;
      }
    });
    const both = <T>(fn: () => T): [T, T] => [withBackend('native', fn), withBackend('js', fn)];
    // [x shape, weight shape, stride, padding]: odd sizes, channel counts that are not multiples of
    // the register tile, outputs above and below the direct-store threshold (128 px), deep weight
    // gradients (split K), stride 2 (col2im path) and stride 1 (flipped-kernel path).
    const convCases: [number[], number[], number, number][] = [
      [[2, 3, 23, 19], [16, 3, 7, 7], 2, 3],
      [[3, 20, 13, 11], [24, 20, 3, 3], 1, 1],
      [[2, 40, 14, 14], [33, 40, 1, 1], 2, 0],
      [[2, 17, 6, 5], [70, 17, 1, 1], 1, 0],
      [[1, 5, 8, 8], [7, 5, 3, 3], 2, 1],
      [[4, 8, 40, 36], [9, 8, 3, 3], 1, 1],
      [[2, 300, 7, 7], [29, 300, 3, 3], 1, 1],
    ];
    try {
      for (const isa of isas) {
        addon!.configure({ isa });
        for (const [xs, ws, stride, padding] of convCases) {
          const x = randomTensor(xs, 1);
          const w = randomTensor(ws, 2);
          const b = randomTensor([ws[0]], 3);
          const params = convParams(stride, padding);
          const label = `${isa} conv ${xs} * ${ws} s${stride} p${padding}`;
          const [fn, fr] = both(() => ops.conv2d(x, w, b, params));
          assertClose(fn.data, fr.data, RTOL, `${label} forward`);
          const dout = randomTensor(fr.shape as number[], 4);
          const [gn, gr] = both(() => ops.conv2dBackward(x, w, dout, params, true));
          assertClose(gn.dx!.data, gr.dx!.data, RTOL, `${label} dx`);
          assertClose(gn.dweight.data, gr.dweight.data, RTOL, `${label} dweight`);
          assertClose(gn.dbias.data, gr.dbias.data, RTOL, `${label} dbias`);
        }
        const px = randomTensor([2, 5, 13, 11], 9);
        px.data[7] = px.data[8]; // a tie: the first maximum gets the gradient
        const pool = { kernelSize: [3, 3], stride: [2, 2], padding: [1, 1] } as const;
        const pdout = randomTensor([2, 5, 7, 6], 10);
        const [pn, pr] = both(() => ops.maxPool2dBackward(pdout, px, pool));
        assertClose(pn.data, pr.data, 0, `${isa} maxPool2dBackward`);
        for (const [n, inF, outF] of [
          [3, 37, 11],
          [45, 300, 70],
        ]) {
          const x = randomTensor([n, inF], 5);
          const w = randomTensor([outF, inF], 6);
          const [ln, lr] = both(() => ops.linear(x, w, randomTensor([outF], 7)));
          assertClose(ln.data, lr.data, RTOL, `${isa} linear ${n}x${inF}→${outF}`);
          const dout = randomTensor([n, outF], 8);
          const [bn, br] = both(() => ops.linearBackward(dout, x, w));
          assertClose(bn.dx.data, br.dx.data, RTOL, `${isa} linear dx`);
          assertClose(bn.dweight.data, br.dweight.data, RTOL, `${isa} linear dweight`);
          assertClose(bn.dbias.data, br.dbias.data, RTOL, `${isa} linear dbias`);
        }
      }
    } finally {
      addon!.configure({ isa: 'auto' });
    }
    t.diagnostic(`checked on ${isas.join(', ')}`);
  },
);

test(
  'native gradient accumulation and SGD updates are bit-identical to the reference kernels',
  { skip: NATIVE_SKIP },
  () => {
    const size = [3, 70001];
    const hypers = [
      { lr: 0.1, momentum: 0.9, dampening: 0, weightDecay: 1e-4, nesterov: false },
      { lr: 0.05, momentum: 0.9, dampening: 0, weightDecay: 5e-4, nesterov: true },
      { lr: 0.01, momentum: 0.5, dampening: 0.1, weightDecay: 0, nesterov: false },
      { lr: 0.2, momentum: 0, dampening: 0, weightDecay: 1e-3, nesterov: false },
    ];
    for (const [h, hyper] of hypers.entries()) {
      const runs = (['native', 'js'] as const).map((backend) => {
        const param = randomTensor(size, 11 + h);
        const buf = hyper.momentum === 0 ? null : Tensor.zeros(size);
        withBackend(backend, () => {
          for (let step = 0; step < 3; step++) {
            const grad = randomTensor(size, 20 + step);
            ops.accumulate(grad, randomTensor(size, 30 + step));
            ops.sgdStep(param, grad, buf, { ...hyper, firstStep: step === 0 });
          }
        });
        return [param, buf] as const;
      });
      assertClose(runs[0][0].data, runs[1][0].data, 0, `SGD case ${h}: parameters`);
      if (runs[0][1] !== null)
        assertClose(runs[0][1].data, runs[1][1]!.data, 0, `SGD case ${h}: momentum buffer`);
    }
  },
);

test(
  'inference does not block the event loop: a timer fires during a long batch',
  { skip: NATIVE_SKIP },
  async () => {
    const model = ruleModel('resnet50');
    const native = createRunner(model, { backend: 'native' });
    const x = ruleTensor('input', [8, 3, 224, 224]);
    let ticks = 0;
    const timer = setInterval(() => ticks++, 5);
    const started = performance.now();
    await native.forward(x);
    const elapsed = performance.now() - started;
    clearInterval(timer);
    assert.ok(ticks >= 3, `only ${ticks} timer ticks during a ${elapsed.toFixed(0)} ms batch`);
  },
);

test('without the addon the CLI says so once and runs on the WebAssembly backend, without both on js', () => {
  const r = runCli(['summary', '--arch', 'resnet18'], { RESNET50_DISABLE_NATIVE: '1' });
  assert.equal(r.status, 0);
  const benchArgs = [
    'bench',
    '--arch',
    'resnet18',
    '--input',
    '64',
    '--iters',
    '1',
    '--warmup',
    '0',
    '--json',
  ];
  for (const [env, backend, notice] of [
    [
      {},
      'wasm',
      /native engine unavailable \(disabled by RESNET50_DISABLE_NATIVE=1\); using the WebAssembly backend/,
    ],
    [
      { RESNET50_DISABLE_WASM: '1' },
      'js',
      /native engine unavailable \(disabled by RESNET50_DISABLE_NATIVE=1\); using the TypeScript backend \(wasm: disabled by RESNET50_DISABLE_WASM=1\)/,
    ],
  ] as const) {
    const bench = runCli(benchArgs, { RESNET50_DISABLE_NATIVE: '1', ...env });
    assert.equal(bench.status, 0, bench.stderr);
    assert.equal(JSON.parse(bench.stdout).backend, backend);
    const notices = bench.stderr.trim().split('\n');
    assert.equal(notices.length, 1);
    assert.match(notices[0], notice);
  }
  const forced = runCli(['bench', '--backend', 'native', '--iters', '1'], { RESNET50_DISABLE_NATIVE: '1' });
  assert.equal(forced.status, 1);
  assert.match(forced.stderr, /^resnet50: The native backend is not available/);
});

test('bench --json reports the documented fields', () => {
  const r = runCli([
    'bench',
    '--arch',
    'resnet18',
    '--input',
    '64',
    '--batch',
    '2',
    '--iters',
    '2',
    '--json',
  ]);
  assert.equal(r.status, 0, r.stderr);
  const j = JSON.parse(r.stdout) as Record<string, unknown>;
  for (const key of ['backend', 'batch', 'input', 'medianMs', 'imgPerSec', 'gflops'])
    assert.ok(key in j, key);
  assert.equal(j.backend, 'native');
  assert.equal(j.batch, 2);
});
