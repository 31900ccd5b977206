/**
 * `startServer(options)`: the HTTP inference service. Weights are loaded once; the v1 endpoints
 * (classify, embed, cam, detect) answer with the JSON the CLI prints, the v2 endpoints speak the Open
 * Inference Protocol (kserve.ts, with Triton's statistics in model_stats.ts); classify, embed and
 * v2 inputs go through one dynamic batcher (batcher.ts) whose passes run on the runner off the event
 * loop. Uploads are decoded in worker threads, and CAM and detection run one at a time in a model
 * worker that loads their models once (workers.ts). GET / is the web page in its server mode
 * (page_config.ts) when it is built, else a small upload page. Every error is `{"error": sentence}`
 * with its status (http_error.ts).
 */
import {
  createServer,
  STATUS_CODES,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { existsSync, readFileSync, realpathSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { nativeAddon } from '../backends/native/addon.js';
import { presetInputSize, type Preset, type PresetName, PRESETS } from '../data/transforms.js';
import type { FetchOptions } from '../io/download.js';
import { imageFormat } from '../io/decode_image.js';
import { checkActivationMemory } from '../limits.js';
import type { FasterRCNNOptions } from '../model/detection/faster_rcnn.js';
import { ARCHITECTURES, MIN_INPUT_SIZE } from '../model/resnet.js';
import type { ResNetOutput } from '../model/plan.js';
import { softmax } from '../ops/index.js';
import { checkFinite } from '../tensor/finite.js';
import { Tensor } from '../tensor/tensor.js';
import { camResultJson, CAM_LAYERS, CAM_METHODS, TOP1_CLASS_SOURCE } from '../tasks/cam.js';
import { checkThreshold, DEFAULT_BOX_THRESHOLD } from '../tasks/cam_box.js';
import { labelsFor } from '../tasks/labels.js';
import type { Precision } from '../plan/plan.js';
import { loadRunner } from '../tasks/pretrained.js';
import { EMBED_LAYERS, topK, type EmbedLayer } from '../tasks/results.js';
import { UserError } from '../errors.js';
import { bearerAuth } from './auth.js';
import { Batcher } from './batcher.js';
import { ModelStats } from './model_stats.js';
import { imageUpload, readBody, type Upload } from './body.js';
import { HttpError, toHttpError } from './http_error.js';
import {
  encodeInferResponse,
  MODEL_NAME,
  MODEL_VERSION,
  modelConfig,
  modelMetadata,
  serverMetadata,
  type OutputName,
} from './kserve.js';
import { Metrics } from './metrics.js';
import { boolParam, choiceParam, intParam, numberParam } from './params.js';
import { withServeConfig, type ServePageConfig } from './page_config.js';
import { PAGE_HEADERS, sendStaticFile, staticFile } from './static_files.js';
import { UPLOAD_PAGE } from './upload_page.js';
import { ServeWorkers, type ModelAnswer, type Prepared } from './workers.js';

export const SERVE_TASKS = ['classify', 'embed', 'cam', 'detect'] as const;
export type ServeTask = (typeof SERVE_TASKS)[number];

export interface ServeOptions {
  /** A .safetensors/.pth/.pt file or IMAGENET1K_V1 / IMAGENET1K_V2 (downloaded first, with progress). */
  weights?: string;
  /** resnet18 … resnet152 (default: the file's, else resnet50). */
  arch?: string;
  /** Preprocessing of uploaded images (default: the weights'). */
  preset?: PresetName | Preset;
  /** native, wasm or js (default as createRunner). */
  backend?: string;
  /** fp32 (default) or bf16 (native engine), as createRunner's option. */
  precision?: Precision;
  allowNonFinite?: boolean;
  /** Class names (default: the weights' card). */
  labels?: readonly string[];
  /** Faster R-CNN weights (a file or registry name); /v1/detect exists only with them. */
  detectWeights?: string;
  /**
   * The detector's torchvision options (default torchvision's), e.g. `minSize`/`maxSize` (the
   * input's short and long side, 800/1333) or `rpnPostNmsTopN` (proposals per image, 1000): smaller
   * is faster and finds fewer small objects.
   */
  detectOptions?: Omit<FasterRCNNOptions, 'numClasses'>;
  /** Address to bind (default 127.0.0.1: only this machine). */
  host?: string;
  /** Port (default 8080; 0 picks a free one). */
  port?: number;
  /** Images per forward pass (default 8; 1 turns batching off). */
  maxBatch?: number;
  /** How long a request may wait for others to share its pass, in ms (default 5). */
  maxDelayMs?: number;
  /** Images that may wait for a pass; beyond, 503 with Retry-After (default 64). */
  maxQueue?: number;
  /** Time from request to response before a 504, in ms (default 30000); also the drain time of close(). */
  timeoutMs?: number;
  /** Largest request body in bytes (default 20 MiB); beyond, 413. */
  maxBodyBytes?: number;
  /** Endpoints to offer (default: classify, embed, cam, and detect with detectWeights). */
  tasks?: readonly ServeTask[];
  /** When set, every request but health checks and the page needs `Authorization: Bearer <token>`. */
  token?: string;
  /**
   * A folder served at /; its index.html gets the tag that puts the web page in its server mode
   * (page_config.ts). Default: the package's built web page (web/dist, from `npm run build:web`;
   * the npm package ships it) when it is there; false, or no built page: a small upload page.
   */
  webRoot?: string | false;
  download?: FetchOptions;
  /** Where startup and error lines go (default: standard error). */
  log?: (line: string) => void;
}

/** What close() left undone when its drain time (the request timeout) ran out. */
export interface CloseResult {
  /** Requests still unanswered when the drain time ended; their connections were closed. */
  unanswered: number;
  /**
   * A model pass was still running (its answers had gone out as 504s or were cut off); freeing the
   * model stops it within one work item (native engine; a TypeScript pass runs to its end).
   */
  passRunning: boolean;
}

export interface InferenceServer {
  /** http://host:port */
  readonly url: string;
  readonly port: number;
  /**
   * Stops accepting connections, lets requests in flight finish (up to the timeout), then closes
   * every connection and frees the model. Idempotent.
   */
  close(): Promise<CloseResult>;
}

interface Route {
  methods: readonly string[];
  /** The endpoint label of metrics. */
  endpoint: string;
  /** Answered without the bearer token (health checks, the page). */
  open?: boolean;
  handle(ctx: Context): Promise<void> | void;
}

/** One image's row of a pass: the output, the pass's time and its number of images. */
interface Ran {
  y: Tensor;
  passMs: number;
  batch: number;
}

interface Context {
  req: IncomingMessage;
  res: ServerResponse;
  url: URL;
  /** Aborts when the client goes away or the request times out. */
  signal: AbortSignal;
}

/** An answer of `contentType`; a request that timed out was answered already, so a late one goes nowhere. */
function send(
  res: ServerResponse,
  status: number,
  body: Uint8Array,
  contentType: string,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent || res.destroyed) return;
  res.writeHead(status, { 'Content-Type': contentType, 'Content-Length': body.length, ...headers });
  res.end(body);
}

function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  send(res, status, Buffer.from(JSON.stringify(body)), 'application/json', headers);
}

