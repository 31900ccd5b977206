/**
 * The page's side of the classifier: `createClassifier` starts the worker that owns the model
 * (worker.ts), sends it the weights, and returns methods that send it images. The page's main thread
 * only posts messages and converts what it cannot transfer (an <img> or a canvas becomes an
 * ImageBitmap); decoding, preprocessing and inference happen in the worker. Pixel and weight buffers
 * are transferred; the caller's own objects are left intact (copied first where transferring would
 * detach them). An AbortSignal stops a weights download, or withdraws a request the worker has not
 * started; the promise then rejects with the signal's reason.
 */
import { deserializeError, OptionError, UserError } from '../errors.js';
import type { RgbImage } from '../io/rgb_image.js';
import type { DownloadProgress, WeightsInput } from './fetch_weights.js';
import type { RgbaPixels } from './pixels.js';
import type {
  Endpoint,
  ImageTransfer,
  LoadOptions,
  RequestBody,
  Response,
  Results,
  WeightsTransfer,
} from './protocol.js';
import type {
  AnalyzeRequest,
  AnalyzeResult,
  CamAnswer,
  CamRequest,
  ClassifyResult,
  EmbedResult,
  SessionInfo,
} from './session.js';
import type { EmbedLayer } from '../tasks/results.js';

/** What a page can hand over as an image. */
export type ImageInput =
  | Blob
  | ImageData
  | ImageBitmap
  | HTMLImageElement
  | HTMLCanvasElement
  | HTMLVideoElement
  | OffscreenCanvas
  | RgbImage;

export interface ClassifierOptions extends LoadOptions {
  /** A URL to download (in the worker), bytes, or a File/Blob: .safetensors or a PyTorch .pth. */
  weights: WeightsInput;
  /** The expected SHA-256 of the weights (64 hex digits); a mismatch is refused. */
  sha256?: string;
  /** Cache Storage cache for downloaded weights (default 'resnet50-weights'), or false. */
  cache?: string | false;
  /** Download progress of URL weights. */
  onProgress?: (progress: DownloadProgress) => void;
  /**
   * Stops loading: the download ends (nothing of it is cached), the worker is ended and
   * createClassifier rejects with the signal's reason.
   */
  signal?: AbortSignal;
  /**
   * The worker to talk to: default a module worker on worker.js next to this module. Pass your own
   * when a bundler emits the worker elsewhere (`new Worker(new URL('resnet50/worker', …))`).
   */
  worker?: Endpoint & { terminate?: () => void };
}

/** What every request may carry: a signal that withdraws it while the worker has not started it. */
export interface RequestOptions {
  signal?: AbortSignal;
}

export interface Classifier {
  /** The model's card and where it runs: backend, threads and WebAssembly build. */
  readonly info: SessionInfo;
  classify(image: ImageInput, options?: { topK?: number } & RequestOptions): Promise<ClassifyResult>;
  embed(image: ImageInput, options?: { layer?: EmbedLayer } & RequestOptions): Promise<EmbedResult>;
  cam(image: ImageInput, options?: CamRequest & RequestOptions): Promise<CamAnswer>;
  /** classify and CAM (of the top-1 unless `cam.classIndex`) of one image, decoded once. */
  analyze(image: ImageInput, options?: AnalyzeRequest & RequestOptions): Promise<AnalyzeResult>;
  /** Frees the model and ends the worker; later calls are refused. */
  dispose(): Promise<void>;
}

const isRgbaPixels = (v: object): v is RgbaPixels & { colorSpace?: string } =>
  'data' in v && (v.data instanceof Uint8ClampedArray || v.data instanceof Uint8Array) && 'width' in v;

/** An image as the worker takes it, with what to transfer. */
async function toTransfer(image: ImageInput): Promise<{ image: ImageTransfer; transfer: Transferable[] }> {
  if (image instanceof Blob) {
    const name = typeof File !== 'undefined' && image instanceof File ? image.name : 'image';
    return { image: { kind: 'blob', name, blob: image }, transfer: [] };
  }
  if (isRgbaPixels(image)) {
    const data = image.data.slice().buffer as ArrayBuffer;
    const kind = image.data.length === image.width * image.height * 3 ? 'rgb' : 'rgba';
    return {
      image: { kind, name: 'image', width: image.width, height: image.height, data },
      transfer: [data],
    };
  }
  if (typeof createImageBitmap === 'undefined') {
    throw new UserError('This runtime has no createImageBitmap to hand the image to the worker.');
  }
  if (typeof HTMLImageElement !== 'undefined' && image instanceof HTMLImageElement) await image.decode();
  const bitmap = await createImageBitmap(image as ImageBitmapSource, {
    colorSpaceConversion: 'none',
    premultiplyAlpha: 'none',
  });
  return { image: { kind: 'bitmap', name: 'image', bitmap }, transfer: [bitmap] };
}

