/**
 * The worker's side of the classifier: answers the requests of protocol.ts on one endpoint (the
 * worker's global scope, or a MessagePort), holding one session. Requests are answered one at a time
 * in arrival order, so a classify sent after a load waits for the model.
 */
import { serializeError, UserError } from '../errors.js';
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
import { createSession, parseSessionWeights, type Session } from './session.js';

/** Where the package's ImageNet class names are, next to this module in the package. */
const IMAGENET_LABELS_URL = new URL('../../../labels/imagenet-1k.json', import.meta.url).href;

async function fetchLabels(url: string): Promise<string[]> {
  let parsed: unknown;
  try {
    const response = await fetch(url);
    if (!response.ok) throw new Error(`HTTP ${response.status}`);
    parsed = await response.json();
  } catch (e) {
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

/** A session for these weights; labels by URL (or ImageNet's for a 1000-class head that records none). */
async function load(
  weights: WeightsTransfer,
  options: LoadOptions,
  onProgress: (progress: DownloadProgress) => void,
): Promise<Session> {
  const input =
    weights.kind === 'url' ? weights.url : weights.kind === 'bytes' ? weights.bytes : weights.blob;
  const { name, bytes } = await weightsBytes(input, {
    sha256: weights.sha256,
    cache: weights.kind === 'url' ? weights.cache : false,
    onProgress,
  });
  const parsed = parseSessionWeights(bytes, weights.kind === 'url' ? name : weights.name, options);
  let labels = typeof options.labels === 'string' ? await fetchLabels(options.labels) : options.labels;
  if (labels === undefined && parsed.numClasses === 1000 && parsed.recorded.classNames === undefined) {
    labels = await fetchLabels(IMAGENET_LABELS_URL);
  }
  return createSession(parsed, { ...options, labels });
}

/** The buffers of a result to transfer rather than copy. */
function transfers(result: Results[keyof Results]): Transferable[] {
  if (result === null) return [];
  if ('logits' in result) return [result.logits.buffer as ArrayBuffer];
  if ('heatmap' in result) return [result.heatmap.data.buffer as ArrayBuffer];
  if ('data' in result) return [result.data.buffer as ArrayBuffer];
  return [];
}

/** Answers the requests arriving at `endpoint` until a dispose request. */
export function serve(endpoint: Endpoint, before: Promise<unknown> = Promise.resolve()): void {
  let session: Session | null = null;
  // Requests are answered in order, after `before` (e.g. the worker registering its backends).
  let queue: Promise<void> = before.then(
    () => undefined,
    () => undefined,
  );
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
    try {
      switch (request.type) {
        case 'load':
          session?.dispose();
          session = null;
          session = await load(request.weights, request.options, (progress) =>
            send({ id, type: 'progress', progress }),
          );
          return reply('load', session.info);
        case 'classify':
          return reply(
            'classify',
            await ready().classify(await imageOf(request.image), { topK: request.topK }),
          );
        case 'embed':
          return reply('embed', await ready().embed(await imageOf(request.image), { layer: request.layer }));
        case 'cam':
          return reply('cam', ready().cam(await imageOf(request.image), request.options));
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
    queue = queue.then(() => answer(request));
  });
}
