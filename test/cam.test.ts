/**
 * Class activation maps against torch autograd (test/fixtures/gen_cam.py): CAM, Grad-CAM and
 * Grad-CAM++ of resnet50 with rule weights at layer4 and layer3, top-1 and a fixed class, on the
 * native engine (batch of two) and the reference backend; boxes on synthetic maps with known answers;
 * the overlay; the `cam` command and its bad inputs.
 */
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, test } from 'node:test';
import { batchTensors } from '../src/data/transforms.js';
import { readImage } from '../src/io/image.js';
import { saveWeightsFile } from '../src/io/weights/index.js';
import { resnet, resnet50, type ResNet } from '../src/model/resnet.js';
import {
  CAM_LAYERS,
  camFiles,
  camImages,
  camInput,
  computeCam,
  type CamLayer,
  type CamMethod,
} from '../src/tasks/cam.js';
import {
  boxFromHeatmap,
  largestComponent,
  thresholdBox,
  upsampleBilinear,
  type Heatmap,
} from '../src/tasks/cam_box.js';
import { Tensor } from '../src/tensor/tensor.js';
import { jet, overlayHeatmap } from '../src/viz/overlay.js';
import { OptionError, UserError } from '../src/errors.js';
import { assertClose, errorStats } from './helpers/compare.js';
import { IMAGES, REPO, runCli } from './helpers/cli.js';
import { ruleStateDict } from './helpers/rule_weights.js';
import { tempDirs } from './helpers/tmp.js';
import { watchEventLoop } from './helpers/event_loop.js';
import { labelsFor } from '../src/tasks/labels.js';
import { NATIVE_SKIP } from './helpers/native.js';

interface CamCase {
  method: CamMethod;
  layer: CamLayer;
  classes: number[];
  scores: number[];
  /** [h, w] */
  shape: [number, number];
  maps: number[][];
}

const goldens = JSON.parse(readFileSync(join(REPO, 'test/fixtures/cam/goldens.json'), 'utf8')) as {
  images: string[];
  shortSide: number;
  inputShape: number[];
  inputSum: number;
  cases: CamCase[];
  upsample: { case: number; size: [number, number]; data: number[] };
};
/** The target on maps normalized to [0, 1]. */
const ATOL = 1e-4;

let rule50: ResNet;
let batch: Tensor;

before(() => {
  rule50 = resnet50({ init: 'none' });
  rule50.loadStateDict(ruleStateDict(rule50));
  batch = batchTensors(goldens.images.map((f) => camInput(readImage(join(IMAGES, f)), goldens.shortSide)));
});

const caseName = (c: CamCase): string => `${c.method} ${c.layer} class ${c.classes.join('/')}`;

function checkCase(c: CamCase, backend: string, images: number[]): string {
  const x = images.length === batch.shape[0] ? batch : sliceBatch(batch, images[0]);
  const classIndex = images.map((n) => c.classes[n]);
  // Top-1 cases let computeCam choose the class; the fixed-class cases pass it.
  const topOne = goldens.cases[0].classes;
  const results = computeCam(rule50, x, {
    method: c.method,
    layer: c.layer,
    backend,
    classIndex: classIndex.every((k, i) => k === topOne[images[i]]) ? undefined : classIndex,
  });
  let worst = 0;
  results.forEach((r, i) => {
    const n = images[i];
    assert.equal(r.classIndex, c.classes[n], `${caseName(c)}: target class`);
    assert.deepEqual([r.heatmap.height, r.heatmap.width], c.shape);
    assert.ok(Math.abs(r.score - c.scores[n]) < 1e-6, `score ${r.score} vs ${c.scores[n]}`);
    const stats = errorStats(r.heatmap.data, c.maps[n]);
    assert.ok(
      stats.maxAbs <= ATOL,
      `${backend} ${caseName(c)} image ${n}: max|Δ| ${stats.maxAbs.toExponential(3)} > ${ATOL}`,
    );
    worst = Math.max(worst, stats.maxAbs);
  });
  return `${backend} ${caseName(c)}: max|Δ| ${worst.toExponential(2)}`;
}

function sliceBatch(x: Tensor, n: number): Tensor {
  const size = x.size / x.shape[0];
  return new Tensor(x.data.slice(n * size, (n + 1) * size), [1, ...x.shape.slice(1)]);
}