async function weightsTransfer(
  options: ClassifierOptions,
): Promise<{ weights: WeightsTransfer; transfer: Transferable[] }> {
  const { weights, sha256 } = options;
  if (typeof weights === 'string' || weights instanceof URL) {
    return {
      weights: {
        kind: 'url',
        url: new URL(weights, globalThis.location?.href).href,
        sha256,
        cache: options.cache,
      },
      transfer: [],
    };
  }
  if (weights instanceof Blob) {
    const name = typeof File !== 'undefined' && weights instanceof File ? weights.name : 'weights';
    return { weights: { kind: 'blob', name, blob: weights, sha256 }, transfer: [] };
  }
  const view = ArrayBuffer.isView(weights)
    ? new Uint8Array(weights.buffer, weights.byteOffset, weights.byteLength)
    : new Uint8Array(weights);
  const bytes = view.slice().buffer as ArrayBuffer; // a copy: the caller's buffer stays usable
  return { weights: { kind: 'bytes', name: 'weights', bytes, sha256 }, transfer: [bytes] };
}

/** Starts a worker, loads the weights into it and resolves when the model is ready. */
export async function createClassifier(options: ClassifierOptions): Promise<Classifier> {
  if (options === undefined || options.weights === undefined) {
    throw new OptionError('No weights given: pass {weights} (a URL, an ArrayBuffer or a File).');
  }
  const worker: Endpoint & { terminate?: () => void } =
    options.worker ??
    new Worker(new URL('./worker.js', import.meta.url), { type: 'module', name: 'resnet50' });
  const pending = new Map<number, { resolve: (r: unknown) => void; reject: (e: Error) => void }>();
  let nextId = 1;
  let disposed = false;
  worker.addEventListener('message', (event: MessageEvent) => {
    const message = event.data as Response;
    if (message.type === 'progress') {
      options.onProgress?.(message.progress);
      return;
    }
    const call = pending.get(message.id);
    if (call === undefined) return;
    pending.delete(message.id);
    if (message.type === 'error') call.reject(deserializeError(message.error, 'The resnet50 worker'));
    else call.resolve(message.result);
  });
  const request = <K extends keyof Results>(
    message: RequestBody<K>,
    transfer: Transferable[] = [],
    signal?: AbortSignal,
  ): Promise<Results[K]> => {
    if (disposed) return Promise.reject(new UserError('This classifier was disposed; create a new one.'));
    if (signal?.aborted === true) return Promise.reject(signal.reason);
    const id = nextId++;
    return new Promise<Results[K]>((resolve, reject) => {
      const onAbort = (): void => {
        if (!pending.delete(id)) return;
        worker.postMessage({ type: 'abort', id: nextId++, target: id }, []);
        reject(signal!.reason);
      };
      const settle =
        <T>(then: (value: T) => void) =>
        (value: T): void => {
          signal?.removeEventListener('abort', onAbort);
          then(value);
        };
      pending.set(id, { resolve: settle(resolve as (r: unknown) => void), reject: settle(reject) });
      signal?.addEventListener('abort', onAbort, { once: true });
      worker.postMessage({ ...message, id }, transfer);
    });
  };
  const { weights, transfer } = await weightsTransfer(options);
  const loadOptions: LoadOptions = {
    backend: options.backend,
    arch: options.arch,
    // A relative URL is the page's, not the worker's.
    labels:
      typeof options.labels === 'string'
        ? new URL(options.labels, globalThis.location?.href).href
        : options.labels,
    preprocess: options.preprocess,
    allowNonFinite: options.allowNonFinite,
    threads: options.threads,
  };
  let info: SessionInfo;
  try {
    info = await request<'load'>({ type: 'load', weights, options: loadOptions }, transfer, options.signal);
  } catch (e) {
    worker.terminate?.();
    throw e;
  }
  const withImage = async <K extends 'classify' | 'embed' | 'cam' | 'analyze'>(
    image: ImageInput,
    signal: AbortSignal | undefined,
    build: (image: ImageTransfer) => RequestBody<K>,
  ): Promise<Results[K]> => {
    signal?.throwIfAborted();
    const converted = await toTransfer(image);
    return request<K>(build(converted.image), converted.transfer, signal);
  };
  return {
    info,
    classify: (image, { signal, topK } = {}) =>
      withImage<'classify'>(image, signal, (img) => ({ type: 'classify', image: img, topK })),
    embed: (image, { signal, layer } = {}) =>
      withImage<'embed'>(image, signal, (img) => ({ type: 'embed', image: img, layer })),
    cam: (image, { signal, ...o } = {}) =>
      withImage<'cam'>(image, signal, (img) => ({ type: 'cam', image: img, options: o })),
    analyze: (image, { signal, ...o } = {}) =>
      withImage<'analyze'>(image, signal, (img) => ({ type: 'analyze', image: img, options: o })),
    async dispose() {
      if (disposed) return;
      await request<'dispose'>({ type: 'dispose' });
      disposed = true;
      worker.terminate?.();
    },
  };
}
