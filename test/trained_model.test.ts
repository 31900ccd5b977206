/**
 * A trained model is a first-class model: `resnet50 train` records its card (arch, class names,
 * preprocessing) in final.safetensors, and classify, cam, eval and the library loaders read it back.
 * resnet18 is trained briefly on the Fashion-MNIST slice (12 AdamW steps of 32 images at 32×32); the
 * first 200 test images, written as 28×28 gray PNGs, must get from `classify` the top-1 accuracy that
 * `eval` and training's own evaluation give on them.
 */
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { grayToRgb } from '../src/data/augment.js';
import {
  FASHION_MNIST_CLASSES,
  FASHION_MNIST_MEAN,
  FASHION_MNIST_STD,
  readIdxDataset,
} from '../src/data/idx.js';
import { grayscaleRgb, preprocess } from '../src/data/transforms.js';
import { readImage, writePng, type RgbImage } from '../src/io/image.js';
import { readSafetensorsMetadata, saveWeightsFile } from '../src/io/weights/index.js';
import { resnet } from '../src/model/resnet.js';
import { imagenetLabels } from '../src/tasks/labels.js';
import { loadModel, loadRunner } from '../src/tasks/pretrained.js';
import {
  confusionClasses,
  confusionLayout,
  MAX_CONFUSION_CLASSES,
  renderConfusionMatrix,
} from '../src/viz/plot.js';
import { FASHION_MNIST, IMAGES, runCli } from './helpers/cli.js';

const DATA = `idx:${FASHION_MNIST}`;
const SAMPLES = 200;
const tmp = mkdtempSync(join(tmpdir(), 'resnet50-trained-'));
const runDir = join(tmp, 'run');
const final = join(runDir, 'final.safetensors');
const pngs: string[] = [];
let labels: Uint8Array;

before(() => {
  const r = runCli([
    'train',
    '--data',
    DATA,
    '--arch',
    'resnet18',
    '--input-size',
    '32',
    '--batch',
    '32',
    '--steps-per-epoch',
    '12',
    '--augment',
    'none',
    '--optimizer',
    'adamw',
    '--lr',
    '1e-3',
    '--eval-samples',
    String(SAMPLES),
    '--out',
    runDir,
  ]);
  assert.equal(r.status, 0, r.stderr);
  const test = readIdxDataset(FASHION_MNIST, 'test');
  const plane = test.width * test.height;
  mkdirSync(join(tmp, 'png'));
  for (let i = 0; i < SAMPLES; i++) {
    const path = join(tmp, 'png', `${String(i).padStart(3, '0')}.png`);
    writePng(path, grayToRgb(test.images.subarray(i * plane, (i + 1) * plane), test.width, test.height));
    pngs.push(path);
  }
  labels = test.labels.subarray(0, SAMPLES);
});

after(() => rmSync(tmp, { recursive: true, force: true }));

/** The one line a user error prints (exit 1, no stack trace). */
interface EvalJson {
  top1: number;
  count: number;
  inputSize: number;
  arch: string;
  precision: string;
  confusionClasses: number;
}

/** `eval --json` of `weights` on the first SAMPLES test images, at `precision` when given. */
function evalJson(weights: string, precision: string | null, confusion: string): EvalJson {
  const r = runCli([
    'eval',
    '--weights',
    weights,
    '--data',
    DATA,
    '--samples',
    String(SAMPLES),
    ...(precision === null ? [] : ['--precision', precision]),
    '--json',
    '--out',
    confusion,
  ]);
  assert.equal(r.status, 0, r.stderr);
  return JSON.parse(r.stdout) as EvalJson;
}

function oneSentence(args: string[]): string {
  const r = runCli(args);
  assert.equal(r.status, 1, `exit ${r.status}: ${r.stderr}`);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, `expected one line, got:\n${r.stderr}`);
  assert.doesNotMatch(r.stderr, /\n\s+at /);
  return lines[0];
}

interface Classified {
  file: string;
  top: { classIndex: number; label: string; score: number }[];
}

