/**
 * Faster R-CNN R50-FPN against torchvision 0.14 (fixtures written by test/fixtures/gen_detection.py):
 * state-dict keys and shapes of v1 and v2, the old-key upgrade, the input transform, and RPN
 * proposals plus final detections for two photos with rule weights (test/helpers/rule_weights.ts).
 *
 * The rule scales `roi_heads.box_predictor.cls_score.weight` by CLS_SCORE_GAIN (in both twins):
 * with plain random weights every class probability is about 1/91, below torchvision's 0.05
 * threshold, and nothing would be detected. The model runs with torchvision's defaults except the
 * input size (min 320 / max 512 instead of 800 / 1333) to keep the test fast.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { before, describe, it } from 'node:test';
import { boxIou } from '../src/detection/box_ops.js';
import { readImage } from '../src/io/image.js';
import { writePng } from '../src/io/png_encode.js';
import { toDetectionKeys, toHuggingFaceKeys } from '../src/io/weights/key_map.js';
import {
  FasterRCNN,
  GeneralizedRCNNTransform,
  imageToTensor,
  type FasterRCNNVersion,
} from '../src/model/detection/index.js';
import { saveWeightsFile } from '../src/io/weights/index.js';
import { BatchNorm2d, Conv2d, Linear } from '../src/nn/layers.js';
import { resnet50 } from '../src/model/resnet.js';
import type { Tensor } from '../src/tensor/tensor.js';
import { outputPaths } from '../src/cli/common.js';
import { UserError } from '../src/errors.js';
import {
  cocoLabels,
  detectFiles,
  detectImages,
  Detector,
  loadDetector,
  guessDetectionModel,
  loadDetectionStateDict,
  type DetectImageEvent,
  type FileDetections,
} from '../src/tasks/detect.js';
import { resolveBackend } from '../src/tasks/runner.js';
import { ruleStateDict, ruleTensor } from './helpers/rule_weights.js';
import { IMAGES, REPO, runCli } from './helpers/cli.js';
import { tempDirs } from './helpers/tmp.js';
import { watchEventLoop } from './helpers/event_loop.js';

const FIXTURES = join(REPO, 'test', 'fixtures', 'detection');
const fixture = <T>(name: string): T => JSON.parse(readFileSync(join(FIXTURES, name), 'utf8')) as T;

interface ImageGolden {
  file: string;
  numProposals: number;
  proposals: number[];
  boxes: number[];
  scores: number[];
  labels: number[];
}
interface Golden {
  min_size: number;
  max_size: number;
  batchShape: number[];
  imageSizes: [number, number][];
  images: ImageGolden[];
}

const PHOTOS = ['chelsea.png', 'astronaut.png'];

/**
 * A 451×100 strip of chelsea.png (rows 100-199) in `dir`, for the CLI runs: the CLI resizes with
 * torchvision's sizes (short side 800, long side at most 1333), which makes the strip 1333×296
 * pixels instead of chelsea's 1203×800, under half the work of a full-size run.
 */
function writeStrip(dir: string): string {
  const img = readImage(join(IMAGES, 'chelsea.png'));
  const row = img.width * 3;
  const path = join(dir, 'chelsea-strip.png');
  writePng(path, { width: img.width, height: 100, data: img.data.slice(100 * row, 200 * row) });
  return path;
}
const photos = PHOTOS.map((p) => imageToTensor(readImage(join(IMAGES, p))));