test('the CAM input equals torchvision Resize(160) + ToTensor + Normalize of the golden photos', () => {
  assert.deepEqual(batch.shape, goldens.inputShape);
  const sum = batch.data.reduce((s, v) => s + v, 0);
  assert.ok(Math.abs(sum - goldens.inputSum) < 1e-2, `input sum ${sum} vs ${goldens.inputSum}`);
});

test('native: every golden map (batch of 2) matches torch autograd', { skip: NATIVE_SKIP }, (t) => {
  for (const c of goldens.cases) t.diagnostic(checkCase(c, 'native', [0, 1]));
});

test('js: golden maps match torch autograd (one image, one case per method)', (t) => {
  const pick = (method: string, layer: string, top: boolean): CamCase =>
    goldens.cases.find(
      (c) =>
        c.method === method && c.layer === layer && (c.classes[0] === goldens.cases[0].classes[0]) === top,
    )!;
  t.diagnostic(checkCase(pick('cam', 'layer4', true), 'js', [0]));
  t.diagnostic(checkCase(pick('gradcam', 'layer3', false), 'js', [1]));
  t.diagnostic(checkCase(pick('gradcam++', 'layer4', false), 'js', [0]));
});

test('the model is left as it was: training flags, running statistics, parameter gradients', () => {
  const model = resnet('resnet18', { numClasses: 10, seed: 3 });
  const x = camInput({ width: 80, height: 64, data: new Uint8Array(80 * 64 * 3).map((_, i) => i % 251) }, 64);
  model.train();
  model.layer4.training = false;
  const before = new Map([...model.stateDict()].map(([k, t]) => [k, t.data.slice()]));
  const existing = model.parameters().find((p) => p.name === 'layer4.1.conv2.weight')!;
  existing.grad.data.fill(0.5);
  const gradsBefore = model.parameters().map((p) => [p.name, p.grad] as const);
  const r = computeCam(model, x, { method: 'gradcam', layer: 'layer2', backend: 'js' });
  assert.equal(r.length, 1);
  assert.ok(r[0].heatmap.data.some((v) => v > 0));
  for (const [k, t] of model.stateDict()) assert.deepEqual(t.data, before.get(k), `${k} changed`);
  for (const [path, m] of model.namedModules()) {
    assert.equal(m.training, path !== 'layer4', `training flag of '${path}'`);
  }
  const gradsAfter = model.parameters();
  assert.equal(gradsAfter.length, gradsBefore.length);
  gradsAfter.forEach((p, i) => {
    assert.equal(p.grad, gradsBefore[i][1], `${p.name}: a new gradient tensor`);
    const expected = p.name === existing.name ? 0.5 : 0;
    assert.ok(
      p.grad.data.every((v) => v === expected),
      `${p.name}: gradient changed`,
    );
  });
  // A second run on the same model gives the same map (nothing was left on the backward stacks).
  const again = computeCam(model, x, { method: 'gradcam', layer: 'layer2', backend: 'js' });
  assert.deepEqual(again[0].heatmap.data, r[0].heatmap.data);
});

test('a batch gives the same maps as its images one by one, at every layer', (t) => {
  const backend = NATIVE_SKIP === false ? 'native' : 'js';
  const model = resnet('resnet18', { numClasses: 10, seed: 1 });
  const images = [7, 11].map((m) =>
    camInput({ width: 72, height: 64, data: new Uint8Array(72 * 64 * 3).map((_, i) => (i * m) % 253) }, 64),
  );
  const x = batchTensors(images);
  for (const layer of CAM_LAYERS) {
    for (const method of ['gradcam', 'gradcam++'] as const) {
      const together = computeCam(model, x, { method, layer, backend, classIndex: [3, 8] });
      images.forEach((xi, n) => {
        const alone = computeCam(model, xi, { method, layer, backend, classIndex: n === 0 ? 3 : 8 })[0];
        assert.equal(together[n].classIndex, alone.classIndex);
        assertClose(together[n].heatmap.data, alone.heatmap.data, 1e-5, `${backend} ${method} ${layer}`);
      });
    }
  }
  t.diagnostic(`${backend}: batched = separate for ${CAM_LAYERS.join(', ')}`);
});