test('classify on 200 test PNGs gives the top-1 accuracy of eval and of training', () => {
  const c = runCli(['classify', ...pngs, '--weights', final, '--json', '--top', '1']);
  assert.equal(c.status, 0, c.stderr);
  const results = JSON.parse(c.stdout) as Classified[];
  assert.equal(results.length, SAMPLES);
  const correct = results.filter((r, i) => r.top[0].classIndex === labels[i]).length;
  const classifyTop1 = correct / SAMPLES;
  for (const r of results) assert.equal(r.top[0].label, FASHION_MNIST_CLASSES[r.top[0].classIndex]);

  const evalResult = evalJson(final, null, join(tmp, 'cm.png'));
  assert.equal(evalResult.count, SAMPLES);
  assert.equal(evalResult.inputSize, 32, 'eval takes the input size from the file');
  assert.equal(evalResult.arch, 'resnet18', 'eval takes the arch from the file');
  assert.equal(evalResult.confusionClasses, 10);
  // The same images at bf16 (weights and activations rounded, fp32 accumulation; emulated kernels on
  // a CPU without AVX512-BF16): the rounding may flip a near-tie, not the accuracy.
  const bf16Result = evalJson(final, 'bf16', join(tmp, 'cm16.png'));
  assert.equal(bf16Result.precision, 'bf16');
  assert.equal(bf16Result.count, SAMPLES);
  assert.ok(
    Math.abs(bf16Result.top1 - evalResult.top1) <= 2 / SAMPLES,
    `bf16 top-1 ${bf16Result.top1} vs fp32 ${evalResult.top1}: more than 2 of ${SAMPLES} images changed`,
  );
  // int8: float weights are refused in one sentence; a file from `quantize` (calibrated on 32
  // training images) keeps the accuracy within 2 % of the images.
  assert.match(
    oneSentence(['eval', '--weights', final, '--data', DATA, '--samples', '8', '--precision', 'int8']),
    /^resnet50: Precision int8 .*resnet50 quantize.*$/,
  );
  const int8File = join(tmp, 'final.int8.safetensors');
  const q = runCli(['quantize', '--weights', final, '--calib', DATA, '--samples', '32', '--out', int8File]);
  assert.equal(q.status, 0, q.stderr);
  const int8Result = evalJson(int8File, 'int8', join(tmp, 'cm8.png'));
  assert.equal(int8Result.precision, 'int8');
  assert.ok(
    Math.abs(int8Result.top1 - evalResult.top1) <= 4 / SAMPLES,
    `int8 top-1 ${int8Result.top1} vs fp32 ${evalResult.top1}: more than 4 of ${SAMPLES} images changed`,
  );
  const cm = readImage(join(tmp, 'cm.png'));
  const zeros = Array.from({ length: 10 }, () => new Array<number>(10).fill(0));
  const layout = confusionLayout(zeros, FASHION_MNIST_CLASSES);
  assert.deepEqual([cm.width, cm.height], [layout.width, layout.height]);

  const metrics = readFileSync(join(runDir, 'metrics.jsonl'), 'utf8').trim().split('\n');
  const trainTop1 = (JSON.parse(metrics[metrics.length - 1]) as { valTop1: number }).valTop1;
  console.log(
    `top-1 on ${SAMPLES} test images: classify ${classifyTop1}, eval ${evalResult.top1}, training ${trainTop1}`,
  );
  assert.equal(classifyTop1, evalResult.top1);
  assert.equal(evalResult.top1, trainTop1);
  assert.ok(classifyTop1 > 0.3, `top-1 ${classifyTop1} is near chance (0.1): the model did not learn`);
});

test('classify prints the trained class names; cam uses the same preprocessing and names', () => {
  const c = runCli(['classify', pngs[0], '--weights', final, '--json', '--top', '10']);
  assert.equal(c.status, 0, c.stderr);
  const { top } = (JSON.parse(c.stdout) as Classified[])[0];
  assert.deepEqual(top.map((p) => p.label).sort(), [...FASHION_MNIST_CLASSES].sort());
  assert.ok(top.some((p) => p.label === 'Ankle boot' && p.classIndex === 9));
  const m = runCli(['cam', pngs[0], '--weights', final, '--json']);
  assert.equal(m.status, 0, m.stderr);
  const [map] = JSON.parse(m.stdout) as {
    classIndex: number;
    label: string;
    score: number;
    heatmap: { width: number };
  }[];
  assert.equal(map.classIndex, top[0].classIndex);
  assert.equal(map.label, top[0].label);
  assert.ok(Math.abs(map.score - top[0].score) < 1e-5, `cam score ${map.score} vs classify ${top[0].score}`);
  assert.equal(map.heatmap.width, 1, 'layer4 of a 32×32 input is 1×1');
});

