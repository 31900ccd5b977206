/**
 * The worker's side of the classifier: answers the requests of protocol.ts on one endpoint (the
 * worker's global scope, or a MessagePort), holding one session. Requests are answered one at a time
 * in arrival order, so a classify sent after a load waits for the model; an abort is handled as it
 * arrives (it stops a load's download, or drops a request still waiting). A load first prepares its
 * backend (the worker's WebAssembly engine on the threads asked for) and reports what runs.
 */
import { MAX_WASM_THREADS } from '../backends/wasm/executor.js';
import { OptionError, serializeError, UserError } from '../errors.js';
import type { RgbImage } from '../io/rgb_image.js';
import { weightsBytes, type DownloadProgress } from './fetch_weights.js';
import { rgbFromBlob, rgbFromDrawable, rgbFromRgba } from './pixels.js';
import type {
  Endpoint,
  ImageTransfer,
  LoadOptions,
  Request,
  Response,
  Results,
  WeightsTransfer,
} from './protocol.js';
import {
  createSession,
  parseSessionWeights,
  sessionBackend,
  type RequestTimings,
  type Session,
  type SessionEngine,
} from './session.js';

/**
 * Prepares a registered backend to run on `threads` threads (undefined: its default) and says what
 * then runs. The worker's prepares its WebAssembly engine (register_web.ts); without one, every
 * backend runs one thread and no WebAssembly build.
 */
export type PrepareBackend = (backend: string, threads: number | undefined) => Promise<SessionEngine>;

const ONE_THREAD: PrepareBackend = async () => ({ threads: 1, build: null });

/** Where the package's ImageNet class names are, next to this module in the package. */
const IMAGENET_LABELS_URL = new URL('../../../labels/imagenet-1k.json', import.meta.url).href;

async function fetchLabels(url: string, signal?: AbortSignal): Promise<string[]> {
  let parsed: unknown;
  try {
    const response = await fetch(url, { signal });
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    parsed = await response.json();
  } catch (e) {
    if (signal?.aborted === true) throw e;
    throw new UserError(
      `${url}: cannot load the class names (${(e as Error).message}); pass them as {labels}.`,
      {
        namesOptions: true,
      },
    );
  }
  if (!Array.isArray(parsed) || !parsed.every((v) => typeof v === 'string')) {
    throw new UserError(`${url}: the class names must be a JSON array of strings.`);
  }
  return parsed;
}

async function imageOf(image: ImageTransfer): Promise<RgbImage> {
  switch (image.kind) {
    case 'rgba':
      return rgbFromRgba({ ...image, data: new Uint8Array(image.data) }, image.name);
    case 'rgb': {
      const data = new Uint8Array(image.data);
      if (data.length !== image.width * image.height * 3) {
        throw new UserError(
          `${image.name}: ${data.length} bytes of RGB for ${image.width}×${image.height} pixels.`,
        );
      }
      return { width: image.width, height: image.height, data };
    }
    case 'blob':
      return rgbFromBlob(image.blob, image.name);
    case 'bitmap':
      try {
        return rgbFromDrawable(image.bitmap, image.name);
      } finally {
        image.bitmap.close();
      }
  }
}

function checkThreads(threads: number | undefined): void {
  if (
    threads !== undefined &&
    (!Number.isSafeInteger(threads) || threads < 1 || threads > MAX_WASM_THREADS)
  ) {
    throw new OptionError(
      `{threads} must be an integer from 1 to ${MAX_WASM_THREADS}, got ${String(threads)}.`,
    );
  }
}

/** A session for these weights; labels by URL (or ImageNet's for a 1000-class head that records none). */
async function load(
  weights: WeightsTransfer,
  options: LoadOptions,
  prepare: PrepareBackend,
  onProgress: (progress: DownloadProgress) => void,
  signal: AbortSignal,
): Promise<Session> {
  checkThreads(options.threads);
  const backend = sessionBackend(options.backend);
  const input =
    weights.kind === 'url' ? weights.url : weights.kind === 'bytes' ? weights.bytes : weights.blob;
  const { name, bytes } = await weightsBytes(input, {
    sha256: weights.sha256,
    cache: weights.kind === 'url' ? weights.cache : false,
    onProgress,
    signal,
  });
  const parsed = parseSessionWeights(bytes, weights.kind === 'url' ? name : weights.name, options);
  let labels =
    typeof options.labels === 'string' ? await fetchLabels(options.labels, signal) : options.labels;
  if (labels === undefined && parsed.numClasses === 1000 && parsed.recorded.classNames === undefined) {
    labels = await fetchLabels(IMAGENET_LABELS_URL, signal);
  }
  signal.throwIfAborted();
  const engine = await prepare(backend, options.threads);
  return createSession(parsed, { ...options, backend, labels, engine });
}