/** An upload that is not a PNG or JPEG is 415; one that claims a format and breaks it is 400. */
function checkImageBytes(upload: Upload): void {
  if (imageFormat(upload.bytes) === null) {
    throw new HttpError(415, `${upload.name}: not a PNG or JPEG image.`);
  }
}

/** The built web page of this package (web/dist), or undefined when it was not built. */
function builtWebPage(): string | undefined {
  const dir = fileURLToPath(new URL('../../../web/dist', import.meta.url));
  return existsSync(join(dir, 'index.html')) ? realpathSync(dir) : undefined;
}

/** A Server-Timing header (W3C Server Timing): `name;dur=ms;desc="…"` entries. */
function serverTiming(entries: readonly (readonly [name: string, ms: number, desc?: string])[]): {
  'Server-Timing': string;
} {
  return {
    'Server-Timing': entries
      .map(([name, ms, desc]) => `${name};dur=${ms.toFixed(1)}${desc === undefined ? '' : `;desc="${desc}"`}`)
      .join(', '),
  };
}

/** Whether the client asked for a PNG rather than JSON. */
const wantsPng = (req: IncomingMessage): boolean => /\bimage\/png\b/i.test(req.headers.accept ?? '');

export async function startServer(options: ServeOptions = {}): Promise<InferenceServer> {
  const log = options.log ?? ((line: string) => process.stderr.write(`${line}\n`));
  const host = options.host ?? '127.0.0.1';
  const maxBatch = options.maxBatch ?? 8;
  const maxDelayMs = options.maxDelayMs ?? 5;
  const maxQueue = options.maxQueue ?? 64;
  const timeoutMs = options.timeoutMs ?? 30_000;
  const maxBodyBytes = options.maxBodyBytes ?? 20 * 2 ** 20;
  const checks: [string, number, number][] = [
    ['maxBatch', maxBatch, 1],
    ['maxQueue', maxQueue, 1],
    ['timeoutMs', timeoutMs, 1],
    ['maxBodyBytes', maxBodyBytes, 1],
    ['maxDelayMs', maxDelayMs, 0],
  ];
  for (const [name, v, min] of checks) {
    if (!Number.isInteger(v) || v < min) {
      throw new UserError(`{${name}} must be an integer ≥ ${min}, got ${v}.`, { namesOptions: true });
    }
  }
  const port = options.port ?? 8080;
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new UserError(`{port} must be an integer from 0 to 65535, got ${port}.`, { namesOptions: true });
  }
  const tasks = new Set<ServeTask>(
    options.tasks ?? [
      'classify',
      'embed',
      'cam',
      ...(options.detectWeights === undefined ? [] : ['detect' as const]),
    ],
  );
  if (tasks.has('detect') && options.detectWeights === undefined) {
    throw new UserError('The detect task needs Faster R-CNN weights ({detectWeights}).', {
      namesOptions: true,
    });
  }
  const webRoot =
    options.webRoot === false
      ? undefined
      : options.webRoot === undefined
        ? builtWebPage()
        : realpathSync(options.webRoot);
  const webIndex = webRoot === undefined ? null : staticFile(webRoot, '/');

  const loaded = await loadRunner({
    weights: options.weights,
    arch: options.arch,
    backend: options.backend,
    precision: options.precision,
    allowNonFinite: options.allowNonFinite,
    download: options.download,
  });
  const { runner, card, arch, numClasses, weightsPath } = loaded;
  const preset: Preset =
    options.preset === undefined
      ? card.preprocess
      : typeof options.preset === 'string'
        ? PRESETS[options.preset]
        : options.preset;
  const labels = labelsFor(numClasses, options.labels ?? card.classNames);
  const shape = ARCHITECTURES[arch];
  const poolChannels = 512 * shape.block.expansion;
  const modelFacts = { numClasses, poolChannels, platform: `resnet50-typescript/${runner.backend}` };
  const engine = runner.backend === 'native' ? nativeAddon()?.configure() : undefined;
  const backendText =
    engine === undefined ? runner.backend : `native (${engine.isa}, ${engine.threads} threads)`;
  // The page's server mode: what it may ask for, and (without a token) which model answers.
  const pageConfig: ServePageConfig = {
    tasks: [...tasks],
    token: options.token !== undefined,
    ...(options.token === undefined
      ? {
          model: {
            arch,
            numClasses,
            backend: backendText,
            precision: runner.precision,
            weights: basename(weightsPath),
          },
        }
      : {}),
  };
  const page = webIndex === null ? UPLOAD_PAGE : withServeConfig(readFileSync(webIndex, 'utf8'), pageConfig);
  // Decoders: half the cores (the engine's passes use them all), up to 4.
  const workers = new ServeWorkers(Math.min(4, Math.max(1, Math.floor(availableParallelism() / 2))), {
    cam: tasks.has('cam')
      ? { weights: weightsPath, arch, backend: runner.backend, preset, labels: [...labels] }
      : null,
    detect: tasks.has('detect')
      ? { ...options.detectOptions, weights: options.detectWeights!, backend: runner.backend }
      : null,
  });

  let inFlight = 0;
  // Read at each scrape, once the batchers below exist.
  const metrics: Metrics = new Metrics(
    maxBatch,
    () => batcher.depth + jobs.depth,
    () => inFlight,
  );
  const modelStats = new ModelStats();
  /** Inputs decoded by the decoders: once batched, their buffers go back to them (workers.recycle). */
  const decoded = new WeakSet<Float32Array>();
  /**
   * One pass: the inputs (each [1, 3, H, W], read by the engine where they are, not copied into one
   * batch first), the output named by the key, split per image, each with the pass's time and size.
   */
  const batcher = new Batcher<Tensor, Ran>(
    async (key, inputs, queuedMs) => {
      const output = key.slice(0, key.indexOf('|')) as ResNetOutput;
      const started = performance.now();
      let y: Tensor;
      try {
        [y] = await runner.outputsOfImages(inputs, [output]);
      } catch (e) {
        modelStats.pass(inputs.length, queuedMs, performance.now() - started, false);
        throw e;
      }
      for (const input of inputs) if (decoded.has(input.data)) workers.recycle(input.data);
      const passMs = performance.now() - started;
      metrics.passDone(inputs.length, passMs / 1000);
      modelStats.pass(inputs.length, queuedMs, passMs, true);
      const per = y.size / inputs.length;
      const shape = [1, ...y.shape.slice(1)];
      return inputs.map((_, i) => ({
        y: new Tensor(y.data.slice(i * per, (i + 1) * per), shape),
        passMs,
        batch: inputs.length,
      }));
    },
    { maxBatch, maxDelayMs, maxQueue, onBatch: (n) => metrics.batch(n) },
  );
  /** CAM and detection: one job at a time in the model worker, in the same bounded way. */
  const jobs = new Batcher<() => Promise<ModelAnswer<unknown>>, ModelAnswer<unknown>>(
    async (_key, [job]) => [await job()],
    { maxBatch: 1, maxDelayMs: 0, maxQueue },
  );

  /** An upload decoded and preprocessed in a decoder thread. */
  const prepare = async (upload: Upload): Promise<Prepared & { x: Tensor }> => {
    const p = await workers.prepare(upload, preset);
    decoded.add(p.data);
    return { ...p, x: new Tensor(p.data, p.shape) };
  };

  /** One image [1, 3, H, W] through the batcher: `output` of the model, with a batch axis of 1. */
  const runOne = async (
    x: Tensor,
    output: ResNetOutput,
    signal: AbortSignal,
  ): Promise<Ran & { queueMs: number }> => {
    const [, c, h, w] = x.shape;
    const submitted = performance.now();
    const [ran] = await batcher.submit(`${output}|${c}x${h}x${w}`, [x], signal);
    return { ...ran, queueMs: performance.now() - submitted - ran.passMs };
  };
  const passTiming = (prepared: Prepared, ran: Ran & { queueMs: number }): Record<string, string> =>
    serverTiming([
      ['decode', prepared.ms, 'decode + preprocess'],
      ['queue', ran.queueMs],
      ['inference', ran.passMs, `batch of ${ran.batch}`],
    ]);

  /** A job for the model worker through the jobs queue; its answer and its Server-Timing header. */
  const runJob = async <R>(
    task: 'cam' | 'detect',
    job: () => Promise<ModelAnswer<R>>,
    signal: AbortSignal,
  ): Promise<[ModelAnswer<R>, Record<string, string>]> => {
    const submitted = performance.now();
    const [answer] = (await jobs.submit(task, [job], signal)) as ModelAnswer<R>[];
    metrics.imagesDone(1);
    const queueMs = performance.now() - submitted - answer.ms;
    return [
      answer,
      serverTiming([
        ['queue', queueMs],
        [task, answer.ms, 'in the model worker'],
      ]),
    ];
  };

  const readUpload = async (ctx: Context): Promise<Upload> => {
    const body = await readBody(ctx.req, maxBodyBytes);
    const upload = imageUpload(body, ctx.req.headers['content-type'], 'upload');
    checkImageBytes(upload);
    return upload;
  };

  const taskRoute = (task: ServeTask, handle: (ctx: Context) => Promise<void>): Route => ({
    methods: ['POST'],
    endpoint: `/v1/${task}`,
    handle: (ctx) => {
      if (!tasks.has(task)) throw new HttpError(404, `The ${task} endpoint is not enabled on this server.`);
      return handle(ctx);
    },
  });

  let ready = false;
  let closing = false;
  let idle: (() => void) | undefined;
  let closed: Promise<CloseResult> | undefined;
  const routes: Map<string, Route> = new Map<string, Route>([
    [
      '/',
      {
        methods: ['GET', 'HEAD'],
        endpoint: '/',
        open: true,
        handle: ({ res, req }) => {
          if (webRoot !== undefined && webIndex === null) {
            throw new HttpError(404, 'The web folder has no index.html.');
          }
          sendPage(res, req.method === 'HEAD');
        },
      },
    ],
    [
      '/v1/classify',
      taskRoute('classify', async (ctx) => {
        const k = intParam(ctx.url, 'top', 5, 1, numClasses)!;
        const withLogits = boolParam(ctx.url, 'logits');
        const upload = await readUpload(ctx);
        const prepared = await prepare(upload);
        const ran = await runOne(prepared.x, 'output', ctx.signal);
        const logits = ran.y;
        checkFinite(logits, `${upload.name}: the model's output`);
        const probabilities = softmax(logits).data;
        sendJson(
          ctx.res,
          200,
          {
            file: upload.name,
            top: topK(probabilities, k, labels),
            ...(withLogits ? { logits: Array.from(logits.data) } : {}),
          },
          passTiming(prepared, ran),
        );
      }),
    ],
    [
      '/v1/embed',
      taskRoute('embed', async (ctx) => {
        const layer: EmbedLayer = choiceParam(ctx.url, 'layer', EMBED_LAYERS, 'pool');
        const upload = await readUpload(ctx);
        const prepared = await prepare(upload);
        const ran = await runOne(prepared.x, layer, ctx.signal);
        sendJson(
          ctx.res,
          200,
          { file: upload.name, layer, shape: ran.y.shape.slice(1), data: Array.from(ran.y.data) },
          passTiming(prepared, ran),
        );
      }),
    ],
    [
      '/v1/cam',
      taskRoute('cam', async (ctx) => {
        const method = choiceParam(ctx.url, 'method', CAM_METHODS, 'gradcam');
        const layer = choiceParam(ctx.url, 'layer', CAM_LAYERS, 'layer4');
        const classIndex = intParam(ctx.url, 'class', undefined, 0, numClasses - 1);
        const threshold = numberParam(ctx.url, 'threshold', DEFAULT_BOX_THRESHOLD);
        const size = intParam(ctx.url, 'size', undefined, MIN_INPUT_SIZE, 4096);
        checkThreshold(threshold);
        const upload = await readUpload(ctx);
        const png = wantsPng(ctx.req);
        const [answer, timing] = await runJob(
          'cam',
          () => workers.run({ op: 'cam', upload, cam: { method, layer, classIndex, threshold, size }, png }),
          ctx.signal,
        );
        if (answer.png !== undefined) return send(ctx.res, 200, answer.png, 'image/png', timing);
        const classSource = classIndex === undefined ? TOP1_CLASS_SOURCE : 'class';
        sendJson(ctx.res, 200, camResultJson(answer.result, classSource), timing);
      }),
    ],
    [
      '/v1/detect',
      taskRoute('detect', async (ctx) => {
        const threshold = numberParam(ctx.url, 'threshold', 0.5);
        const upload = await readUpload(ctx);
        const png = wantsPng(ctx.req);
        const [answer, timing] = await runJob(
          'detect',
          () => workers.run({ op: 'detect', upload, threshold, png }),
          ctx.signal,
        );
        if (answer.png !== undefined) return send(ctx.res, 200, answer.png, 'image/png', timing);
        sendJson(ctx.res, 200, answer.result, timing);
      }),
    ],
    [
      '/v2',
      { methods: ['GET'], endpoint: '/v2', handle: ({ res }) => sendJson(res, 200, serverMetadata(VERSION)) },
    ],
    [
      '/v2/health/live',
      {
        methods: ['GET'],
        endpoint: '/v2/health/live',
        open: true,
        handle: ({ res }) => sendJson(res, 200, { live: true }),
      },
    ],
    [
      '/v2/health/ready',
      {
        methods: ['GET'],
        endpoint: '/v2/health/ready',
        open: true,
        handle: ({ res }) => sendJson(res, ready ? 200 : 503, { ready }),
      },
    ],
    [
      `/v2/models/${MODEL_NAME}`,
      {
        methods: ['GET'],
        endpoint: '/v2/models/resnet50',
        handle: ({ res }) => sendJson(res, 200, modelMetadata(modelFacts)),
      },
    ],
    [
      `/v2/models/${MODEL_NAME}/config`,
      {
        methods: ['GET'],
        endpoint: '/v2/models/resnet50/config',
        handle: ({ res }) => sendJson(res, 200, modelConfig(modelFacts, { maxBatch, maxDelayMs })),
      },
    ],
    [
      `/v2/models/${MODEL_NAME}/ready`,
      {
        methods: ['GET'],
        endpoint: '/v2/models/resnet50/ready',
        handle: ({ res }) => sendJson(res, ready ? 200 : 503, { name: MODEL_NAME, ready }),
      },
    ],
    [
      `/v2/models/${MODEL_NAME}/infer`,
      {
        methods: ['POST'],
        endpoint: '/v2/models/resnet50/infer',
        handle: async (ctx) => {
          const headerLength = ctx.req.headers['inference-header-content-length'];
          // Binary tensor data follows a JSON header of that many bytes: read it 4-byte aligned.
          const body = await readBody(ctx.req, maxBodyBytes, Number(headerLength) || 0);
          const request = await workers.parseInfer(
            body,
            {
              maxImages: maxQueue,
              maxValues: Math.floor(maxBodyBytes / 2),
              outputSizes: { logits: numClasses, pool: poolChannels },
            },
            Array.isArray(headerLength) ? headerLength.join(',') : headerLength,
          );
          try {
            checkActivationMemory(
              arch,
              shape,
              Math.min(maxBatch, request.images.length),
              request.height,
              request.width,
              false,
              {
                batch: 'a batch of',
                size: 'input size',
              },
            );
          } catch (e) {
            throw e instanceof UserError ? new HttpError(400, e.message) : e;
          }
          const results = new Map<OutputName, Float32Array[]>();
          for (const name of new Set(request.outputs)) {
            const output: ResNetOutput = name === 'logits' ? 'output' : 'pool';
            const key = `${output}|3x${request.height}x${request.width}`;
            const inputs = request.images.map(
              (data) => new Tensor(data, [1, 3, request.height, request.width]),
            );
            results.set(
              name,
              (await batcher.submit(key, inputs, ctx.signal)).map((r) => r.y.data),
            );
          }
          const answer = encodeInferResponse(request, results, labels);
          if (answer.headerLength === undefined) return send(ctx.res, 200, answer.body, 'application/json');
          send(ctx.res, 200, answer.body, 'application/octet-stream', {
            'Inference-Header-Content-Length': String(answer.headerLength),
          });
        },
      },
    ],
    [
      `/v2/models/${MODEL_NAME}/stats`,
      {
        methods: ['GET'],
        endpoint: '/v2/models/resnet50/stats',
        handle: ({ res }) => sendJson(res, 200, modelStats.json()),
      },
    ],
    [
      '/metrics',
      {
        methods: ['GET'],
        endpoint: '/metrics',
        handle: ({ res }) => {
          const text = metrics.text();
          res.writeHead(200, {
            'Content-Type': 'text/plain; version=0.0.4; charset=utf-8',
            'Content-Length': Buffer.byteLength(text),
          });
          res.end(text);
        },
      },
    ],
  ]);
  // The versioned paths, and the statistics of all models, answer as the unversioned ones.
  const model = `/v2/models/${MODEL_NAME}`;
  const version = `${model}/versions/${MODEL_VERSION}`;
  for (const [alias, target] of [
    [version, model],
    [`${version}/ready`, `${model}/ready`],
    [`${version}/infer`, `${model}/infer`],
    [`${version}/config`, `${model}/config`],
    [`${version}/stats`, `${model}/stats`],
    ['/v2/models/stats', `${model}/stats`],
  ]) {
    routes.set(alias, routes.get(target)!);
  }

  const authorize = options.token === undefined ? null : bearerAuth(options.token);

  /** GET /: the web page with its server-mode tag, or the upload page. */
  function sendPage(res: ServerResponse, head: boolean): void {
    res.writeHead(200, {
      'Content-Type': 'text/html; charset=utf-8',
      'Content-Length': Buffer.byteLength(page),
      'Cache-Control': 'no-store',
      ...PAGE_HEADERS,
    });
    res.end(head ? undefined : page);
  }

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const started = performance.now();
    let endpoint = 'other';
    inFlight++;
    const controller = new AbortController();
    const timer = setTimeout(
      () =>
        controller.abort(
          new HttpError(504, `The request took longer than the server's limit of ${timeoutMs} ms.`),
        ),
      timeoutMs,
    );
    res.on('close', () => {
      clearTimeout(timer);
      inFlight--;
      if (!res.writableFinished) controller.abort(new HttpError(499, 'The client closed the connection.'));
      metrics.request(
        endpoint,
        res.writableFinished ? res.statusCode : 499,
        (performance.now() - started) / 1000,
      );
      if (inFlight === 0) idle?.();
    });
    try {
      const url = new URL(req.url ?? '/', 'http://localhost');
      const route = routes.get(url.pathname.length > 1 ? url.pathname.replace(/\/+$/, '') : url.pathname);
      if (route === undefined) {
        if (webRoot !== undefined && (req.method === 'GET' || req.method === 'HEAD')) {
          const file = staticFile(webRoot, url.pathname);
          if (file !== null) {
            endpoint = 'static';
            if (file === webIndex) return sendPage(res, req.method === 'HEAD');
            return sendStaticFile(res, file, req.method === 'HEAD');
          }
        }
        throw new HttpError(
          404,
          `No endpoint ${url.pathname} on this server; see GET /v2/models/${MODEL_NAME} or POST /v1/classify.`,
        );
      }
      endpoint = route.endpoint;
      if (!route.methods.includes(req.method ?? '')) {
        throw new HttpError(
          405,
          `${route.endpoint} takes ${route.methods.join(' or ')}, not ${req.method}.`,
          {
            Allow: route.methods.join(', '),
          },
        );
      }
      if (!route.open) authorize?.(req.headers);
      if (closing && route.methods.includes('POST')) {
        throw new HttpError(503, 'The server is shutting down.', { 'Retry-After': '1' });
      }
      await Promise.race([
        route.handle({ req, res, url, signal: controller.signal }),
        new Promise<never>((_, reject) => {
          if (controller.signal.aborted) reject(controller.signal.reason);
          controller.signal.addEventListener('abort', () => reject(controller.signal.reason), { once: true });
        }),
      ]);
    } catch (e) {
      const { error, internal } = toHttpError(e);
      if (internal)
        log(
          `resnet50 serve: internal error on ${req.method} ${req.url}: ${(e as Error)?.stack ?? String(e)}`,
        );
      if (res.headersSent || res.destroyed) {
        res.destroy();
        return;
      }
      // A body not read to its end (413, early errors) cannot be followed by another request.
      const unread = !req.complete;
      sendJson(
        res,
        error.status,
        { error: error.message },
        { ...error.headers, ...(unread ? { Connection: 'close' } : {}) },
      );
      if (unread) req.resume();
    }
  };

  const server: Server = createServer((req, res) => void handle(req, res));
  // Requests Node's parser refuses (not HTTP, headers too large) get the same JSON error shape.
  server.on('clientError', (e: NodeJS.ErrnoException, socket) => {
    if (!socket.writable) return socket.destroy();
    const status = e.code === 'HPE_HEADER_OVERFLOW' ? 431 : e.code === 'ERR_HTTP_REQUEST_TIMEOUT' ? 408 : 400;
    const body = JSON.stringify({ error: `The request is not valid HTTP/1.1 (${e.code ?? 'parse error'}).` });
    metrics.request('other', status, 0);
    socket.end(
      `HTTP/1.1 ${status} ${STATUS_CODES[status]}\r\nContent-Type: application/json\r\n` +
        `Content-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
    );
  });
  server.requestTimeout = timeoutMs + 1000;
  server.headersTimeout = Math.min(60_000, timeoutMs + 1000);

  try {
    // Warm-up: compile the plan and its arena at the preset's size before the first request; load
    // the detector (its weights' errors are the server's startup errors).
    const side = presetInputSize(preset) ?? 224;
    await runner.forward(Tensor.zeros([1, 3, side, side]));
    if (tasks.has('detect')) await workers.run({ op: 'loadDetector' });
    await new Promise<void>((resolve, reject) => {
      server.once('error', (e: NodeJS.ErrnoException) =>
        reject(
          e.code === 'EADDRINUSE' || e.code === 'EACCES' || e.code === 'EADDRNOTAVAIL'
            ? new UserError(
                `Cannot listen on ${host}:${port} (${e.code}); choose another {port} or {host}.`,
                {
                  namesOptions: true,
                },
              )
            : e,
        ),
      );
      server.listen(port, host, () => resolve());
    });
  } catch (e) {
    runner.dispose();
    await workers.stop();
    throw e;
  }
  const boundPort = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${boundPort}`;
  ready = true;
  log(
    `resnet50 serve: listening on ${url}: ${arch}, ${numClasses} classes (${weightsPath}), backend ${backendText}, ` +
      `precision ${runner.precision} (${runner.kernelPath} kernels), max batch ${maxBatch}, max delay ${maxDelayMs} ms, queue ${maxQueue}, ` +
      `tasks ${[...tasks].join(',')}${authorize === null ? '' : ', bearer token required'}`,
  );

  return {
    url,
    port: boundPort,
    close() {
      closed ??= (async () => {
        closing = true;
        ready = false;
        const stopped = new Promise<void>((resolve) => server.close(() => resolve()));
        server.closeIdleConnections();
        if (inFlight > 0) {
          await new Promise<void>((resolve) => {
            const t = setTimeout(resolve, timeoutMs);
            idle = () => {
              clearTimeout(t);
              resolve();
            };
          });
        }
        const unanswered = inFlight;
        server.closeAllConnections();
        await stopped;
        const passRunning = batcher.busy || jobs.busy;
        runner.dispose();
        await workers.stop();
        return { unanswered, passRunning };
      })();
      return closed;
    },
  };
}

/** The package version, for GET /v2. */
const VERSION = (
  JSON.parse(readFileSync(new URL('../../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;
