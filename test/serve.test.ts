/**
 * `startServer`: dynamic batching gives each request its own result, the Open Inference Protocol
 * (KServe v2) request as its specification writes it, metrics, bounded queue (503), timeouts (504),
 * dropped work of clients that left, bearer tokens, static files, and 30+ kinds of malformed
 * requests interleaved with good ones. Small model (resnet18, 10 classes, rule weights), 127.0.0.1.
 */
import assert from 'node:assert/strict';
import { mkdirSync, readFileSync, renameSync, symlinkSync, writeFileSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { PRESETS } from '../src/data/transforms.js';
import { Tensor } from '../src/tensor/tensor.js';
import { classifyFiles } from '../src/tasks/classify.js';
import { camImages, camResultJson } from '../src/tasks/cam.js';
import { decodeImage } from '../src/io/image.js';
import { saveWeightsFile } from '../src/io/weights/index.js';
import { FasterRCNN } from '../src/model/detection/faster_rcnn.js';
import { detectImages } from '../src/tasks/detect.js';
import { drawDetections } from '../src/viz/boxes.js';
import { UserError } from '../src/errors.js';
import { ruleStateDict } from './helpers/rule_weights.js';
import { loadRunner, type LoadedRunner } from '../src/tasks/pretrained.js';
import { startServer, type InferenceServer, type ServeOptions } from '../src/serve/server.js';
import { Rng } from '../src/tensor/random.js';
import { IMAGES } from './helpers/cli.js';
import {
  binaryTensorBody,
  distinctPngs,
  float32LE,
  multipart,
  parsePrometheus,
  rawRequest,
  smallWeights,
  splitBinaryResponse,
} from './helpers/serve.js';
import { tempDirs } from './helpers/tmp.js';

const tmp = tempDirs('resnet50-serve-');
let dir: string;
let weights: string;
let reference: LoadedRunner;
let server: InferenceServer;
const quiet = (): void => undefined;

const start = (options: ServeOptions = {}): Promise<InferenceServer> =>
  startServer({ weights, port: 0, preset: 'none', webRoot: false, log: quiet, ...options });

before(async () => {
  dir = tmp();
  weights = smallWeights(dir);
  reference = await loadRunner({ weights });
  server = await start({ maxBatch: 8, maxDelayMs: 30, maxBodyBytes: 2 ** 20 });
});
after(async () => {
  await server?.close();
  reference?.runner.dispose();
});

const maxAbs = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
};

interface ClassifyJson {
  file: string;
  top: { classIndex: number; label: string; score: number }[];
  logits: number[];
}