describe('Faster R-CNN structure', () => {
  const keys = fixture<Record<FasterRCNNVersion, [string, number[]][]>>('keys.json');

  for (const version of ['v1', 'v2'] as const) {
    it(`${version} has torchvision's state-dict keys and shapes, in order`, () => {
      const ours = [...new FasterRCNN(version).stateDict()].map(([k, t]) => [k, [...t.shape]]);
      assert.deepEqual(ours, keys[version]);
      assert.equal(
        guessDetectionModel(ours.map(([k]) => k as string)),
        version === 'v1' ? 'fasterrcnn' : 'fasterrcnn-v2',
      );
    });
  }

  it('upgrades the pre-0.13 RPN head and FPN key names of the COCO_V1 checkpoint', () => {
    const old = (k: string): string =>
      k
        .replace(/^rpn\.head\.conv\.0\.0\./, 'rpn.head.conv.')
        .replace(/^backbone\.fpn\.(inner|layer)_blocks\.(\d+)\.0\./, 'backbone.fpn.$1_blocks.$2.');
    const renamed = keys.v1.map(([k]) => old(k));
    assert.ok(
      renamed.includes('rpn.head.conv.weight') && renamed.includes('backbone.fpn.inner_blocks.3.bias'),
    );
    const upgraded = toDetectionKeys(new Map(renamed.map((k) => [`module.${k}`, k])));
    assert.deepEqual(
      [...upgraded.keys()],
      keys.v1.map(([k]) => k),
    );
  });

  it('loads v1 weights that carry num_batches_tracked (frozen BN drops them) and rejects missing keys', () => {
    const model = new FasterRCNN('v1');
    const tensors = ruleStateDict(model);
    const withCounters = ruleStateDict(new FasterRCNN('v2'));
    tensors.set(
      'backbone.body.bn1.num_batches_tracked',
      withCounters.get('backbone.body.bn1.num_batches_tracked')!,
    );
    loadDetectionStateDict(model, tensors, 'rule.pth');
    tensors.delete('rpn.head.cls_logits.bias');
    assert.throws(
      () => loadDetectionStateDict(model, tensors, 'rule.pth'),
      /rule\.pth .*missing keys: rpn\.head\.cls_logits\.bias/,
    );
  });
});

describe('GeneralizedRCNNTransform', () => {
  it("matches torchvision's resize (interpolate, bilinear), normalization and padding", () => {
    const g = fixture<{
      minSize: number;
      maxSize: number;
      shape: number[];
      imageSizes: number[][];
      data: number[];
    }>('transform.json');
    const batch = new GeneralizedRCNNTransform({ minSize: g.minSize, maxSize: g.maxSize }).apply(photos);
    assert.deepEqual(batch.tensor.shape, g.shape);
    assert.deepEqual(batch.imageSizes, g.imageSizes);
    let maxAbs = 0;
    for (let i = 0; i < g.data.length; i++)
      maxAbs = Math.max(maxAbs, Math.abs(batch.tensor.data[i] - g.data[i]));
    console.log(`transform ${g.shape.join('×')}: max|Δ| ${maxAbs.toExponential(2)}`);
    assert.ok(maxAbs <= 1e-5, `max|Δ| ${maxAbs}`);
  });
});

/** For each reference box, the best IoU among `ours` rows that pass `eligible`. */
function bestMatches(
  reference: Float32Array,
  ours: Float32Array,
  eligible: (ref: number, our: number) => boolean = () => true,
): { iou: number; index: number }[] {
  const iou = boxIou(reference, ours);
  const n = ours.length / 4;
  return Array.from({ length: reference.length / 4 }, (_, r) => {
    let best = { iou: 0, index: -1 };
    for (let o = 0; o < n; o++)
      if (eligible(r, o) && iou[r * n + o] > best.iou) best = { iou: iou[r * n + o], index: o };
    return best;
  });
}