test('the card is in final.safetensors and the library loaders return it', async () => {
  const md = readSafetensorsMetadata(final);
  assert.equal(md.arch, 'resnet18');
  assert.equal(md.shortcut, 'projection');
  assert.deepEqual(JSON.parse(md.classes), FASHION_MNIST_CLASSES);
  const preprocess = {
    resize: [32, 32],
    crop: null,
    mean: [...FASHION_MNIST_MEAN],
    std: [...FASHION_MNIST_STD],
    grayscale: true,
  };
  assert.deepEqual(JSON.parse(md.preprocess), preprocess);
  const { card, arch } = await loadRunner({ weights: final });
  assert.equal(arch, 'resnet18');
  assert.deepEqual(card, {
    arch: 'resnet18',
    shortcut: 'projection',
    numClasses: 10,
    classNames: FASHION_MNIST_CLASSES,
    preprocess,
  });
  const loaded = await loadModel({ weights: final, arch: 'resnet18' });
  assert.deepEqual(loaded.card, card);
  assert.deepEqual(loaded.recorded.preprocess, preprocess);
  // torchvision-style files record nothing: ImageNet names and preprocessing, arch from the layers
  const plain = join(tmp, 'plain.safetensors');
  saveWeightsFile(plain, resnet('resnet18', { init: 'none' }).stateDict());
  const p = await loadModel({ weights: plain });
  assert.equal(p.arch, 'resnet18');
  assert.deepEqual(p.recorded, {});
  assert.deepEqual(p.card.classNames, imagenetLabels());
  assert.deepEqual(p.card.preprocess, {
    resize: 256,
    crop: 224,
    mean: [0.485, 0.456, 0.406],
    std: [0.229, 0.224, 0.225],
    grayscale: false,
  });
});

test('--arch that disagrees with the file is one sentence; eval refuses a head of another class count', () => {
  assert.match(
    oneSentence(['classify', pngs[0], '--weights', final, '--arch', 'resnet50']),
    /^resnet50: .*final\.safetensors holds resnet18 weights but the arch is resnet50; pass --arch resnet18\.$/,
  );
  assert.match(
    oneSentence([
      'eval',
      '--weights',
      join(runDir, 'last.safetensors'),
      '--data',
      DATA,
      '--arch',
      'resnet34',
    ]),
    /last\.safetensors holds resnet18 weights but the arch is resnet34/,
  );
  const five = join(tmp, 'five.safetensors');
  saveWeightsFile(five, resnet('resnet18', { numClasses: 5, init: 'none' }).stateDict());
  const out = join(tmp, 'five.png');
  assert.match(
    oneSentence(['eval', '--weights', five, '--data', DATA, '--samples', '8', '--out', out]),
    /^resnet50: .*five\.safetensors has a head of 5 classes but idx:.* has 10; .*\.$/,
  );
});

test('a grayscale model sees a colour image as PIL luminance, a gray image unchanged', () => {
  const rgb: RgbImage = { width: 3, height: 1, data: Uint8Array.from([255, 0, 0, 0, 255, 0, 0, 0, 255]) };
  // Pillow: Image.new('RGB', (1, 1), c).convert('L') gives 76, 150 and 29 for pure red, green, blue
  assert.deepEqual([...grayscaleRgb(rgb).data], [76, 76, 76, 150, 150, 150, 29, 29, 29]);
  const gray = readImage(pngs[0]);
  assert.deepEqual(grayscaleRgb(gray), gray);
  const photo = readImage(join(IMAGES, 'chelsea.png'));
  const preset = { resize: [32, 32] as const, crop: null, mean: FASHION_MNIST_MEAN, std: FASHION_MNIST_STD };
  const seen = preprocess(photo, { ...preset, grayscale: true });
  assert.deepEqual(seen.data, preprocess(grayscaleRgb(photo), { ...preset, grayscale: false }).data);
  assert.deepEqual(seen.shape, [1, 3, 32, 32]);
});

test('the confusion-matrix picture stays readable: at most 40 classes, under 1000×1000 pixels', () => {
  const n = 1000;
  const names = imagenetLabels();
  const matrix = Array.from({ length: n }, (_, r) =>
    Array.from({ length: n }, (_, c): number => (r === c ? 50 : 0)),
  );
  // the classes with errors: 7 → 900 (3 images), 12 → 13 (1), and 40 more (1 each)
  matrix[7][900] = 3;
  matrix[12][13] = 1;
  for (let k = 0; k < 40; k++) matrix[100 + k][200 + k] = 1;
  const shown = confusionClasses(matrix);
  assert.equal(MAX_CONFUSION_CLASSES, 40);
  assert.equal(shown.length, 40);
  const ones = Array.from({ length: 36 }, (_, k) => 100 + k);
  assert.deepEqual(shown, [7, 12, 13, ...ones, 900], 'most errors first, then the lower index');
  const img = renderConfusionMatrix(matrix, names);
  const layout = confusionLayout(matrix, names);
  console.log(`1000-class confusion matrix: ${img.width}×${img.height} pixels, cells of ${layout.cell}`);
  assert.ok(img.width <= 1000 && img.height <= 1000, `${img.width}×${img.height}`);
  assert.deepEqual([img.width, img.height], [layout.width, layout.height]);
  assert.equal(layout.cell, 16);
});