test('native and js agree on Grad-CAM++ at the stem and layer1', { skip: NATIVE_SKIP }, () => {
  const model = resnet('resnet18', { numClasses: 10, seed: 2 });
  const x = camInput(
    { width: 64, height: 96, data: new Uint8Array(64 * 96 * 3).map((_, i) => (i * 5) % 249) },
    64,
  );
  for (const layer of ['stem', 'layer1'] as const) {
    const [a, b] = ['native', 'js'].map(
      (backend) => computeCam(model, x, { method: 'gradcam++', layer, backend })[0],
    );
    assert.equal(a.classIndex, b.classIndex);
    const stats = errorStats(a.heatmap.data, b.heatmap.data);
    assert.ok(stats.maxAbs <= ATOL, `${layer}: max|Δ| ${stats.maxAbs}`);
  }
});

test('CAM is refused for other layers with one sentence naming options.layer and suggesting gradcam', () => {
  const model = resnet('resnet18', { numClasses: 10 });
  const x = Tensor.zeros([1, 3, 32, 32]);
  assert.throws(
    () => computeCam(model, x, { method: 'cam', layer: 'layer3', backend: 'js' }),
    (e: Error) =>
      e instanceof OptionError && /options\.layer layer3/.test(e.message) && /gradcam/.test(e.message),
  );
  assert.throws(() => computeCam(resnet('resnet18', { includeTop: false }), x, { backend: 'js' }), /fc head/);
  assert.throws(
    () => computeCam(model, x, { classIndex: 10, backend: 'js' }),
    /options\.classIndex 10 is out of range/,
  );
});

test('bilinear upsampling equals torch F.interpolate(align_corners=False)', (t) => {
  const c = goldens.cases[goldens.upsample.case];
  const map: Heatmap = { width: c.shape[1], height: c.shape[0], data: Float32Array.from(c.maps[0]) };
  const [h, w] = goldens.upsample.size;
  const up = upsampleBilinear(map, w, h);
  t.diagnostic(JSON.stringify(assertClose(up.data, goldens.upsample.data, 1e-6, 'upsampled map')));
});

test('box: upsample, threshold at a fraction of the max, bounding box (hand-computed 2×2 → 4×4)', () => {
  // Along each axis the 4×4 upsampling of [1, 0] is [1, 0.75, 0.25, 0]; values are products.
  const map: Heatmap = { width: 2, height: 2, data: Float32Array.from([1, 0, 0, 0]) };
  const up = upsampleBilinear(map, 4, 4);
  const axis = [1, 0.75, 0.25, 0];
  assert.deepEqual(
    Array.from(up.data),
    axis.flatMap((a) => axis.map((b) => a * b)),
  );
  assert.deepEqual(boxFromHeatmap(map, 4, 4, 0.2), [0, 0, 3, 3]);
  assert.deepEqual(boxFromHeatmap(map, 4, 4, 0.5), [0, 0, 2, 2]);
  assert.deepEqual(boxFromHeatmap(map, 4, 4, 1), [0, 0, 1, 1]);
  // A constant map localizes nothing: the box is the whole image.
  assert.deepEqual(
    boxFromHeatmap({ width: 3, height: 2, data: new Float32Array(6) }, 30, 20),
    [0, 0, 30, 20],
  );
});

test('box: a centred peak maps to a centred box in original pixels of a non-square image', () => {
  const data = new Float32Array(7 * 7);
  data[3 * 7 + 3] = 1;
  const [x0, y0, x1, y1] = boxFromHeatmap({ width: 7, height: 7, data }, 700, 350, 0.2);
  assert.equal(x0 + x1, 700);
  assert.equal(y0 + y1, 350);
  // The tent of the centre cell reaches 0.2 of its peak 0.8 cells (80 / 40 px) out, both ways.
  assert.ok(Math.abs(x1 - x0 - 2 * 0.8 * 100) <= 2, `${x1 - x0}`);
  assert.ok(Math.abs(y1 - y0 - 2 * 0.8 * 50) <= 2, `${y1 - y0}`);
});