/** The image of a request, and how long decoding it took. */
async function decoded(image: ImageTransfer): Promise<{ rgb: RgbImage; ms: number }> {
  const t0 = performance.now();
  const rgb = await imageOf(image);
  return { rgb, ms: performance.now() - t0 };
}

/** An answer with the image's decoding counted in its preprocessing time. */
function withDecode<T extends { timings: RequestTimings }>(result: T, decodeMs: number): T {
  return { ...result, timings: { ...result.timings, preprocessMs: result.timings.preprocessMs + decodeMs } };
}

/** The buffers of a result to transfer rather than copy. */
function transfers(result: Results[keyof Results]): Transferable[] {
  if (result === null) return [];
  if ('classify' in result) return [...transfers(result.classify), ...transfers(result.cam)];
  if ('logits' in result) return [result.logits.buffer as ArrayBuffer];
  if ('heatmap' in result) return [result.heatmap.data.buffer as ArrayBuffer];
  if ('data' in result) return [result.data.buffer as ArrayBuffer];
  return [];
}

/**
 * Answers the requests arriving at `endpoint`. The first is answered once `setup` settles (e.g. the
 * worker registering its backends), with what it resolves to preparing each load's backend.
 */
export function serve(
  endpoint: Endpoint,
  setup: Promise<PrepareBackend | null> = Promise.resolve(null),
): void {
  let session: Session | null = null;
  let prepare: PrepareBackend = ONE_THREAD;
  let queue: Promise<void> = setup.then(
    (given) => {
      prepare = given ?? ONE_THREAD;
    },
    () => undefined,
  );
  /** The id of the last request started; a later one aborted before it starts is skipped. */
  let started = 0;
  const skipped = new Set<number>();
  /** The running load, which an abort stops. */
  let loading: { id: number; controller: AbortController } | null = null;
  const send = (message: Response, transfer: Transferable[] = []): void =>
    endpoint.postMessage(message, transfer);
  const answer = async (request: Request): Promise<void> => {
    const { id } = request;
    const ready = (): Session => {
      if (session === null) throw new UserError('No model is loaded yet: load weights first.');
      return session;
    };
    const reply = <K extends keyof Results>(type: K, result: Results[K]): void =>
      send({ id, type: 'result', request: type, result } as Response, transfers(result));
    started = id;
    if (skipped.delete(id)) return;
    try {
      switch (request.type) {
        case 'load': {
          session?.dispose();
          session = null;
          const controller = new AbortController();
          loading = { id, controller };
          try {
            session = await load(
              request.weights,
              request.options,
              prepare,
              (progress) => send({ id, type: 'progress', progress }),
              controller.signal,
            );
          } finally {
            loading = null;
          }
          return reply('load', session.info);
        }
        case 'classify': {
          const { rgb, ms } = await decoded(request.image);
          return reply('classify', withDecode(await ready().classify(rgb, { topK: request.topK }), ms));
        }
        case 'embed': {
          const { rgb, ms } = await decoded(request.image);
          return reply('embed', withDecode(await ready().embed(rgb, { layer: request.layer }), ms));
        }
        case 'cam': {
          const { rgb, ms } = await decoded(request.image);
          return reply('cam', withDecode(ready().cam(rgb, request.options), ms));
        }
        case 'analyze': {
          const { rgb, ms } = await decoded(request.image);
          const { classify, cam } = await ready().analyze(rgb, request.options);
          // One decode served both: it is counted in each answer's preprocessing.
          return reply('analyze', { classify: withDecode(classify, ms), cam: withDecode(cam, ms) });
        }
        case 'dispose':
          session?.dispose();
          session = null;
          return reply('dispose', null);
      }
    } catch (e) {
      send({ id, type: 'error', error: serializeError(e) });
    }
  };
  endpoint.addEventListener('message', (event: MessageEvent) => {
    const request = event.data as Request;
    if (request.type === 'abort') {
      if (loading?.id === request.target) loading.controller.abort();
      else if (request.target > started) skipped.add(request.target);
      return;
    }
    queue = queue.then(() => answer(request));
  });
}