for (const version of ['v1', 'v2'] as const) {
  describe(`Faster R-CNN ${version} against torchvision (rule weights)`, () => {
    const golden = fixture<Golden>(`${version}.json`);

    it('gives the same proposals and detections', async () => {
      const model = new FasterRCNN(version, { minSize: golden.min_size, maxSize: golden.max_size });
      loadDetectionStateDict(model, ruleStateDict(model), 'rule weights');
      const detector = new Detector(model, resolveBackend());
      const started = Date.now();
      const out = await detector.detect(photos);
      console.log(`${version} on ${detector.backend}: ${Date.now() - started} ms for 2 images`);
      assert.deepEqual(out.batchShape, golden.batchShape);
      assert.deepEqual(out.imageSizes, golden.imageSizes);
      golden.images.forEach((g, i) => {
        // RPN: every one of torchvision's best proposals has a twin among ours (IoU ≥ 0.99)
        assert.equal(out.proposals[i].length / 4, g.numProposals, `${g.file}: proposal count`);
        const pm = bestMatches(Float32Array.from(g.proposals), out.proposals[i]);
        const worstProposal = Math.min(...pm.map((m) => m.iou));
        // detections: same label, IoU ≥ 0.99, score within 1e-3. A reference detection may go
        // unmatched only when it sits at the 100-per-image cut (within 1e-3 of the last score).
        const d = out.detections[i];
        const gBoxes = Float32Array.from(g.boxes);
        const dm = bestMatches(gBoxes, d.boxes, (r, o) => d.labels[o] === g.labels[r]);
        const cut =
          g.scores.length === model.roi_heads.options.detectionsPerImg ? g.scores[g.scores.length - 1] : -1;
        let worstIou = 1;
        let worstScore = 0;
        let atCut = 0;
        dm.forEach((m, r) => {
          if (m.iou < 0.99 && Math.abs(g.scores[r] - cut) <= 1e-3) {
            atCut++;
            return;
          }
          assert.ok(
            m.iou >= 0.99,
            `${g.file}: detection ${r} (label ${g.labels[r]}, score ${g.scores[r]}) best IoU ${m.iou}`,
          );
          worstIou = Math.min(worstIou, m.iou);
          worstScore = Math.max(worstScore, Math.abs(d.scores[m.index] - g.scores[r]));
        });
        console.log(
          `${version} ${g.file}: ${g.proposals.length / 4}/${g.numProposals} proposals matched, worst IoU ${worstProposal.toFixed(5)}; ` +
            `${g.labels.length - atCut}/${g.labels.length} detections matched (${d.labels.length} ours, ${atCut} at the cut), ` +
            `worst IoU ${worstIou.toFixed(5)}, worst |Δscore| ${worstScore.toExponential(2)}`,
        );
        assert.ok(worstProposal >= 0.99, `${g.file}: a proposal's best IoU is ${worstProposal}`);
        assert.ok(worstScore <= 1e-3, `${g.file}: score difference ${worstScore}`);
        assert.ok(atCut <= 2, `${g.file}: ${atCut} detections unmatched at the cut`);
      });
    });
  });
}