test('box: the largest 8-connected component wins (a diagonal line is one component)', () => {
  const mask = (rows: string[]) => Uint8Array.from(rows.join('').split(''), Number);
  // A diagonal of 5 (8-connected: one component) against a 2×2 block of 4.
  const m = mask(['100011', '010011', '001000', '000100', '000010']);
  assert.deepEqual(largestComponent(m, 6, 5), { pixels: 5, box: [0, 0, 5, 5] });
  // A tie goes to the first component in raster order.
  const tie = mask(['1100', '0000', '0011']);
  assert.deepEqual(largestComponent(tie, 4, 3)?.box, [0, 0, 2, 1]);
  assert.equal(largestComponent(new Uint8Array(4), 2, 2), null);
  // Through a map: the bigger blob is chosen even though the smaller one holds the maximum.
  const map = Float32Array.from([1, 0, 0, 0, 0, 0, 0, 0.5, 0.5, 0.5, 0, 0, 0.5, 0.5, 0.5, 0, 0, 0, 0, 0]);
  assert.deepEqual(thresholdBox({ width: 5, height: 4, data: map }, 0.3), [2, 1, 5, 3]);
  assert.throws(() => thresholdBox({ width: 5, height: 4, data: map }, 0), /options\.threshold/);
  assert.throws(() => thresholdBox({ width: 5, height: 4, data: map }, 1.5), /options\.threshold/);
});

test('overlay: jet colours, alpha blend, white box outlined in black, label on black', () => {
  assert.deepEqual(jet(0), [0, 0, 128]);
  assert.deepEqual(jet(0.5), [128, 255, 128]);
  assert.deepEqual(jet(1), [128, 0, 0]);
  const width = 60;
  const height = 40;
  const image = { width, height, data: new Uint8Array(width * height * 3).fill(100) };
  const heat = new Float32Array(width * height).fill(1);
  const out = overlayHeatmap(image, heat, { box: [10, 10, 50, 30], label: 'cat' });
  const px = (x: number, y: number) =>
    Array.from(out.data.subarray((y * width + x) * 3, (y * width + x) * 3 + 3));
  assert.deepEqual(px(55, 35), [114, 50, 50]); // 0.5 · 100 + 0.5 · jet(1)
  assert.deepEqual(px(10, 27), [0, 0, 0]); // outline
  assert.deepEqual(px(11, 27), [255, 255, 255]); // box line
  assert.deepEqual(px(48, 27), [255, 255, 255]);
  assert.deepEqual(px(49, 27), [0, 0, 0]);
  assert.deepEqual(px(40, 20), [114, 50, 50]); // inside the box: the blend
  // The label: white text on black, 21×13 pixels from the box's corner.
  assert.deepEqual(px(30, 22), [0, 0, 0]);
  assert.deepEqual(px(31, 22), [114, 50, 50]);
  let ink = 0;
  for (let y = 10; y < 23; y++) for (let x = 10; x < 31; x++) if (px(x, y)[0] === 255) ink++;
  assert.ok(ink > 10, `${ink} text pixels`);
  assert.deepEqual(Array.from(image.data.subarray(0, 3)), [100, 100, 100], 'input untouched');
  assert.throws(() => overlayHeatmap(image, new Float32Array(5)), /60×40/);
});

test('camFiles batches equal-sized images, keeps their order and maps boxes to original pixels', () => {
  const model = resnet('resnet18', { numClasses: 10, seed: 4 });
  const files = ['chelsea.png', 'astronaut.png', 'coffee.png'].map((f) => join(IMAGES, f));
  const labels = Array.from({ length: 10 }, (_, i) => `c${i}`);
  const seen: [number, number, number, string][] = [];
  const results = camFiles(model, files, {
    labels,
    size: 64,
    backend: 'js',
    classIndex: 2,
    batchSize: 2,
    onImage: (i, image, result) => seen.push([i, image.width, image.height, result.file]),
  });
  // Pass order: the two 3×2-map images (0 and 2) share a batch, then the square one.
  assert.deepEqual(seen, [
    [0, 451, 300, files[0]],
    [2, 600, 400, files[2]],
    [1, 512, 512, files[1]],
  ]);
  assert.deepEqual(
    results.map((r) => [r.file, r.width, r.height, r.heatmap.width, r.heatmap.height, r.label]),
    [
      [files[0], 451, 300, 3, 2, 'c2'],
      [files[1], 512, 512, 2, 2, 'c2'],
      [files[2], 600, 400, 3, 2, 'c2'],
    ],
  );
  for (const r of results) {
    const [x0, y0, x1, y1] = r.box;
    assert.ok(0 <= x0 && x0 < x1 && x1 <= r.width && 0 <= y0 && y0 < y1 && y1 <= r.height, `${r.box}`);
    assert.deepEqual(r.box, boxFromHeatmap(r.heatmap, r.width, r.height, 0.2));
  }
  const alone = computeCam(model, camInput(readImage(files[2]), 64), { backend: 'js', classIndex: 2 })[0];
  assertClose(results[2].heatmap.data, alone.heatmap.data, 1e-5, 'coffee in a batch vs alone');
});