async function metricsOf(url: string): Promise<ReturnType<typeof parsePrometheus>> {
  const r = await fetch(`${url}/metrics`);
  assert.equal(r.status, 200);
  assert.match(r.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
  return parsePrometheus(await r.text());
}

test('24 concurrent distinct images of two sizes: each response is its own one-by-one result; passes hold several images', async () => {
  const images = [...distinctPngs(16, 96, 96), ...distinctPngs(8, 112, 80, 16)];
  const boundary = 'b0undary';
  const responses = await Promise.all(
    images.map(async (png, i) => {
      const body = multipart(boundary, [
        { name: 'image', filename: `img-${i}.png`, type: 'image/png', data: png },
      ]);
      const r = await fetch(`${server.url}/v1/classify?top=3&logits=true`, {
        method: 'POST',
        body,
        headers: { 'Content-Type': `multipart/form-data; boundary=${boundary}` },
      });
      assert.equal(r.status, 200, await r.clone().text());
      return (await r.json()) as ClassifyJson;
    }),
  );
  // One by one, as `resnet50 classify --json --logits` computes them (classifyFiles).
  const expected = await classifyFiles(
    reference.runner,
    images.map((bytes, i) => ({ name: `img-${i}.png`, bytes })),
    {
      preset: PRESETS.none,
      topK: 3,
      labels: reference.card.classNames ?? Array.from({ length: 10 }, (_, k) => `class ${k}`),
      logits: true,
    },
  );
  let worst = 0;
  responses.forEach((got, i) => {
    const want = expected[i];
    assert.equal(got.file, want.file);
    const err = maxAbs(got.logits, want.logits!);
    worst = Math.max(worst, err);
    assert.ok(err <= 1e-4, `image ${i}: logits max abs error ${err}`);
    // Its own result: closer to its one-by-one logits than to any other image's.
    for (const [j, other] of expected.entries()) {
      if (j !== i)
        assert.ok(maxAbs(got.logits, other.logits!) > 10 * err, `image ${i} is as close to image ${j}`);
    }
    assert.deepEqual(
      got.top.map((p) => p.classIndex),
      want.top.map((p) => p.classIndex),
    );
    assert.ok(
      maxAbs(
        got.top.map((p) => p.score),
        want.top.map((p) => p.score),
      ) <= 1e-5,
    );
  });
  const samples = await metricsOf(server.url);
  const sum = samples.find((s) => s.name === 'resnet50_batch_size_sum')!.value;
  const count = samples.find((s) => s.name === 'resnet50_batch_size_count')!.value;
  const singles = samples.find((s) => s.name === 'resnet50_batch_size_bucket' && s.labels.le === '1')!.value;
  assert.ok(sum >= 24, `batch sizes sum to ${sum}`);
  assert.ok(count < sum && singles < count, `passes: ${count} for ${sum} images, ${singles} of one image`);
  process.stderr.write(`# batching: 24 images in ${count} passes, logits max abs error ${worst}\n`);
});

test('KServe v2: health, metadata and an inference request written from the protocol specification', async () => {
  assert.equal((await fetch(`${server.url}/v2/health/live`)).status, 200);
  assert.equal((await fetch(`${server.url}/v2/health/ready`)).status, 200);
  for (const path of ['/v2/models/resnet50/ready', '/v2/models/resnet50/versions/1/ready']) {
    const r = await fetch(`${server.url}${path}`);
    assert.deepEqual([r.status, await r.json()], [200, { name: 'resnet50', ready: true }], path);
  }
  const meta = (await (await fetch(`${server.url}/v2/models/resnet50`)).json()) as Record<string, unknown>;
  assert.deepEqual(meta.inputs, [{ name: 'input', datatype: 'FP32', shape: [-1, 3, -1, -1] }]);
  assert.deepEqual((meta.outputs as { name: string; shape: number[] }[])[0], {
    name: 'logits',
    datatype: 'FP32',
    shape: [-1, 10],
  });
  // $inference_request: { "id", "inputs": [ { "name", "shape", "datatype", "data" } ], "outputs": [ { "name" } ] }
  const [n, h, w] = [3, 64, 72];
  const x = new Tensor(
    new Float32Array(n * 3 * h * w).map((_, i) => Math.sin(i * 0.013) * 2),
    [n, 3, h, w],
  );
  const nested = Array.from({ length: n }, (_, b) =>
    Array.from({ length: 3 }, (_, c) =>
      Array.from({ length: h }, (_, y) =>
        Array.from(x.data.subarray(((b * 3 + c) * h + y) * w, ((b * 3 + c) * h + y + 1) * w)),
      ),
    ),
  );
  const request = {
    id: 'req-42',
    inputs: [{ name: 'input', shape: [n, 3, h, w], datatype: 'FP32', data: nested }],
    outputs: [{ name: 'logits' }, { name: 'pool' }],
  };
  const r = await fetch(`${server.url}/v2/models/resnet50/infer`, {
    method: 'POST',
    body: JSON.stringify(request),
    headers: { 'Content-Type': 'application/json' },
  });
  assert.equal(r.status, 200);
  const body = (await r.json()) as {
    model_name: string;
    id: string;
    outputs: { name: string; shape: number[]; datatype: string; data: number[] }[];
  };
  assert.equal(body.model_name, 'resnet50');
  assert.equal(body.id, 'req-42');
  const [logits, pool] = await reference.runner.outputs(x, ['output', 'pool']);
  assert.deepEqual(
    body.outputs.map((o) => [o.name, o.datatype, o.shape]),
    [
      ['logits', 'FP32', [n, 10]],
      ['pool', 'FP32', [n, 512]],
    ],
  );
  const errLogits = maxAbs(body.outputs[0].data, logits.data);
  const errPool = maxAbs(body.outputs[1].data, pool.data);
  assert.ok(errLogits <= 1e-4 && errPool <= 1e-4, `max abs error logits ${errLogits}, pool ${errPool}`);
  // The same request with flat data and the versioned path gives the same logits.
  const flat = await fetch(`${server.url}/v2/models/resnet50/versions/1/infer`, {
    method: 'POST',
    body: JSON.stringify({ inputs: [{ ...request.inputs[0], data: Array.from(x.data) }] }),
  });
  const flatBody = (await flat.json()) as typeof body;
  assert.equal(flatBody.id, undefined);
  assert.deepEqual(flatBody.outputs[0].data, body.outputs[0].data);
});

test('KServe v2 binary tensor data extension: raw FP32 in after the JSON header, outputs back as binary data or JSON', async () => {
  const meta = (await (await fetch(`${server.url}/v2`)).json()) as { extensions: string[] };
  assert.ok(meta.extensions.includes('binary_tensor_data'), JSON.stringify(meta));
  const [n, h, w] = [2, 48, 40];
  const x = new Tensor(
    new Float32Array(n * 3 * h * w).map((_, i) => Math.cos(i * 0.021) * 1.5),
    [n, 3, h, w],
  );
  const [logits, pool] = await reference.runner.outputs(x, ['output', 'pool']);
  const infer = '/v2/models/resnet50/infer';
  // The input as binary data; logits asked for as binary data, pool as JSON numbers.
  const mixed = binaryTensorBody(
    {
      id: 'bin-1',
      inputs: [
        {
          name: 'input',
          shape: [n, 3, h, w],
          datatype: 'FP32',
          parameters: { binary_data_size: x.data.length * 4 },
        },
      ],
      outputs: [{ name: 'logits', parameters: { binary_data: true } }, { name: 'pool' }],
    },
    [x.data],
  );
  const r = await rawRequest(server.url, 'POST', infer, mixed.body, mixed.headers);
  assert.equal(r.status, 200, r.body.toString().slice(0, 200));
  assert.equal(r.headers['content-type'], 'application/octet-stream');
  const { json, tail } = splitBinaryResponse(r);
  const out = json as {
    id: string;
    outputs: { name: string; shape: number[]; parameters?: { binary_data_size: number }; data?: number[] }[];
  };
  assert.equal(out.id, 'bin-1');
  assert.deepEqual(
    out.outputs.map((o) => [o.name, o.shape, o.parameters?.binary_data_size, o.data === undefined]),
    [
      ['logits', [n, 10], n * 10 * 4, true],
      ['pool', [n, 512], undefined, false],
    ],
  );
  assert.equal(tail.length, n * 10 * 4);
  const errLogits = maxAbs(float32LE(tail, 0, n * 10), logits.data);
  const errPool = maxAbs(out.outputs[1].data!, pool.data);
  assert.ok(errLogits <= 1e-4 && errPool <= 1e-4, `max abs error logits ${errLogits}, pool ${errPool}`);
  // binary_data_output: every output (here the default, logits) comes back as binary data, as
  // tritonclient asks when a request names no outputs; the same values as the JSON answer.
  const all = binaryTensorBody(
    {
      parameters: { binary_data_output: true },
      inputs: [
        {
          name: 'input',
          shape: [n, 3, h, w],
          datatype: 'FP32',
          parameters: { binary_data_size: x.data.length * 4 },
        },
      ],
    },
    [x.data],
  );
  const rAll = await rawRequest(server.url, 'POST', infer, all.body, all.headers);
  assert.equal(rAll.status, 200, rAll.body.toString().slice(0, 200));
  const split = splitBinaryResponse(rAll);
  assert.deepEqual((split.json as { outputs: unknown[] }).outputs, [
    { name: 'logits', datatype: 'FP32', shape: [n, 10], parameters: { binary_data_size: n * 40 } },
  ]);
  const asJson = await fetch(`${server.url}${infer}`, {
    method: 'POST',
    body: JSON.stringify({
      inputs: [{ name: 'input', shape: [n, 3, h, w], datatype: 'FP32', data: Array.from(x.data) }],
    }),
  });
  const jsonLogits = ((await asJson.json()) as { outputs: { data: number[] }[] }).outputs[0].data;
  assert.deepEqual(Array.from(float32LE(split.tail, 0, n * 10)), jsonLogits);
  // A header that covers the whole body is a plain JSON request.
  const plain = Buffer.from(
    JSON.stringify({
      inputs: [{ name: 'input', shape: [n, 3, h, w], datatype: 'FP32', data: Array.from(x.data) }],
    }),
  );
  const rPlain = await rawRequest(server.url, 'POST', infer, plain, {
    'Inference-Header-Content-Length': String(plain.length),
  });
  assert.equal(rPlain.status, 200);
  assert.equal(rPlain.headers['content-type'], 'application/json');
  assert.deepEqual(
    (JSON.parse(rPlain.body.toString()) as { outputs: { data: number[] }[] }).outputs[0].data,
    jsonLogits,
  );
});

test('KServe v2 classification extension and model configuration: top classes as BYTES strings, the config as Triton gives it', async () => {
  const meta = (await (await fetch(`${server.url}/v2`)).json()) as { extensions: string[] };
  assert.deepEqual(meta.extensions, [
    'binary_tensor_data',
    'classification',
    'model_configuration',
    'statistics',
  ]);
  for (const path of ['/v2/models/resnet50/config', '/v2/models/resnet50/versions/1/config']) {
    const config = (await (await fetch(`${server.url}${path}`)).json()) as Record<string, unknown>;
    assert.equal(config.name, 'resnet50');
    assert.equal(config.max_batch_size, 8);
    assert.deepEqual(config.input, [
      { name: 'input', data_type: 'TYPE_FP32', format: 'FORMAT_NCHW', dims: [3, -1, -1] },
    ]);
    assert.deepEqual(config.output, [
      { name: 'logits', data_type: 'TYPE_FP32', dims: [10] },
      { name: 'pool', data_type: 'TYPE_FP32', dims: [512] },
    ]);
    assert.deepEqual(config.dynamic_batching, {
      preferred_batch_size: [8],
      max_queue_delay_microseconds: 30000,
    });
  }
  // The labels by class index, as /v1/classify names them.
  const [png] = distinctPngs(1, 64, 64, 11);
  const top = (
    (await (
      await fetch(`${server.url}/v1/classify?top=10`, { method: 'POST', body: png })
    ).json()) as ClassifyJson
  ).top;
  const labels = new Map(top.map((t) => [t.classIndex, t.label]));
  const [n, h, w] = [2, 40, 48];
  const x = new Tensor(
    new Float32Array(n * 3 * h * w).map((_, i) => Math.sin(i * 0.7) * 1.2),
    [n, 3, h, w],
  );
  const [logits] = await reference.runner.outputs(x, ['output']);
  /** The reference's top 3 of image b: [index, value], highest first. */
  const want = (b: number): [number, number][] =>
    Array.from(logits.data.subarray(b * 10, (b + 1) * 10), (v, i): [number, number] => [i, v])
      .sort((p, q) => q[1] - p[1])
      .slice(0, 3);
  const check = (strings: string[]): void => {
    assert.equal(strings.length, n * 3);
    strings.forEach((text, j) => {
      const m = /^(-?\d+\.\d{6}):(\d+):(.+)$/.exec(text);
      assert.ok(m !== null, text);
      const [index, value] = want(Math.floor(j / 3))[j % 3];
      assert.equal(Number(m[2]), index, text);
      assert.ok(Math.abs(Number(m[1]) - value) <= 1e-4, `${text}: want ${value}`);
      assert.equal(m[3], labels.get(index), text);
    });
  };
  const input = { name: 'input', shape: [n, 3, h, w], datatype: 'FP32' };
  const asJson = await fetch(`${server.url}/v2/models/resnet50/infer`, {
    method: 'POST',
    body: JSON.stringify({
      inputs: [{ ...input, data: Array.from(x.data) }],
      outputs: [{ name: 'logits', parameters: { classification: 3 } }],
    }),
  });
  const out = (
    (await asJson.json()) as {
      outputs: { name: string; datatype: string; shape: number[]; data: string[] }[];
    }
  ).outputs;
  assert.deepEqual([out[0].datatype, out[0].shape], ['BYTES', [n, 3]]);
  check(out[0].data);
  // As binary data: each element a 4-byte little-endian length, then its bytes.
  const binary = binaryTensorBody(
    {
      inputs: [{ ...input, parameters: { binary_data_size: x.data.length * 4 } }],
      outputs: [{ name: 'logits', parameters: { classification: 3, binary_data: true } }],
    },
    [x.data],
  );
  const r = await rawRequest(server.url, 'POST', '/v2/models/resnet50/infer', binary.body, binary.headers);
  assert.equal(r.status, 200, r.body.toString().slice(0, 200));
  const { json, tail } = splitBinaryResponse(r);
  const head = (
    json as { outputs: { datatype: string; shape: number[]; parameters: { binary_data_size: number } }[] }
  ).outputs[0];
  assert.deepEqual(
    [head.datatype, head.shape, head.parameters.binary_data_size],
    ['BYTES', [n, 3], tail.length],
  );
  const strings: string[] = [];
  for (let at = 0; at < tail.length;) {
    const length = tail.readUInt32LE(at);
    strings.push(tail.subarray(at + 4, at + 4 + length).toString('utf8'));
    at += 4 + length;
  }
  check(strings);
});

test('KServe v2 statistics extension: inferences, executions, queue and model time as Triton counts them', async () => {
  interface Duration {
    count: number;
    ns: number;
  }
  interface Stats {
    name: string;
    version: string;
    last_inference: number;
    inference_count: number;
    execution_count: number;
    inference_stats: Record<
      'success' | 'fail' | 'queue' | 'compute_input' | 'compute_infer' | 'compute_output',
      Duration
    >;
    batch_stats: { batch_size: number; compute_infer: Duration }[];
  }
  const stats = async (path = '/v2/models/resnet50/stats'): Promise<Stats> => {
    const body = (await (await fetch(`${server.url}${path}`)).json()) as { model_stats: Stats[] };
    assert.equal(body.model_stats.length, 1);
    return body.model_stats[0];
  };
  const before = await stats();
  const t0 = Date.now();
  const [n, h, w] = [3, 36, 36];
  const r = await fetch(`${server.url}/v2/models/resnet50/infer`, {
    method: 'POST',
    body: JSON.stringify({
      inputs: [
        { name: 'input', shape: [n, 3, h, w], datatype: 'FP32', data: new Array(n * 3 * h * w).fill(0.25) },
      ],
    }),
  });
  assert.equal(r.status, 200);
  const [png] = distinctPngs(1, 64, 64, 5);
  assert.equal((await fetch(`${server.url}/v1/classify`, { method: 'POST', body: png })).status, 200);
  const after = await stats();
  for (const path of ['/v2/models/stats', '/v2/models/resnet50/versions/1/stats']) {
    assert.equal((await stats(path)).inference_count, after.inference_count, path);
  }
  assert.deepEqual([after.name, after.version], ['resnet50', '1']);
  const d = (key: keyof Stats['inference_stats']): Duration => ({
    count: after.inference_stats[key].count - before.inference_stats[key].count,
    ns: after.inference_stats[key].ns - before.inference_stats[key].ns,
  });
  // Four images: three of the v2 request (one pass: they share a shape), one upload.
  assert.equal(after.inference_count - before.inference_count, 4);
  assert.equal(after.execution_count - before.execution_count, 2);
  assert.equal(d('success').count, 4);
  assert.equal(d('queue').count, 4);
  assert.equal(d('compute_infer').count, 4);
  assert.equal(d('fail').count, 0);
  assert.ok(d('compute_infer').ns > 0 && d('queue').ns >= 0, JSON.stringify(after.inference_stats));
  assert.ok(d('success').ns >= d('compute_infer').ns);
  assert.ok(after.last_inference >= t0 && after.last_inference <= Date.now());
  // Executions by batch size add up to the inferences.
  const total = after.batch_stats.reduce((sum, b) => sum + b.batch_size * b.compute_infer.count, 0);
  assert.equal(total, after.inference_count);
  assert.equal(
    after.batch_stats.reduce((sum, b) => sum + b.compute_infer.count, 0),
    after.execution_count,
  );
});

test('embed answers with the JSON of embed --json; the page is served at /', async () => {
  const [png] = distinctPngs(1, 96, 96, 3);
  const r = await fetch(`${server.url}/v1/embed?layer=layer3`, { method: 'POST', body: png });
  assert.equal(r.status, 200);
  const got = (await r.json()) as { file: string; layer: string; shape: number[]; data: number[] };
  const x = (await import('../src/tasks/input.js')).imageTensor({ name: 'upload', bytes: png }, PRESETS.none);
  const want = await reference.runner.features(x, 'layer3');
  assert.deepEqual([got.file, got.layer, got.shape], ['upload', 'layer3', want.shape.slice(1)]);
  assert.ok(maxAbs(got.data, want.data) <= 1e-4);
  const page = await fetch(`${server.url}/`);
  assert.equal(page.status, 200);
  assert.match(await page.text(), /\/v1\/classify/);
});

test('cam answers with the JSON of cam --json, or the overlay PNG with Accept: image/png', async () => {
  const [png] = distinctPngs(1, 96, 80, 9);
  const r = await fetch(`${server.url}/v1/cam?size=64&class=3`, { method: 'POST', body: png });
  assert.equal(r.status, 200);
  const got = (await r.json()) as Record<string, unknown>;
  const [want] = await camImages([{ name: 'upload', bytes: png }], {
    weights,
    size: 64,
    classIndex: 3,
    preprocess: PRESETS.none,
  });
  assert.deepEqual(got, JSON.parse(JSON.stringify(camResultJson(want, 'class'))));
  const overlay = await fetch(`${server.url}/v1/cam?size=64`, {
    method: 'POST',
    body: png,
    headers: { Accept: 'image/png' },
  });
  assert.equal(overlay.status, 200);
  assert.equal(overlay.headers.get('content-type'), 'image/png');
  const image = decodeImage(new Uint8Array(await overlay.arrayBuffer()), 'overlay');
  assert.deepEqual([image.width, image.height], [96, 80]);
  assert.match(overlay.headers.get('server-timing') ?? '', /^queue;dur=[\d.]+, cam;dur=[\d.]+;desc=/);
  // The CAM model was loaded once, at the first CAM request: without the weights file it still answers.
  renameSync(weights, `${weights}.away`);
  try {
    const again = await fetch(`${server.url}/v1/cam?size=64&class=3`, { method: 'POST', body: png });
    assert.equal(again.status, 200);
    assert.deepEqual(await again.json(), got);
  } finally {
    renameSync(`${weights}.away`, weights);
  }
});

test('detect answers with the JSON of detect --json (same detector options), or the boxes drawn; the detector is loaded once, at start', async () => {
  const frcnn = join(dir, 'fasterrcnn-v1-rule.safetensors');
  saveWeightsFile(frcnn, ruleStateDict(new FasterRCNN('v1')));
  await assert.rejects(
    start({ detectWeights: weights }),
    (e: Error) => e instanceof UserError && /does not hold Faster R-CNN weights/.test(e.message),
  );
  // A small input and few proposals keep the test fast; the answer must be the CLI's all the same.
  const small = { minSize: 128, maxSize: 160, rpnPreNmsTopN: 100, rpnPostNmsTopN: 50 };
  const detecting = await start({ detectWeights: frcnn, detectOptions: small, tasks: ['detect'] });
  try {
    const [png] = distinctPngs(1, 96, 80, 2);
    // What `resnet50 detect --json` computes (detectImages) for the same image and options.
    const [want] = await detectImages([{ name: 'upload', bytes: png }], {
      weights: frcnn,
      ...small,
      threshold: 0.3,
    });
    assert.ok(want.detections.length > 0, 'the rule weights find boxes');
    // Loaded at start: the server answers without its weights file.
    renameSync(frcnn, `${frcnn}.away`);
    const r = await fetch(`${detecting.url}/v1/detect?threshold=0.3`, { method: 'POST', body: png });
    assert.equal(r.status, 200, await r.clone().text());
    assert.deepEqual(await r.json(), JSON.parse(JSON.stringify(want)));
    assert.match(r.headers.get('server-timing') ?? '', /^queue;dur=[\d.]+, detect;dur=[\d.]+/);
    const drawn = await fetch(`${detecting.url}/v1/detect?threshold=0.3`, {
      method: 'POST',
      body: png,
      headers: { Accept: 'image/png' },
    });
    assert.equal(drawn.headers.get('content-type'), 'image/png');
    const image = decodeImage(new Uint8Array(await drawn.arrayBuffer()), 'drawn');
    const expected = drawDetections(decodeImage(png, 'upload'), want.detections);
    assert.deepEqual([image.width, image.height], [96, 80]);
    assert.ok(
      Buffer.from(image.data).equals(Buffer.from(expected.data)),
      'the boxes drawn as detect --out draws them',
    );
    assert.equal((await fetch(`${detecting.url}/v1/classify`, { method: 'POST', body: png })).status, 404);
    process.stderr.write(`# detect: ${want.detections.length} detections ≥ 0.3, equal to detectImages\n`);
  } finally {
    await detecting.close();
  }
});

test('while images are decoded, v2 JSON parsed and passes run, the event loop answers /v2/health/live', async () => {
  const busy = await start({ maxBatch: 4, maxDelayMs: 0 });
  try {
    const images = distinctPngs(8, 320, 240, 3);
    // And a KServe v2 request of 4 MB of JSON (parsed in a decoder thread, not on the event loop).
    const rng = new Rng(8);
    const tensor = {
      inputs: [
        {
          name: 'input',
          datatype: 'FP32',
          shape: [2, 3, 224, 224],
          data: Array.from({ length: 2 * 3 * 224 * 224 }, () => rng.normal()),
        },
      ],
    };
    const requests = [
      ...images.map((png) => ({ path: '/v1/classify', body: png as Uint8Array<ArrayBuffer> | string })),
      { path: '/v2/models/resnet50/infer', body: JSON.stringify(tensor) },
    ];
    let pending = requests.length;
    const classified = Promise.all(
      requests.map(async ({ path, body }) => {
        const r = await fetch(`${busy.url}${path}`, { method: 'POST', body });
        pending--;
        return r.status;
      }),
    );
    const answers: { status: number; ms: number; pending: number }[] = [];
    while (pending > 0) {
      const t0 = performance.now();
      const r = await fetch(`${busy.url}/v2/health/live`);
      answers.push({ status: r.status, ms: performance.now() - t0, pending });
    }
    assert.deepEqual(await classified, new Array(requests.length).fill(200));
    assert.ok(answers.every((a) => a.status === 200));
    const during = answers.filter((a) => a.pending > 0);
    assert.ok(during.length > 0, 'health answered while classifications were in flight');
    process.stderr.write(
      `# health during ${images.length} classifications and a v2 request: ${during.length} answers, the slowest ` +
        `${Math.max(...during.map((a) => a.ms)).toFixed(0)} ms\n`,
    );
  } finally {
    await busy.close();
  }
});

test('/metrics: Prometheus text with requests by endpoint and status, latency histogram, queue depth, images/s', async () => {
  const before = await metricsOf(server.url);
  const count = (samples: typeof before, status: string): number =>
    samples.find(
      (s) =>
        s.name === 'resnet50_requests_total' &&
        s.labels.endpoint === '/v1/classify' &&
        s.labels.status === status,
    )?.value ?? 0;
  const [png] = distinctPngs(1, 96, 96, 5);
  for (let i = 0; i < 3; i++)
    assert.equal((await fetch(`${server.url}/v1/classify`, { method: 'POST', body: png })).status, 200);
  assert.equal((await fetch(`${server.url}/v1/classify?top=0`, { method: 'POST', body: png })).status, 400);
  const samples = await metricsOf(server.url);
  assert.equal(count(samples, '200') - count(before, '200'), 3);
  assert.equal(count(samples, '400') - count(before, '400'), 1);
  const buckets = samples.filter(
    (s) => s.name === 'resnet50_request_duration_seconds_bucket' && s.labels.endpoint === '/v1/classify',
  );
  assert.ok(buckets.length > 5);
  for (let i = 1; i < buckets.length; i++)
    assert.ok(buckets[i].value >= buckets[i - 1].value, 'buckets are cumulative');
  const total = samples.find(
    (s) => s.name === 'resnet50_request_duration_seconds_count' && s.labels.endpoint === '/v1/classify',
  );
  assert.equal(buckets.at(-1)!.labels.le, '+Inf');
  assert.equal(buckets.at(-1)!.value, total!.value);
  assert.equal(samples.find((s) => s.name === 'resnet50_queue_depth')!.value, 0);
  assert.ok(samples.find((s) => s.name === 'resnet50_images_total')!.value >= 29);
  const passes = samples.find((s) => s.name === 'resnet50_inference_duration_seconds_count')!.value;
  const passSeconds = samples.find((s) => s.name === 'resnet50_inference_duration_seconds_sum')!.value;
  const batches = samples.find((s) => s.name === 'resnet50_batch_size_count')!.value;
  assert.equal(passes, batches, 'one pass time per batch');
  // Each pass runs inside the requests it answers.
  const requestSeconds = samples
    .filter((s) => s.name === 'resnet50_request_duration_seconds_sum')
    .reduce((sum, s) => sum + s.value, 0);
  assert.ok(
    passSeconds > 0 && passSeconds <= requestSeconds,
    `pass time ${passSeconds} s of ${requestSeconds} s`,
  );
  assert.ok(samples.find((s) => s.name === 'resnet50_images_per_second')!.value > 0);
});

test('a full queue answers 503 with Retry-After; a request over its time answers 504; a client that leaves has its work dropped', async () => {
  const [a, b, c, d] = distinctPngs(4, 96, 96, 7);
  const slow = await start({ maxBatch: 8, maxDelayMs: 1500, maxQueue: 3 });
  try {
    const waiting = [a, b, c].map((png) => fetch(`${slow.url}/v1/classify`, { method: 'POST', body: png }));
    // The three wait for a fourth (or 1.5 s): the queue is full.
    let depth = 0;
    while (depth < 3)
      depth = (await metricsOf(slow.url)).find((s) => s.name === 'resnet50_queue_depth')!.value;
    const refused = await fetch(`${slow.url}/v1/classify`, { method: 'POST', body: d });
    assert.equal(refused.status, 503);
    assert.equal(refused.headers.get('retry-after'), '1');
    assert.match(((await refused.json()) as { error: string }).error, /busy/);
    for (const r of await Promise.all(waiting)) assert.equal(r.status, 200);
    // A client that gives up while queued: its image leaves the queue, no pass runs for it.
    const passes = (await metricsOf(slow.url)).find((s) => s.name === 'resnet50_batch_size_count')!.value;
    const controller = new AbortController();
    const gone = fetch(`${slow.url}/v1/classify`, { method: 'POST', body: a, signal: controller.signal });
    while ((await metricsOf(slow.url)).find((s) => s.name === 'resnet50_queue_depth')!.value < 1);
    controller.abort();
    await assert.rejects(gone);
    let left = 1;
    while (left > 0) left = (await metricsOf(slow.url)).find((s) => s.name === 'resnet50_queue_depth')!.value;
    await new Promise((resolve) => setTimeout(resolve, 1700));
    assert.equal(
      (await metricsOf(slow.url)).find((s) => s.name === 'resnet50_batch_size_count')!.value,
      passes,
    );
  } finally {
    await slow.close();
  }
  const late = await start({ maxBatch: 8, maxDelayMs: 5000, timeoutMs: 300 });
  try {
    const r = await fetch(`${late.url}/v1/classify`, { method: 'POST', body: a });
    assert.equal(r.status, 504);
    assert.match(((await r.json()) as { error: string }).error, /longer than the server's limit of 300 ms/);
  } finally {
    await late.close();
  }
});

test('with a token: 401 without it or with a wrong one, 200 with it; health checks and the page stay open', async () => {
  const guarded = await start({ token: 's3cret-token' });
  try {
    const [png] = distinctPngs(1, 96, 96);
    const none = await fetch(`${guarded.url}/v1/classify`, { method: 'POST', body: png });
    assert.equal(none.status, 401);
    assert.match(none.headers.get('www-authenticate') ?? '', /^Bearer/);
    for (const auth of ['Bearer wrong', 'Bearer s3cret-toke', 'Basic czNjcmV0LXRva2Vu', 's3cret-token']) {
      const r = await fetch(`${guarded.url}/v1/classify`, {
        method: 'POST',
        body: png,
        headers: { Authorization: auth },
      });
      assert.equal(r.status, 401, auth);
      assert.ok(typeof ((await r.json()) as { error: string }).error === 'string');
    }
    assert.equal((await fetch(`${guarded.url}/metrics`)).status, 401);
    assert.equal((await fetch(`${guarded.url}/v2/models/resnet50`)).status, 401);
    const ok = await fetch(`${guarded.url}/v1/classify`, {
      method: 'POST',
      body: png,
      headers: { Authorization: 'Bearer s3cret-token' },
    });
    assert.equal(ok.status, 200);
    assert.equal((await fetch(`${guarded.url}/v2/health/ready`)).status, 200);
    assert.equal((await fetch(`${guarded.url}/`)).status, 200);
  } finally {
    await guarded.close();
  }
});

test('a web folder is served at /, and no path leaves it', async () => {
  const root = join(dir, 'web');
  mkdirSync(join(root, 'assets'), { recursive: true });
  writeFileSync(join(root, 'index.html'), '<!doctype html><title>web page</title>');
  writeFileSync(join(root, 'assets', 'app.js'), 'console.log(1);');
  writeFileSync(join(dir, 'secret.txt'), 'secret');
  symlinkSync(join(dir, 'secret.txt'), join(root, 'link.txt'));
  const web = await start({ webRoot: root });
  try {
    assert.match(await (await fetch(`${web.url}/`)).text(), /web page/);
    const js = await fetch(`${web.url}/assets/app.js`);
    assert.equal(js.headers.get('content-type'), 'text/javascript; charset=utf-8');
    assert.equal(js.headers.get('cross-origin-embedder-policy'), 'require-corp');
    for (const path of [
      '/../secret.txt',
      '/%2e%2e/secret.txt',
      '/assets/..%2f..%2fsecret.txt',
      '/link.txt',
      '/%00',
      '/assets%5c..%5c..%5csecret.txt',
    ]) {
      const r = await rawRequest(web.url, 'GET', path);
      assert.equal(r.status, 404, path);
      assert.doesNotMatch(r.body.toString(), /secret$/);
    }
  } finally {
    await web.close();
  }
});

test('54 kinds of malformed requests, each followed by a good one: every answer is a JSON 4xx, the good ones succeed', async () => {
  const [good] = distinctPngs(1, 96, 96, 11);
  const truncated = readFileSync(join(IMAGES, 'truncated.jpg'));
  const json = { 'Content-Type': 'application/json' };
  const form = { 'Content-Type': 'multipart/form-data; boundary=XyZ' };
  const input = (over: Record<string, unknown>): string =>
    JSON.stringify({
      inputs: [
        { name: 'input', shape: [1, 3, 32, 32], datatype: 'FP32', data: new Array(3072).fill(0), ...over },
      ],
    });
  const infer = '/v2/models/resnet50/infer';
  /** A binary-extension request: `over` on the input, then `count` values (the first one `first`). */
  const binary = (
    over: Record<string, unknown>,
    count: number,
    first = 0,
  ): [Buffer, Record<string, string>] => {
    const values = new Float32Array(count);
    values[0] = first;
    const { body, headers } = binaryTensorBody(
      { inputs: [{ name: 'input', shape: [1, 3, 32, 32], datatype: 'FP32', ...over }] },
      [values],
    );
    return [body, headers];
  };
  const bad: [number, string, string, (Uint8Array | string)?, Record<string, string>?][] = [
    [404, 'GET', '/nope'],
    [404, 'POST', '/v1/classify/../../etc/passwd'],
    [404, 'POST', '/v1/detect', good],
    [405, 'GET', '/v1/classify'],
    [405, 'PUT', infer, '{}'],
    [405, 'DELETE', '/metrics'],
    [400, 'POST', '/v1/classify', ''],
    [415, 'POST', '/v1/classify', 'hello, not an image'],
    [400, 'POST', '/v1/classify', truncated],
    [400, 'POST', '/v1/classify', Buffer.concat([Buffer.from(good.subarray(0, 40)), Buffer.alloc(100, 7)])],
    [400, 'POST', '/v1/classify?top=0', good],
    [400, 'POST', '/v1/classify?top=abc', good],
    [400, 'POST', '/v1/classify?top=11', good],
    [400, 'POST', '/v1/classify?logits=maybe', good],
    [400, 'POST', '/v1/embed?layer=layer9', good],
    [400, 'POST', '/v1/cam?threshold=2', good],
    [400, 'POST', '/v1/cam?method=magic', good],
    [400, 'POST', '/v1/classify', good, { 'Content-Type': 'multipart/form-data' }],
    [400, 'POST', '/v1/classify', 'garbage without boundaries', form],
    [400, 'POST', '/v1/classify', multipart('XyZ', [{ name: 'comment', data: 'no file here' }]), form],
    [400, 'POST', '/v1/classify', multipart('XyZ', [{ name: 'image', filename: 'e.png', data: '' }]), form],
    [
      415,
      'POST',
      '/v1/classify',
      multipart('XyZ', [{ name: 'image', filename: 'a.txt', data: 'plain text' }]),
      form,
    ],
    [413, 'POST', '/v1/classify', Buffer.alloc(2 ** 20 + 1, 1)],
    [400, 'POST', infer, '{"inputs": [', json],
    [400, 'POST', infer, '[1, 2, 3]', json],
    [400, 'POST', infer, '{}', json],
    [400, 'POST', infer, input({ name: 'images' }), json],
    [400, 'POST', infer, input({ datatype: 'INT32' }), json],
    [400, 'POST', infer, input({ shape: [3, 32, 32] }), json],
    [400, 'POST', infer, input({ shape: [1, 4, 32, 32] }), json],
    [400, 'POST', infer, input({ shape: [1, 3, 16, 16], data: new Array(768).fill(0) }), json],
    [400, 'POST', infer, input({ data: new Array(3071).fill(0) }), json],
    [400, 'POST', infer, input({ data: new Array(3073).fill(0) }), json],
    [400, 'POST', infer, input({ data: [...new Array(3071).fill(0), 'x'] }), json],
    [400, 'POST', infer, input({ shape: [1, 3, 30000, 30000] }), json],
    [400, 'POST', infer, input({ shape: [65, 3, 32, 32] }), json],
    [400, 'POST', infer, JSON.stringify({ ...JSON.parse(input({})), outputs: [{ name: 'probs' }] }), json],
    [400, 'POST', infer, input({}), { 'Inference-Header-Content-Length': '10' }],
    [400, 'POST', infer, input({}), { 'Inference-Header-Content-Length': 'ten' }],
    [400, 'POST', infer, input({}), { 'Inference-Header-Content-Length': '99999' }],
    [400, 'POST', infer, input({ data: undefined, parameters: { binary_data_size: 12288 } }), json],
    [400, 'POST', infer, ...binary({ parameters: { binary_data_size: 12284 } }, 3071)],
    [400, 'POST', infer, ...binary({ parameters: { binary_data_size: '12288' } }, 3072)],
    [400, 'POST', infer, ...binary({ parameters: { binary_data_size: 12288 } }, 3071)],
    [400, 'POST', infer, ...binary({ parameters: { binary_data_size: 12288 } }, 3073)],
    [
      400,
      'POST',
      infer,
      ...binary({ parameters: { binary_data_size: 12288 }, data: new Array(3072).fill(0) }, 3072),
    ],
    [400, 'POST', infer, ...binary({ parameters: 'binary' }, 3072)],
    [400, 'POST', infer, ...binary({ data: new Array(3072).fill(0) }, 4)],
    [400, 'POST', infer, ...binary({ parameters: { binary_data_size: 12288 } }, 3072, NaN)],
    [
      400,
      'POST',
      infer,
      JSON.stringify({ ...JSON.parse(input({})), parameters: { binary_data_output: 'yes' } }),
      json,
    ],
    ...[0, 11, 'three'].map((classification): (typeof bad)[number] => [
      400,
      'POST',
      infer,
      JSON.stringify({
        ...JSON.parse(input({})),
        outputs: [{ name: 'logits', parameters: { classification } }],
      }),
      json,
    ]),
    [404, 'GET', '/v2/models/resnet50/versions/2/config'],
  ];
  assert.equal(bad.length, 54);
  for (const [status, method, path, body, headers] of bad) {
    const r = await rawRequest(server.url, method, path, body, headers);
    const what = `${method} ${path} ${typeof body === 'string' ? body.slice(0, 40) : ''}`;
    assert.equal(r.status, status, `${what}: ${r.body.toString().slice(0, 200)}`);
    assert.equal(r.headers['content-type'], 'application/json', what);
    const error = (JSON.parse(r.body.toString()) as { error: unknown }).error;
    assert.ok(
      typeof error === 'string' && /^[A-Z'/a-z].*\.$/.test(error) && !error.includes('\n'),
      `${what}: ${String(error)}`,
    );
    const ok = await rawRequest(server.url, 'POST', '/v1/classify', good);
    assert.equal(ok.status, 200, `good request after ${what}: ${ok.body.toString()}`);
  }
  // Not HTTP at all: a JSON 400 too, and the server stays up.
  const reply = await new Promise<string>((resolve, reject) => {
    const { port } = new URL(server.url);
    const socket = connect(Number(port), '127.0.0.1', () => socket.end('NOT HTTP AT ALL\r\n\r\n'));
    let text = '';
    socket.on('data', (c) => (text += c.toString()));
    socket.on('end', () => resolve(text));
    socket.on('error', reject);
  });
  assert.match(
    reply,
    /^HTTP\/1\.1 400 Bad Request\r\n[\s\S]*Content-Type: application\/json[\s\S]*\{"error":"The request is not valid HTTP/,
  );
  assert.equal((await fetch(`${server.url}/v2/health/live`)).status, 200);
});