describe('resnet50 detect (CLI)', () => {
  const tmp = tempDirs('detect-');
  const dir = tmp();
  const v1 = join(dir, 'fasterrcnn_v1_rule.pth');
  const tiny = join(dir, 'not_a_detector.safetensors');
  const chelsea = join(IMAGES, 'chelsea.png');
  const strip = writeStrip(dir);

  it('writes JSON and a PNG with boxes for a torchvision-named (pre-0.13 keys) .pth', () => {
    // the COCO_V1 checkpoint's old key names, as torchvision's own file has them
    const model = new FasterRCNN('v1');
    const old = new Map(
      [...ruleStateDict(model)].map(([k, t]) => [
        k
          .replace(/^rpn\.head\.conv\.0\.0\./, 'rpn.head.conv.')
          .replace(/^backbone\.fpn\.(inner|layer)_blocks\.(\d+)\.0\./, 'backbone.fpn.$1_blocks.$2.'),
        t,
      ]),
    );
    saveWeightsFile(v1, old);
    saveWeightsFile(tiny, new Map([['fc.weight', ruleTensor('fc.weight', [10, 4])]]));
    const out = join(dir, 'boxes.png');
    const r = runCli(['detect', strip, '--weights', v1, '--json', '--threshold', '0.3', '--out', out]);
    assert.equal(r.status, 0, r.stderr);
    const results = JSON.parse(r.stdout) as FileDetections[];
    assert.equal(results.length, 1);
    assert.equal(results[0].file, strip);
    const labels = cocoLabels();
    for (const d of results[0].detections) {
      assert.deepEqual(Object.keys(d), ['classIndex', 'label', 'score', 'box']);
      assert.ok(d.score >= 0.3 && d.score <= 1);
      assert.equal(d.label, labels[d.classIndex]);
      assert.ok(d.box[0] >= 0 && d.box[2] <= 451 && d.box[1] >= 0 && d.box[3] <= 100 && d.box[0] <= d.box[2]);
    }
    console.log(`CLI: ${results[0].detections.length} detections ≥ 0.3 on a 451×100 strip of chelsea.png`);
    const png = readImage(out);
    assert.deepEqual([png.width, png.height], [451, 100]);
    const original = readImage(strip);
    assert.ok(
      results[0].detections.length === 0 || !Buffer.from(png.data).equals(Buffer.from(original.data)),
    );
  });

  it('names one PNG per image after the images', () => {
    assert.deepEqual(outputPaths('out/boxes.png', ['a/cat.png', 'b/dog.jpg', 'c/cat.png']), [
      'out/boxes-cat.png',
      'out/boxes-dog.png',
      'out/boxes-cat-3.png',
    ]);
    assert.deepEqual(outputPaths('boxes.png', ['a/cat.png']), ['boxes.png']);
  });

  it('API: detectImages runs in a worker, reports each image in order, and matches detectFiles here', async () => {
    const files = [chelsea, join(IMAGES, 'astronaut.png')];
    const small = { minSize: 320, maxSize: 512, threshold: 0.3 };
    const out = [join(dir, 'api-a.png'), join(dir, 'api-b.png')];
    const events: DetectImageEvent[] = [];
    const { value: results, loop: worker } = await watchEventLoop(() =>
      detectImages(files, { ...small, weights: v1, out }, (e) => events.push(e)),
    );
    assert.deepEqual(
      events.map((e) => [e.index, e.result.file]),
      [
        [0, files[0]],
        [1, files[1]],
      ],
    );
    assert.deepEqual(
      events.map((e) => e.result),
      results,
    );
    // The same images through the in-memory detector on this thread (its heads block the loop).
    const detector = await loadDetector({ ...small, weights: v1 });
    const { value: here, loop: inThread } = await watchEventLoop(() => detectFiles(detector, files, small));
    assert.deepEqual(results, here);
    assert.ok(
      results.some((r) => r.detections.length > 0),
      'no detections to compare',
    );
    assert.deepEqual(
      out.map((p) => readImage(p).width),
      [451, 512],
    );
    console.log(
      `event loop: longest stall ${worker.maxGapMs.toFixed(0)} ms during detectImages (worker, ` +
        `${worker.ticks} ticks), ${inThread.maxGapMs.toFixed(0)} ms during detectFiles on this thread`,
    );
    assert.ok(worker.ticks >= 5, `only ${worker.ticks} timer ticks while detecting`);
    await assert.rejects(
      detectImages([chelsea], { weights: tiny }),
      (e: Error) => e instanceof UserError && /does not hold Faster R-CNN weights/.test(e.message),
    );
    await assert.rejects(
      detectImages(files, { weights: v1, out: [out[0]] }),
      (e: Error) => e instanceof UserError && /1 PNG paths given for 2 images/.test(e.message),
    );
  });

  const bad: [string, string[], number, RegExp][] = [
    ['no --weights', [chelsea], 2, /--weights is required/],
    [
      'an unknown --model',
      [chelsea, '--weights', v1, '--model', 'yolo'],
      2,
      /--model must be one of fasterrcnn, fasterrcnn-v2/,
    ],
    [
      'a --threshold outside [0, 1]',
      [chelsea, '--weights', v1, '--threshold', '1.5'],
      2,
      /--threshold must be a number between 0 and 1/,
    ],
    ['a missing weights file', [chelsea, '--weights', join(dir, 'nope.pth')], 1, /nope\.pth/],
    ['weights of another model', [chelsea, '--weights', tiny], 1, /does not hold Faster R-CNN weights/],
    [
      'v1 weights with --model fasterrcnn-v2',
      [chelsea, '--weights', v1, '--model', 'fasterrcnn-v2'],
      1,
      /holds fasterrcnn weights but --model is fasterrcnn-v2/,
    ],
    ['a missing image', [join(dir, 'missing.png'), '--weights', v1], 1, /missing\.png: file not found/],
  ];
  for (const [what, args, status, message] of bad) {
    it(`rejects ${what} with one sentence`, () => {
      const r = runCli(['detect', ...args]);
      assert.equal(r.status, status, r.stderr);
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
    });
  }
});

