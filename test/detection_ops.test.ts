/**
 * Detection ops against torchvision 0.14 goldens written by test/fixtures/gen_detection_ops.py:
 * nms and batched_nms (both of its CPU strategies) keep exactly torchvision's indices in its order;
 * box_iou, clipping, small-box removal, LevelMapper, _infer_scale and the anchors are exact; BoxCoder
 * boxes agree to 1e-4 (torch's float32 exp/log may differ from Math.exp/log by an ulp); roi_align and
 * MultiScaleRoIAlign agree to 1e-5 of max|value|. Feature maps come from the shared rule tensors.
 * Also: the ops' argument checks, and the native and meta backends behind the roiAlign seam.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { withBackend } from '../src/backends/registry.js';
import { AnchorGenerator } from '../src/detection/anchors.js';
import {
  batchedNms,
  boxArea,
  BoxCoder,
  boxIou,
  clipBoxesToImage,
  nms,
  removeSmallBoxes,
} from '../src/detection/box_ops.js';
import { inferScale, levelMapper, multiScaleRoIAlign } from '../src/detection/poolers.js';
import { argsortDescendingStable, argsortDescendingUnstable } from '../src/detection/torch_sort.js';
import { ShapeError } from '../src/errors.js';
import { roiAlign } from '../src/ops/roi_align.js';
import { Tensor } from '../src/tensor/tensor.js';
import { assertClose, errorStats } from './helpers/compare.js';
import { ruleTensor } from './helpers/rule_weights.js';
import { NATIVE_SKIP } from './helpers/native.js';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const fixtures = path.join(repoRoot, 'test/fixtures/detection_ops');
const load = <T>(name: string): T => JSON.parse(readFileSync(path.join(fixtures, name), 'utf8')) as T;

const BOX_ATOL = 1e-4;
const ROI_RTOL = 1e-5;

const f32 = (values: readonly (number | null)[]): Float32Array => Float32Array.from(values, (v) => v ?? NaN);
const i32 = (values: readonly number[]): Int32Array => Int32Array.from(values);

/** Equal index lists, or a message naming the first difference. */
function assertSameIndices(actual: Int32Array, expected: readonly number[], what: string): void {
  const first = expected.findIndex((v, i) => actual[i] !== v);
  assert.ok(
    actual.length === expected.length && first === -1,
    `${what}: ${actual.length} indices vs torchvision's ${expected.length}, first difference at position ${first}` +
      (first >= 0 ? ` (${actual[first]} vs ${expected[first]})` : ''),
  );
}

/** Max abs error ≤ atol, reported in the test log. */
function assertAbs(
  actual: ArrayLike<number>,
  expected: ArrayLike<number>,
  atol: number,
  what: string,
): number {
  const { maxAbs } = errorStats(actual, expected);
  assert.ok(maxAbs <= atol, `${what}: max|Δ| ${maxAbs.toExponential(3)} (tolerance ${atol})`);
  return maxAbs;
}

interface NmsGolden {
  nms: { name: string; boxes: number[]; scores: number[]; threshold: number; keep: number[] }[];
  batched_nms: {
    name: string;
    boxes: number[];
    scores: number[];
    groups: number[];
    threshold: number;
    keep: number[];
  }[];
  sort: { keys: (number | null)[]; order: number[] }[];
  box_iou: { a: number[]; b: number[]; iou: number[] };
  clip: { boxes: number[]; height: number; width: number; clipped: number[] };
  remove_small: { boxes: number[]; min_size: number; keep: number[] }[];
}
const boxGolden = load<NmsGolden>('nms.json');

for (const c of boxGolden.nms) {
  test(`nms keeps torchvision's indices: ${c.name}`, () => {
    assertSameIndices(nms(f32(c.boxes), f32(c.scores), c.threshold), c.keep, c.name);
  });
}