// ------------------------------------------------------------------------------------------------
// The command
// ------------------------------------------------------------------------------------------------

const tmp = tempDirs('resnet50-cam-');
const chelsea = join(IMAGES, 'chelsea.png');
const coffee = join(IMAGES, 'coffee.png');
let weights = '';

before(() => {
  weights = join(tmp(), 'r18.safetensors');
  saveWeightsFile(weights, ruleStateDict(resnet('resnet18', { init: 'none' })));
});

const cam = (...args: string[]): string[] => [
  'cam',
  '--arch',
  'resnet18',
  '--weights',
  weights,
  '--size',
  '64',
  ...args,
];

test('cam --json: one object per image with exactly the documented fields', () => {
  const r = runCli([
    ...cam(chelsea, coffee, '--json', '--method', 'gradcam++', '--layer', 'layer3', '--class', '5'),
  ]);
  assert.equal(r.status, 0, r.stderr);
  const json = JSON.parse(r.stdout) as Record<string, unknown>[];
  assert.equal(json.length, 2);
  json.forEach((o, i) => {
    assert.deepEqual(Object.keys(o), [
      'file',
      'classIndex',
      'label',
      'score',
      'classSource',
      'heatmap',
      'box',
    ]);
    assert.equal(o.file, [chelsea, coffee][i]);
    assert.equal(o.classIndex, 5);
    assert.equal(o.label, 'electric ray');
    const heatmap = o.heatmap as { width: number; height: number; data: number[] };
    assert.deepEqual([heatmap.width, heatmap.height, heatmap.data.length], [6, 4, 24]);
    assert.ok(heatmap.data.every((v) => v >= 0 && v <= 1) && Math.max(...heatmap.data) === 1);
    const box = o.box as number[];
    assert.ok(box[2] <= [451, 600][i] && box[3] <= [300, 400][i] && box[0] < box[2] && box[1] < box[3]);
  });
  // The library gives the same numbers (the CLI is argument parsing over camFiles).
  const model = resnet('resnet18', { init: 'none' });
  model.loadStateDict(ruleStateDict(model));
  const lib = camFiles(model, [chelsea], {
    labels: [],
    size: 64,
    method: 'gradcam++',
    layer: 'layer3',
    classIndex: 5,
  });
  const heatmap = json[0].heatmap as { data: number[] };
  assertClose(heatmap.data, lib[0].heatmap.data, 1e-6, 'CLI vs library heatmap');
  assert.deepEqual(json[0].box, lib[0].box);
});