describe('Faster R-CNN from ImageNet backbone weights (--weights-backbone)', () => {
  const tmp = tempDirs('detect-backbone-');
  const dir = tmp();
  const backbone = resnet50({ seed: 1 }).stateDict(); // torchvision's initialization, fc included
  // Hugging Face names (microsoft/resnet-50's layout), renamed back to torchvision's when read
  const hfFile = join(dir, 'resnet50-hf.safetensors');
  const notResNet = join(dir, 'fc_only.safetensors');
  const chelsea = join(IMAGES, 'chelsea.png');
  const strip = writeStrip(dir);

  before(() => {
    saveWeightsFile(hfFile, toHuggingFaceKeys(backbone));
    saveWeightsFile(notResNet, new Map([['fc.weight', ruleTensor('fc.weight', [10, 4])]]));
  });

  /** Checks a tensor's sample mean, std and (for uniform draws) range; returns |std/expected − 1|·√n (≤ 5). */
  function checkDraws(name: string, t: Tensor, std: number, bound?: number): number {
    const n = t.size;
    let sum = 0;
    let sumSq = 0;
    let maxAbs = 0;
    for (const v of t.data) {
      sum += v;
      sumSq += v * v;
      maxAbs = Math.max(maxAbs, Math.abs(v));
    }
    const mean = sum / n;
    const sampleStd = Math.sqrt(sumSq / n - mean * mean);
    const relErr = Math.abs(sampleStd / std - 1);
    assert.ok(relErr <= 5 / Math.sqrt(n), `${name}: std ${sampleStd} vs ${std} (rel err ${relErr}, n ${n})`);
    assert.ok(Math.abs(mean) <= (5 * std) / Math.sqrt(n), `${name}: mean ${mean} (std ${std}, n ${n})`);
    if (bound !== undefined) {
      assert.ok(maxAbs <= bound, `${name}: |w| ${maxAbs} above the bound ${bound}`);
      assert.ok(n < 1000 || maxAbs >= 0.99 * bound, `${name}: |w| ${maxAbs} never near the bound ${bound}`);
    }
    return relErr * Math.sqrt(n);
  }

  function zeros(name: string, t: Tensor): void {
    assert.ok(
      t.data.every((v) => v === 0),
      `${name} is not all zeros`,
    );
  }

  for (const model of ['fasterrcnn', 'fasterrcnn-v2'] as const) {
    it(`${model}: the body is the file's ResNet-50, the heads follow torchvision's initialization`, async () => {
      const { model: detector } = await loadDetector({ weightsBackbone: hfFile, model, seed: 5 });
      const body = detector.backbone.body.stateDict();
      let loaded = 0;
      for (const [key, t] of body) {
        assert.deepEqual(t.data, backbone.get(key)?.data, `backbone.body.${key} differs from the file`);
        loaded++;
      }
      // v1: frozen batch norm (no num_batches_tracked) with FrozenBatchNorm2d's eps, not COCO_V1's 0
      const counters = [...backbone.keys()].filter((k) => k.endsWith('num_batches_tracked')).length;
      const weights = backbone.size - 2 - (model === 'fasterrcnn' ? counters : 0); // minus fc.weight, fc.bias
      assert.equal(loaded, weights);
      assert.equal((detector.backbone.body.bn1 as BatchNorm2d).eps, 1e-5);

      let worst = 0;
      let layers = 0;
      for (const [name, m] of detector.namedModules()) {
        if (name.startsWith('backbone.body')) continue;
        if (m instanceof Conv2d) {
          const [OC, C, KH, KW] = m.weight.shape;
          if (name.startsWith('backbone.fpn.')) {
            const bound = Math.sqrt(3 / (C * KH * KW)); // kaiming_uniform_(a=1)
            worst = Math.max(worst, checkDraws(name, m.weight, bound / Math.sqrt(3), bound));
          } else if (name.startsWith('rpn.head.')) {
            worst = Math.max(worst, checkDraws(name, m.weight, 0.01));
          } else {
            worst = Math.max(worst, checkDraws(name, m.weight, Math.sqrt(2 / (OC * KH * KW)))); // fan_out
          }
          if (m.bias !== null) zeros(`${name}.bias`, m.bias);
          layers++;
        } else if (m instanceof Linear) {
          const bound = 1 / Math.sqrt(m.inFeatures); // PyTorch's default
          worst = Math.max(worst, checkDraws(name, m.weight, bound / Math.sqrt(3), bound));
          worst = Math.max(worst, checkDraws(`${name}.bias`, m.bias!, bound / Math.sqrt(3), bound));
          layers++;
        } else if (m instanceof BatchNorm2d) {
          assert.ok(m.weight.data.every((v) => v === 1) && m.running_var.data.every((v) => v === 1), name);
          zeros(`${name}.bias`, m.bias);
          zeros(`${name}.running_mean`, m.running_mean);
        }
      }
      // v1: 8 FPN convs, 3 RPN convs, fc6, fc7 and the predictor's two; v2: 4 RPN convs, 4 box head convs, one fc
      assert.equal(layers, model === 'fasterrcnn' ? 15 : 19);
      console.log(
        `${model} from a backbone: ${loaded} body tensors equal the file's; heads' worst |std/expected − 1|·√n ${worst.toFixed(2)} (limit 5)`,
      );

      const again = await loadDetector({ weightsBackbone: hfFile, model, seed: 5 });
      const other = await loadDetector({ weightsBackbone: hfFile, model, seed: 6 });
      const key = 'rpn.head.cls_logits.weight';
      assert.deepEqual(again.model.stateDict().get(key)?.data, detector.stateDict().get(key)?.data);
      assert.notDeepEqual(other.model.stateDict().get(key)?.data, detector.stateDict().get(key)?.data);
    });
  }

  it('CLI: runs end to end with a notice on stderr, and gives what loadDetector + detectFiles give', async () => {
    const out = join(dir, 'boxes.png');
    const args = ['detect', strip, '--weights-backbone', hfFile, '--json', '--threshold', '0', '--out', out];
    const r = runCli(args);
    assert.equal(r.status, 0, r.stderr);
    assert.match(
      r.stderr,
      /^resnet50: detect: --weights-backbone leaves the FPN, RPN and box heads random, so the detections are meaningless; COCO weights \(--weights fasterrcnn_resnet50_fpn_coco\) find real objects\.\n/,
    );
    const results = JSON.parse(r.stdout) as FileDetections[];
    assert.equal(results.length, 1);
    const { detections } = results[0];
    const labels = cocoLabels();
    for (const d of detections) {
      assert.equal(d.label, labels[d.classIndex]);
      assert.ok(d.classIndex >= 1 && d.classIndex <= 90 && d.score > 0.05 && d.score <= 1, JSON.stringify(d));
      assert.ok(d.box[0] >= 0 && d.box[1] >= 0 && d.box[0] <= d.box[2] && d.box[1] <= d.box[3]);
      assert.ok(d.box[2] <= 451 && d.box[3] <= 100, JSON.stringify(d.box));
    }
    assert.deepEqual([readImage(out).width, readImage(out).height], [451, 100]);
    const detector = await loadDetector({ weightsBackbone: hfFile });
    const here = await detectFiles(detector, [strip], { threshold: 0 });
    assert.deepEqual(results, JSON.parse(JSON.stringify(here)));
    assert.ok(detections.length > 0, 'no detections to compare');
    console.log(
      `--weights-backbone: ${detections.length} detections above 0.05 on the strip of chelsea.png, equal to the API's`,
    );
  });

  const bad: [string, string[], number, RegExp][] = [
    [
      '--weights with --weights-backbone',
      [chelsea, '--weights', hfFile, '--weights-backbone', hfFile],
      2,
      /^resnet50: detect: give --weights or --weights-backbone, not both\.\n$/,
    ],
    [
      'a --weights-backbone without ResNet layers',
      [chelsea, '--weights-backbone', notResNet],
      1,
      /resnet50: .*fc_only\.safetensors holds no ResNet layers, but the Faster R-CNN backbone is a ResNet-50\.\n$/,
    ],
  ];
  for (const [what, args, status, message] of bad) {
    it(`rejects ${what} with one sentence`, () => {
      const r = runCli(['detect', ...args]);
      assert.equal(r.status, status, r.stderr);
      assert.match(r.stderr, message);
      assert.doesNotMatch(r.stderr, /\n\s+at /);
    });
  }
});