for (const c of boxGolden.batched_nms) {
  test(`batchedNms keeps torchvision's indices: ${c.name}`, () => {
    assertSameIndices(batchedNms(f32(c.boxes), f32(c.scores), i32(c.groups), c.threshold), c.keep, c.name);
  });
}

test("the unstable descending sort orders ties as torch's default sort does", () => {
  for (const c of boxGolden.sort) {
    assertSameIndices(argsortDescendingUnstable(f32(c.keys)), c.order, `sort of ${c.keys.length} keys`);
  }
});

test('the stable descending sort puts NaN first and keeps ties in index order', () => {
  const keys = Float32Array.from([0.5, NaN, 2, 0.5, 2, NaN, -1]);
  assert.deepEqual([...argsortDescendingStable(keys)], [1, 5, 2, 4, 0, 3, 6]);
});

test('nms and batchedNms on empty input return no indices', () => {
  assert.equal(nms(new Float32Array(0), new Float32Array(0), 0.5).length, 0);
  assert.equal(batchedNms(new Float32Array(0), new Float32Array(0), new Int32Array(0), 0.5).length, 0);
});

test('boxIou, boxArea, clipBoxesToImage and removeSmallBoxes match torchvision exactly', (t) => {
  const { a, b, iou } = boxGolden.box_iou;
  t.diagnostic(`box_iou max|Δ| ${assertAbs(boxIou(f32(a), f32(b)), iou, 0, 'box_iou')}`);
  assert.deepEqual([...boxArea(Float32Array.from([1, 2, 4, 7, 0, 0, 0.5, 0.25]))], [15, 0.125]);
  const { boxes, height, width, clipped } = boxGolden.clip;
  assertAbs(clipBoxesToImage(f32(boxes), height, width), clipped, 0, 'clip_boxes_to_image');
  for (const c of boxGolden.remove_small) {
    assertSameIndices(removeSmallBoxes(f32(c.boxes), c.min_size), c.keep, `remove_small_boxes ${c.min_size}`);
  }
});

test('box ops reject arrays that are not whole boxes', () => {
  assert.throws(() => boxArea(new Float32Array(6)), ShapeError);
  assert.throws(() => nms(new Float32Array(8), new Float32Array(3), 0.5), ShapeError);
  assert.throws(
    () => batchedNms(new Float32Array(8), new Float32Array(2), new Int32Array(1), 0.5),
    ShapeError,
  );
  assert.throws(
    () => new BoxCoder([1, 1, 1, 1]).decode(new Float32Array(8), new Float32Array(4), 1),
    ShapeError,
  );
});

interface CoderGolden {
  cases: {
    name: string;
    weights: [number, number, number, number];
    codes_per_box: number;
    boxes: number[];
    codes: number[];
    decoded: number[];
    proposals: number[];
    encoded: number[];
  }[];
}

for (const c of load<CoderGolden>('box_coder.json').cases) {
  test(`BoxCoder decodes and encodes like torchvision: ${c.name}`, (t) => {
    const coder = new BoxCoder(c.weights);
    const decoded = coder.decode(f32(c.codes), f32(c.boxes), c.codes_per_box);
    const encoded = coder.encode(f32(c.boxes), f32(c.proposals));
    const decodeErr = assertAbs(decoded, c.decoded, BOX_ATOL, `${c.name} decode`);
    const encodeErr = assertAbs(encoded, c.encoded, BOX_ATOL, `${c.name} encode`);
    t.diagnostic(`decode max|Δ| ${decodeErr}, encode max|Δ| ${encodeErr}`);
  });
}

interface AnchorGolden {
  cases: {
    name: string;
    sizes: number[][];
    aspect_ratios: number[][];
    image: [number, number];
    feature_sizes: [number, number][];
    num_anchors_per_location: number[];
    cell_anchors: number[][];
    anchors: number[][];
  }[];
}

