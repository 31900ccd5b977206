/**
 * Weights bytes from where a web page has them: a URL (fetched with progress events, kept in the
 * Cache Storage under its URL when the runtime has one, checked against a SHA-256 through
 * SubtleCrypto), an ArrayBuffer or typed array, or a Blob/File. Every failure is one sentence naming
 * the URL or file. Runs in a page, a worker or Node (global fetch; no Cache Storage there).
 */
import { FileFormatError, OptionError, UserError } from '../errors.js';

/** Where weights come from in a page. */
export type WeightsInput = string | URL | ArrayBuffer | ArrayBufferView | Blob;

export interface DownloadProgress {
  url: string;
  /** Bytes received so far. */
  loaded: number;
  /** The response's Content-Length, or null when the server does not say. */
  total: number | null;
  /** True for the event of bytes served from the cache (one event, loaded = total). */
  cached: boolean;
}

export interface FetchWeightsOptions {
  onProgress?: (progress: DownloadProgress) => void;
  /**
   * The Cache Storage cache to keep downloads in (default 'resnet50-weights'), or false for none.
   * Where the runtime has no Cache Storage (Node, insecure pages) nothing is cached.
   */
  cache?: string | false;
  /** The expected SHA-256 of the bytes, 64 hex digits; a mismatch is refused (and not cached). */
  sha256?: string;
  /** Stops the download: the promise rejects with the signal's reason and nothing is cached. */
  signal?: AbortSignal;
}

export const DEFAULT_WEIGHTS_CACHE = 'resnet50-weights';

/** Bytes and the name messages give them (the URL, the File's name or `weights`). */
export interface WeightsBytes {
  name: string;
  bytes: Uint8Array;
}

function isUrl(input: WeightsInput): input is string | URL {
  return typeof input === 'string' || input instanceof URL;
}

/** The bytes of `input`, downloading a URL as fetchWeightsBytes does. */
export async function weightsBytes(
  input: WeightsInput,
  options: FetchWeightsOptions = {},
): Promise<WeightsBytes> {
  if (isUrl(input)) {
    const url = String(input);
    return { name: url, bytes: await fetchWeightsBytes(url, options) };
  }
  if (input instanceof Blob) {
    const name = typeof File !== 'undefined' && input instanceof File ? input.name : 'weights';
    let buffer: ArrayBuffer;
    try {
      buffer = await input.arrayBuffer();
    } catch (e) {
      throw new FileFormatError(`${name}: cannot be read (${(e as Error).message}).`);
    }
    const bytes = new Uint8Array(buffer);
    if (options.sha256 !== undefined) await checkSha256(bytes, options.sha256, name);
    return { name, bytes };
  }
  const bytes = ArrayBuffer.isView(input)
    ? new Uint8Array(input.buffer, input.byteOffset, input.byteLength)
    : new Uint8Array(input);
  if (options.sha256 !== undefined) await checkSha256(bytes, options.sha256, 'weights');
  return { name: 'weights', bytes };
}

/** The lowercase hex SHA-256 of `bytes`, through SubtleCrypto. */
export async function sha256Hex(bytes: Uint8Array): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', bytes as Uint8Array<ArrayBuffer>);
  return Array.from(new Uint8Array(digest), (b) => b.toString(16).padStart(2, '0')).join('');
}

function expectedSha256(sha256: string): string {
  if (!/^[0-9a-fA-F]{64}$/.test(sha256)) {
    throw new OptionError(`{sha256} must be 64 hexadecimal digits, got '${sha256}'.`);
  }
  return sha256.toLowerCase();
}

async function checkSha256(bytes: Uint8Array, sha256: string, name: string): Promise<void> {
  const want = expectedSha256(sha256);
  const got = await sha256Hex(bytes);
  if (got !== want) {
    throw new FileFormatError(
      `${name}: SHA-256 is ${got}, not the expected ${want} (a corrupt or different file).`,
    );
  }
}

/** The Cache Storage cache named, or null when there is none (Node, an insecure page) or no caching. */
async function openCache(name: string | false | undefined): Promise<Cache | null> {
  if (name === false || typeof caches === 'undefined') return null;
  try {
    return await caches.open(name ?? DEFAULT_WEIGHTS_CACHE);
  } catch {
    return null; // e.g. storage disabled: download without caching
  }
}

/** The body of `response`, read chunk by chunk with a progress event after each. */
async function readBody(
  response: Response,
  url: string,
  cached: boolean,
  { onProgress, signal }: FetchWeightsOptions,
): Promise<Uint8Array> {
  const length = response.headers.get('content-length');
  const encoded = (response.headers.get('content-encoding') ?? 'identity') !== 'identity';
  const total = length !== null && /^\d+$/.test(length) && !encoded ? Number(length) : null;
  if (response.body === null) return new Uint8Array(0);
  const reader = response.body.getReader();
  let out = new Uint8Array(total ?? 1 << 20);
  let loaded = 0;
  for (;;) {
    let chunk: ReadableStreamReadResult<Uint8Array>;
    try {
      chunk = await reader.read();
    } catch (e) {
      if (signal?.aborted === true) throw e;
      throw new UserError(
        `${url}: the download broke off after ${loaded} bytes (${(e as Error).message}); try again.`,
      );
    }
    const { done, value } = chunk;
    if (done) break;
    if (loaded + value.length > out.length) {
      const grown = new Uint8Array(Math.max(2 * out.length, loaded + value.length));
      grown.set(out.subarray(0, loaded));
      out = grown;
    }
    out.set(value, loaded);
    loaded += value.length;
    if (!cached) onProgress?.({ url, loaded, total, cached });
  }
  if (total !== null && loaded !== total) {
    throw new UserError(`${url}: the download ended after ${loaded} of ${total} bytes; try again.`);
  }
  if (cached) onProgress?.({ url, loaded, total: loaded, cached });
  return out.length === loaded ? out : out.slice(0, loaded);
}

/**
 * The bytes at `url`: from the cache when a verified copy is there, else downloaded (progress events
 * as chunks arrive), checked against `sha256` when given, and cached.
 */
export async function fetchWeightsBytes(url: string, options: FetchWeightsOptions = {}): Promise<Uint8Array> {
  const want = options.sha256 === undefined ? undefined : expectedSha256(options.sha256);
  const cache = await openCache(options.cache);
  const hit = await cache?.match(url);
  if (hit !== undefined) {
    const bytes = await readBody(hit, url, true, options);
    if (want === undefined || (await sha256Hex(bytes)) === want) return bytes;
    await cache!.delete(url); // a stale or damaged copy: download it again
  }
  let response: Response;
  try {
    response = await fetch(url, { signal: options.signal });
  } catch (e) {
    if (options.signal?.aborted === true) throw e;
    throw new UserError(`${url}: cannot be downloaded (${(e as Error).message}).`);
  }
  if (!response.ok) {
    throw new UserError(
      `${url}: the server answered HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}.`,
    );
  }
  const bytes = await readBody(response, url, false, options);
  if (want !== undefined) await checkSha256(bytes, want, url);
  options.signal?.throwIfAborted(); // aborted after the last chunk: nothing is cached
  if (cache !== null) {
    const headers = { 'content-type': 'application/octet-stream', 'content-length': String(bytes.length) };
    // Caching is an optimization: a full quota or a disabled storage leaves the download as good.
    await cache.put(url, new Response(bytes as Uint8Array<ArrayBuffer>, { headers })).catch(() => undefined);
  }
  return bytes;
}