test('cam --out writes one overlay PNG per image (FILE-<image name>.png) at the original size', () => {
  const dir = tmp();
  const one = runCli([...cam(chelsea, '--out', join(dir, 'one.png'), '--method', 'cam')]);
  assert.equal(one.status, 0, one.stderr);
  assert.match(one.stdout, /chelsea\.png .*cam layer4 3×2 {2}box \[/);
  const many = runCli([...cam(chelsea, coffee, '--out', join(dir, 'overlay.png'))]);
  assert.equal(many.status, 0, many.stderr);
  assert.deepEqual(readdirSync(dir).sort(), ['one.png', 'overlay-chelsea.png', 'overlay-coffee.png']);
  assert.match(many.stderr, /wrote .*overlay-chelsea\.png\nwrote .*overlay-coffee\.png/);
  const img = readImage(join(dir, 'overlay-coffee.png'));
  assert.deepEqual([img.width, img.height], [600, 400]);
});

test('API: camImages runs in a worker thread and gives what camFiles gives in this one', async () => {
  const dir = tmp();
  const overlays = [join(dir, 'a.png'), join(dir, 'b.png')];
  const options = { arch: 'resnet18', size: 224, method: 'gradcam++' as const, layer: 'layer3' as const };
  const { value: results, loop } = await watchEventLoop(() =>
    camImages([chelsea, coffee], { ...options, weights, overlays }),
  );
  const model = resnet('resnet18', { init: 'none' });
  model.loadStateDict(ruleStateDict(model));
  const here = camFiles(model, [chelsea, coffee], { ...options, labels: labelsFor(1000) });
  assert.equal(results.length, 2);
  results.forEach((r, i) => {
    assert.deepEqual(
      [r.file, r.label, r.classIndex, r.box, r.width, r.height],
      [here[i].file, here[i].label, here[i].classIndex, here[i].box, here[i].width, here[i].height],
    );
    assert.ok(r.heatmap.data instanceof Float32Array);
    assertClose(r.heatmap.data, here[i].heatmap.data, 1e-6, `worker vs this thread, image ${i}`);
    assert.equal(readImage(overlays[i]).width, [451, 600][i]);
  });
  // Loading the worker and the 2-image forward/backward take far longer than 5 ms.
  console.log(
    `event loop during camImages: ${loop.ticks} ticks of a 5 ms timer, longest stall ${loop.maxGapMs.toFixed(0)} ms`,
  );
  assert.ok(loop.ticks >= 5, `only ${loop.ticks} timer ticks while the maps were computed`);
  await assert.rejects(
    camImages([join(dir, 'nope.png')], { arch: 'resnet18', weights }),
    (e: Error) => e instanceof UserError && /nope\.png: file not found/.test(e.message),
  );
  await assert.rejects(
    camImages([chelsea], { arch: 'resnet18', weights, labels: ['a', 'b'], labelsSource: 'two.txt' }),
    (e: Error) =>
      e.name === 'FileFormatError' && /two\.txt: has 2 labels but the model has 1000/.test(e.message),
  );
});

const bad: [string, string[], RegExp][] = [
  [
    'unknown --method',
    cam(chelsea, '--method', 'scorecam'),
    /--method must be one of cam, gradcam, gradcam\+\+/,
  ],
  ['bad --layer', cam(chelsea, '--layer', 'layer5'), /--layer must be one of stem, layer1/],
  ['cam at layer3', cam(chelsea, '--method', 'cam', '--layer', 'layer3'), /--layer layer3.*gradcam/],
  ['--class out of range', cam(chelsea, '--class', '1000'), /--class 1000 is out of range.*1000 classes/],
  ['--class not an integer', cam(chelsea, '--class', 'cat'), /--class/],
  ['missing file', cam('nope.png'), /nope\.png: file not found/],
  ['--threshold 0', cam(chelsea, '--threshold', '0'), /--threshold must be in \(0, 1\]/],
  ['--threshold 1.5', cam(chelsea, '--threshold', '1.5'), /--threshold must be in \(0, 1\]/],
  ['--threshold text', cam(chelsea, '--threshold', 'high'), /--threshold must be a number/],
  ['--out not a PNG', cam(chelsea, '--out', 'x.jpg'), /--out must name a \.png file/],
  ['no --weights', ['cam', chelsea], /--weights is required/],
];

for (const [name, args, names] of bad) {
  test(`cam bad input: ${name}`, () => {
    const dir = tmp();
    const r = runCli([...args, ...(args.includes('--out') ? [] : ['--out', join(dir, 'o.png')])]);
    assert.notEqual(r.status, 0, `exit 0 for ${name}`);
    assert.equal(r.stdout, '');
    const lines = r.stderr.trim().split('\n');
    assert.equal(lines.length, 1, r.stderr);
    assert.match(lines[0], names);
    assert.doesNotMatch(r.stderr, /\n\s+at /);
    assert.deepEqual(readdirSync(dir), [], 'no output file');
    assert.equal(existsSync(join(REPO, 'x.jpg')), false);
  });
}