for (const c of load<AnchorGolden>('anchors.json').cases) {
  test(`AnchorGenerator gives torchvision's anchors exactly: ${c.name}`, () => {
    const generator = new AnchorGenerator(c.sizes, c.aspect_ratios);
    assert.deepEqual(generator.numAnchorsPerLocation(), c.num_anchors_per_location);
    generator
      .cellAnchors()
      .forEach((cell, level) => assertAbs(cell, c.cell_anchors[level], 0, `cell ${level}`));
    const anchors = generator.gridAnchors(c.image[0], c.image[1], c.feature_sizes);
    assert.equal(anchors.length, c.anchors.length);
    anchors.forEach((level, i) => assertAbs(level, c.anchors[i], 0, `level ${i}`));
  });
}

test('AnchorGenerator defaults to the R50-FPN configuration and checks its inputs', () => {
  const generator = new AnchorGenerator();
  assert.deepEqual(generator.numAnchorsPerLocation(), [3, 3, 3, 3, 3]);
  assert.deepEqual([...generator.cellAnchors()[0]], [-23, -11, 23, 11, -16, -16, 16, 16, -11, -23, 11, 23]);
  assert.throws(() => generator.gridAnchors(64, 64, [[16, 16]]), ShapeError);
  assert.throws(() => new AnchorGenerator([[32]], [[1], [2]]), /aspect ratios/);
});

interface RoiAlignGolden {
  cases: {
    name: string;
    input_key: string;
    input_shape: number[];
    rois: number[];
    output_size: [number, number];
    spatial_scale: number;
    sampling_ratio: number;
    aligned: boolean;
    output: number[];
  }[];
}
const roiGolden = load<RoiAlignGolden>('roi_align.json');

for (const c of roiGolden.cases) {
  test(`roiAlign matches torchvision: ${c.name}`, (t) => {
    const x = ruleTensor(c.input_key, c.input_shape);
    const [outH, outW] = c.output_size;
    const y = roiAlign(x, f32(c.rois), outH, outW, c.spatial_scale, c.sampling_ratio, c.aligned);
    assert.deepEqual(y.shape, [c.rois.length / 5, c.input_shape[1], outH, outW]);
    t.diagnostic(JSON.stringify(assertClose(y.data, c.output, ROI_RTOL, c.name)));
  });
}

test('roiAlign rejects bad arguments with a ShapeError', () => {
  const x = Tensor.zeros([2, 1, 4, 4]);
  const roi = (n: number) => Float32Array.from([n, 0, 0, 2, 2]);
  assert.throws(() => roiAlign(Tensor.zeros([1, 4, 4]), roi(0), 2, 2, 1, 2, false), ShapeError);
  assert.throws(() => roiAlign(x, new Float32Array(7), 2, 2, 1, 2, false), /5 values/);
  assert.throws(() => roiAlign(x, roi(2), 2, 2, 1, 2, false), /batch index 2/);
  assert.throws(() => roiAlign(x, roi(0.5), 2, 2, 1, 2, false), /batch index 0.5/);
  assert.throws(() => roiAlign(x, roi(0), 0, 2, 1, 2, false), /output height/);
  assert.throws(() => roiAlign(x, roi(0), 2, 2, 0, 2, false), /spatial scale/);
  assert.throws(() => roiAlign(x, roi(0), 2, 2, 1, 1.5, false), /sampling ratio/);
  assert.deepEqual(roiAlign(x, new Float32Array(0), 3, 2, 1, 2, false).shape, [0, 1, 3, 2]);
});

test("the native backend's roiAlign equals the reference kernel", { skip: NATIVE_SKIP }, (t) => {
  // The native kernel is a threaded copy of the reference, compiled without FMA contraction:
  // every golden case must agree bit for bit.
  for (const [i, c] of roiGolden.cases.entries()) {
    const x = ruleTensor(c.input_key, c.input_shape);
    const [outH, outW] = c.output_size;
    const run = () => roiAlign(x, f32(c.rois), outH, outW, c.spatial_scale, c.sampling_ratio, c.aligned);
    const expected = withBackend('js', run);
    const actual = withBackend('native', run);
    assert.deepEqual(actual.shape, expected.shape);
    t.diagnostic(JSON.stringify(assertClose(actual.data, expected.data, 0, `case ${i}: native vs js`)));
  }
});

