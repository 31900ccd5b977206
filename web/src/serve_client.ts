/**
 * The page's server mode (when `resnet50 serve` sent it, see src/serve/page_config.ts): images are
 * POSTed to the server's v1 endpoints, with the bearer token when it needs one, and the answers come
 * back with the server's times in their Server-Timing header.
 */

/** One Server-Timing entry: milliseconds and the description. */
export interface ServerTime {
  ms: number;
  desc: string | undefined;
}

/** `decode;dur=3.1;desc="decode + preprocess", queue;dur=0.2` → { decode: …, queue: … }. */
export function parseServerTiming(header: string | null): Record<string, ServerTime> {
  const times: Record<string, ServerTime> = {};
  for (const entry of (header ?? '').split(',')) {
    const [name, ...params] = entry.split(';').map((s) => s.trim());
    if (name === undefined || name === '') continue;
    const param = (key: string): string | undefined => {
      const p = params.find((s) => s.startsWith(`${key}=`));
      return p?.slice(key.length + 1).replace(/^"(.*)"$/, '$1');
    };
    times[name] = { ms: Number(param('dur') ?? NaN), desc: param('desc') };
  }
  return times;
}

/** A refused request: the server's one sentence and the status. */
export class ServerError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** What an endpoint answered: its JSON and the server's times. */
export interface ServerAnswer<T> {
  body: T;
  times: Record<string, ServerTime>;
}

/**
 * POSTs `image` as the `image` part of a form to `path` (relative to the page, so a server behind a
 * path prefix works) and returns the JSON; a refusal throws a ServerError with the server's sentence.
 */
export async function postImage<T>(
  path: string,
  image: Blob,
  name: string,
  token: string,
): Promise<ServerAnswer<T>> {
  const form = new FormData();
  form.append('image', image, name);
  const response = await fetch(new URL(path, location.href), {
    method: 'POST',
    body: form,
    headers: token === '' ? {} : { Authorization: `Bearer ${token}` },
  });
  const body = (await response.json().catch(() => null)) as (T & { error?: unknown }) | null;
  if (!response.ok) {
    const sentence = typeof body?.error === 'string' ? body.error : `HTTP ${response.status}`;
    throw new ServerError(response.status, sentence);
  }
  return { body: body as T, times: parseServerTiming(response.headers.get('Server-Timing')) };
}

/**
 * The bytes to send for an image the page was given: PNG and JPEG files as they are (the server
 * decodes exactly what the CLI would), anything else (a WebP, a GIF, a camera frame) as a PNG of
 * what the browser decoded.
 */
export async function uploadable(
  source: Blob | HTMLCanvasElement,
  bitmap: ImageBitmap,
): Promise<{ blob: Blob; name: string }> {
  const name = source instanceof File ? source.name : 'image.png';
  if (source instanceof Blob && ['image/png', 'image/jpeg', ''].includes(source.type)) {
    return { blob: source, name };
  }
  const canvas = new OffscreenCanvas(bitmap.width, bitmap.height);
  canvas.getContext('2d')!.drawImage(bitmap, 0, 0);
  const png = await canvas.convertToBlob({ type: 'image/png' });
  return { blob: png, name: name.replace(/(\.[^.]*)?$/, '.png') };
}