test('the meta backend gives roiAlign its output shape', () => {
  const rois = Float32Array.from([0, 0, 0, 8, 8, 1, 2, 2, 6, 6, 1, 0, 0, 1, 1]);
  const y = withBackend('meta', () => roiAlign(Tensor.zeros([2, 5, 9, 9]), rois, 7, 6, 0.25, 2, false));
  assert.deepEqual(y.shape, [3, 5, 7, 6]);
});

interface PoolerGolden {
  multiscale: {
    image_sizes: [number, number][];
    feature_keys: string[];
    feature_shapes: number[][];
    proposals: number[][];
    output_size: number;
    sampling_ratio: number;
    scales: number[];
    output: number[];
  };
  level_mapper: { boxes: number[]; k_min: number; k_max: number; levels: number[] };
  infer_scale: { feature: [number, number]; image: [number, number]; scale: number }[];
}
const poolerGolden = load<PoolerGolden>('poolers.json');

test('multiScaleRoIAlign matches MultiScaleRoIAlign over 4 levels for 2 images of different sizes', (t) => {
  const g = poolerGolden.multiscale;
  const features = g.feature_keys.map((key, i) => ruleTensor(key, g.feature_shapes[i]));
  const imageHeight = Math.max(...g.image_sizes.map((s) => s[0]));
  const imageWidth = Math.max(...g.image_sizes.map((s) => s[1]));
  const scales = features.map((x) => inferScale([x.shape[2], x.shape[3]], [imageHeight, imageWidth]));
  assert.deepEqual(scales, g.scales);
  const y = multiScaleRoIAlign(
    features,
    g.proposals.map(f32),
    g.image_sizes,
    g.output_size,
    g.sampling_ratio,
  );
  const K = g.proposals.reduce((sum, p) => sum + p.length / 4, 0);
  assert.deepEqual(y.shape, [K, g.feature_shapes[0][1], g.output_size, g.output_size]);
  t.diagnostic(JSON.stringify(assertClose(y.data, g.output, ROI_RTOL, 'MultiScaleRoIAlign')));
});

test('multiScaleRoIAlign with one level is plain roiAlign, and checks its inputs', () => {
  const x = ruleTensor('pooler.single.input', [1, 3, 8, 10]);
  const boxes = Float32Array.from([4, 4, 20, 28, 0, 0, 39, 31]);
  const expected = roiAlign(x, Float32Array.from([0, 4, 4, 20, 28, 0, 0, 0, 39, 31]), 7, 7, 0.25, 2, false);
  assert.deepEqual(multiScaleRoIAlign([x], [boxes], [[32, 40]]).data, expected.data);
  assert.throws(() => multiScaleRoIAlign([x], [boxes, boxes], [[32, 40]]), ShapeError);
  assert.throws(() => multiScaleRoIAlign([x, Tensor.zeros([1, 2, 4, 5])], [boxes], [[32, 40]]), ShapeError);
  assert.throws(() => multiScaleRoIAlign([], [boxes], [[32, 40]]), /no feature maps/);
});

test('levelMapper and inferScale match LevelMapper and _infer_scale exactly', () => {
  const { boxes, k_min, k_max, levels } = poolerGolden.level_mapper;
  assertSameIndices(levelMapper(f32(boxes), k_min, k_max), levels, 'LevelMapper');
  for (const c of poolerGolden.infer_scale) assert.equal(inferScale(c.feature, c.image), c.scale);
  // x1 < x0 with y1 > y0: NaN level in torch, pooled from no level
  assert.deepEqual([...levelMapper(Float32Array.from([10, 0, 5, 5]), 2, 5)], [-1]);
});
