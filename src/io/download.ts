/**
 * Downloads files into a local cache, like torch.hub's `load_state_dict_from_url`: reuse a cached copy
 * whose sha256 starts with the expected hex digits, otherwise stream the file into a temp file
 * (hashing as it goes), check the hash and rename it into place. A failed or interrupted download never
 * leaves a partial file behind. Only node built-ins are used (http/https, no fetch). `fetchWeights`
 * serves the weights registry; data sets (data/datasets.ts) use `downloadFile` directly.
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, unlinkSync } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { UserError } from '../errors.js';

/** The base of torchvision's weight URLs; a mirror replaces it. */
export const PYTORCH_MODELS_BASE = 'https://download.pytorch.org/models/';

export interface DownloadableWeights {
  readonly url: string;
  readonly fileName: string;
  /** First hex digits of the file's sha256 (torchvision's 8, embedded in the file name as torch.hub checks). */
  readonly sha256Prefix: string;
  /** Used in messages, e.g. `IMAGENET1K_V2`. */
  readonly name?: string;
}

/** How a download reports and how long it waits. */
export interface TransferOptions {
  /** `false`: silent; `true`: bar on stderr even if it is not a TTY; a stream: report there. Default: stderr. */
  progress?: boolean | NodeJS.WritableStream;
  /** Give up after this long without any data (default 30 s). */
  timeoutMs?: number;
}

export interface FetchOptions extends TransferOptions {
  /** Defaults to `cacheDir()`. */
  cacheDir?: string;
  /** An http(s) URL, `file:` URL or directory replacing `PYTORCH_MODELS_BASE`; defaults to `$RESNET50_WEIGHTS_MIRROR`. */
  mirror?: string;
}

/** One file to download and the sha256 it must have. */
export interface DownloadSpec {
  /** An http(s) or `file:` URL, or a local path (a mirror directory). */
  source: string;
  /** Where the file is kept; its directory is created if needed. */
  path: string;
  /** The sha256 in hex, or its first digits. */
  sha256: string;
  /** What the file is, in messages: `IMAGENET1K_V2 weights`. */
  what: string;
  /**
   * Ends the offline sentence "…download the file on a connected machine and <otherwise>"; `{name}`
   * marks a library option (see OptionError in src/errors.ts).
   */
  otherwise: string;
  /** Ends the sentences about an unwritable directory (default: set RESNET50_CACHE to a writable directory). */
  writable?: string;
}

const MAX_REDIRECTS = 5;
const DEFAULT_TIMEOUT_MS = 30_000;
const MIB = 1024 * 1024;

/** `$RESNET50_CACHE`, else `$XDG_CACHE_HOME/resnet50`, else `~/.cache/resnet50`. */
export function cacheDir(): string {
  const { RESNET50_CACHE, XDG_CACHE_HOME } = process.env;
  if (RESNET50_CACHE) return RESNET50_CACHE;
  if (XDG_CACHE_HOME) return join(XDG_CACHE_HOME, 'resnet50');
  return join(homedir(), '.cache', 'resnet50');
}

export async function sha256File(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Where to fetch `entry` from: its URL, or the same file under the mirror. */
export function sourceUrl(entry: DownloadableWeights, mirror?: string): string {
  const base = mirror || process.env.RESNET50_WEIGHTS_MIRROR;
  if (!base) return entry.url;
  const rest = entry.url.startsWith(PYTORCH_MODELS_BASE)
    ? entry.url.slice(PYTORCH_MODELS_BASE.length)
    : entry.fileName;
  return underBase(base, rest);
}

/** `rest` (a `/`-separated relative path) under `base`: a URL or a directory. */
export function underBase(base: string, rest: string): string {
  if (!isUrl(base)) return join(base, ...rest.split('/'));
  return base.endsWith('/') ? base + rest : `${base}/${rest}`;
}

/**
 * Returns the local path of `entry`'s file, downloading it into the cache if it is missing or its
 * sha256 does not start with `entry.sha256Prefix`.
 */
export async function fetchWeights(entry: DownloadableWeights, opts: FetchOptions = {}): Promise<string> {
  const path = join(opts.cacheDir ?? cacheDir(), entry.fileName);
  return downloadFile(
    {
      source: sourceUrl(entry, opts.mirror),
      path,
      sha256: entry.sha256Prefix,
      what: entry.name ? `${entry.name} weights` : 'weights',
      otherwise: `pass it with {weights} FILE, or place it at ${path}`,
    },
    opts,
  );
}

/**
 * Returns `spec.path`, downloading `spec.source` there first unless the file is already there with
 * the expected sha256. Every failure is a UserError of one sentence, and leaves no partial file.
 */
export async function downloadFile(spec: DownloadSpec, opts: TransferOptions = {}): Promise<string> {
  const finalPath = spec.path;
  const dir = dirname(finalPath);
  const prefix = spec.sha256.toLowerCase();
  const writable = spec.writable ?? 'set RESNET50_CACHE to a writable directory';
  const reporter = makeReporter(opts.progress);
  if (await isFile(finalPath)) {
    if ((await sha256File(finalPath)).startsWith(prefix)) return finalPath;
    reporter?.note(`${finalPath} does not have sha256 ${prefix}; downloading it again.`);
  }
  try {
    await mkdir(dir, { recursive: true });
  } catch (err) {
    throw new UserError(`Could not create the directory ${dir} (${reasonOf(err)}); ${writable}.`);
  }

  const source = spec.source;
  const tmp = `${finalPath}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const abort = new AbortController();
  const release = guardTempFile(tmp, abort);
  try {
    const hex = await transfer(source, tmp, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS, abort, reporter, finalPath);
    if (!hex.startsWith(prefix)) {
      throw new UserError(
        `Downloaded ${source} has sha256 ${hex} but ${prefix} was expected; the file was discarded.`,
      );
    }
    await rename(tmp, finalPath);
    return finalPath;
  } catch (err) {
    reporter?.abandon();
    await rm(tmp, { force: true });
    if (err instanceof UserError) throw err;
    if (isErrnoError(err, tmp)) {
      throw new UserError(`Could not write ${tmp} (${reasonOf(err)}); free some space or ${writable}.`);
    }
    const reason = abort.signal.aborted ? reasonOf(abort.signal.reason) : reasonOf(err);
    throw new UserError(
      `Could not download ${spec.what} from ${source} (${reason}); download the file on a connected machine ` +
        `and ${spec.otherwise}.`,
      { namesOptions: true },
    );
  } finally {
    release();
  }
}

interface Source {
  body: Readable;
  total: number | undefined;
}

/** Streams `source` into `tmp` (created exclusively) and returns the sha256 hex of what was written. */
async function transfer(
  source: string,
  tmp: string,
  timeoutMs: number,
  abort: AbortController,
  reporter: Reporter | undefined,
  finalPath: string,
): Promise<string> {
  const { body, total } = isUrl(source) ? await openUrl(source, timeoutMs, abort) : await openFile(source);
  const hash = createHash('sha256');
  let received = 0;
  reporter?.start(source, finalPath, total);
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      received += chunk.length;
      reporter?.update(received);
      done(null, chunk);
    },
  });
  try {
    await pipeline(body, meter, createWriteStream(tmp, { flags: 'wx' }), { signal: abort.signal });
  } catch (err) {
    if (total !== undefined && received < total && !abort.signal.aborted && !isErrnoError(err, tmp)) {
      throw new Error(`connection lost after ${received} of ${total} bytes`, { cause: err });
    }
    throw err;
  }
  if (total !== undefined && received !== total) {
    throw new Error(`received ${received} of ${total} bytes`);
  }
  reporter?.finish(received);
  return hash.digest('hex');
}

function openUrl(source: string, timeoutMs: number, abort: AbortController): Promise<Source> {
  const url = new URL(source);
  if (url.protocol === 'file:') return openFile(fileURLToPath(url));
  return new Promise((resolve, reject) => {
    let redirects = 0;
    const get = (target: URL): void => {
      const client = target.protocol === 'https:' ? https : http;
      const req = client.get(target, { agent: false, signal: abort.signal }, (res) => {
        const status = res.statusCode ?? 0;
        const location = res.headers.location;
        if (status >= 300 && status < 400 && location !== undefined) {
          res.resume();
          if (redirects++ >= MAX_REDIRECTS) reject(new Error(`more than ${MAX_REDIRECTS} redirects`));
          else get(new URL(location, target));
          return;
        }
        if (status < 200 || status >= 300) {
          res.resume();
          reject(new Error(`HTTP ${status}${res.statusMessage ? ` ${res.statusMessage}` : ''}`));
          return;
        }
        const length = res.headers['content-length'];
        resolve({ body: res, total: length === undefined ? undefined : Number(length) });
      });
      req.setTimeout(timeoutMs, () => abort.abort(new Error(`no data for ${timeoutMs / 1000} s`)));
      req.on('error', reject);
    };
    if (url.protocol !== 'http:' && url.protocol !== 'https:') {
      reject(new Error(`unsupported protocol ${url.protocol}`));
    } else {
      get(url);
    }
  });
}

async function openFile(path: string): Promise<Source> {
  const { size } = await stat(path);
  return { body: createReadStream(path), total: size };
}

/**
 * Deletes `tmp` if the process exits or is interrupted mid-download. On SIGINT/SIGTERM the download is
 * aborted and, unless someone else handles the signal, it is re-raised so the process still dies.
 * Returns the function that removes these handlers.
 */
function guardTempFile(tmp: string, abort: AbortController): () => void {
  const cleanup = (): void => {
    try {
      unlinkSync(tmp);
    } catch {
      // Not created yet, or already renamed/removed.
    }
  };
  const onSignal = (signal: NodeJS.Signals): void => {
    cleanup();
    abort.abort(new Error(`interrupted by ${signal}`));
    release();
    if (process.listenerCount(signal) === 0) process.kill(process.pid, signal);
  };
  const release = (): void => {
    process.off('exit', cleanup);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  };
  process.on('exit', cleanup);
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);
  return release;
}

interface Reporter {
  note(line: string): void;
  start(source: string, dest: string, total: number | undefined): void;
  update(received: number): void;
  finish(received: number): void;
  abandon(): void;
}

function makeReporter(progress: FetchOptions['progress']): Reporter | undefined {
  if (progress === false) return undefined;
  const out = progress === undefined || progress === true ? process.stderr : progress;
  const tty = progress === true || (out as { isTTY?: boolean }).isTTY === true;
  return tty ? barReporter(out) : lineReporter(out);
}

/** Non-TTY output: one line when the download starts and one when it ends. */
function lineReporter(out: NodeJS.WritableStream): Reporter {
  let began = 0;
  return {
    note: (line) => out.write(`${line}\n`),
    start(source, dest, total) {
      began = Date.now();
      const size = total === undefined ? '' : ` (${mb(total)} MB)`;
      out.write(`Downloading ${source}${size} to ${dest}\n`);
    },
    update() {},
    finish(received) {
      const secs = Math.max((Date.now() - began) / 1000, 1e-3);
      out.write(`Downloaded ${mb(received)} MB in ${secs.toFixed(1)} s (${mb(received / secs)} MB/s).\n`);
    },
    abandon() {},
  };
}

/** TTY output: `[#####.....] 45% 44.1/98.0 MB 12.3 MB/s ETA 4s`, redrawn at most 10 times a second. */
function barReporter(out: NodeJS.WritableStream): Reporter {
  const width = 30;
  let began = 0;
  let lastDraw = 0;
  let total: number | undefined;
  let drawn = false;
  const draw = (received: number): void => {
    const secs = Math.max((Date.now() - began) / 1000, 1e-3);
    const rate = received / secs;
    let line = `${mb(received)} MB ${mb(rate)} MB/s`;
    if (total !== undefined && total > 0) {
      const frac = Math.min(received / total, 1);
      const filled = Math.round(frac * width);
      const eta = rate > 0 ? Math.ceil((total - received) / rate) : 0;
      const bar = '#'.repeat(filled) + '.'.repeat(width - filled);
      line = `[${bar}] ${Math.floor(frac * 100)}% ${mb(received)}/${mb(total)} MB ${mb(rate)} MB/s ETA ${eta}s`;
    }
    out.write(`\r${line}\x1b[K`);
    drawn = true;
  };
  return {
    note: (line) => out.write(`${line}\n`),
    start(_source, _dest, size) {
      began = Date.now();
      total = size;
      draw(0);
    },
    update(received) {
      const now = Date.now();
      if (now - lastDraw < 100) return;
      lastDraw = now;
      draw(received);
    },
    finish(received) {
      draw(received);
      out.write('\n');
      drawn = false;
    },
    abandon() {
      if (drawn) out.write('\n');
      drawn = false;
    },
  };
}

function mb(bytes: number): string {
  return (bytes / MIB).toFixed(1);
}

function isUrl(s: string): boolean {
  return /^(https?|file):/i.test(s);
}

async function isFile(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isFile();
  } catch {
    return false;
  }
}

function isErrnoError(err: unknown, path?: string): err is NodeJS.ErrnoException {
  if (!(err instanceof Error) || !('code' in err)) return false;
  return path === undefined || (err as NodeJS.ErrnoException).path === path;
}

/** A short, single-line reason for an error, without a trailing period. */
function reasonOf(err: unknown): string {
  let text = String(err);
  if (err instanceof Error) {
    const code = (err as NodeJS.ErrnoException).code;
    text = err.message || code || err.name;
    if (err.message === 'aborted' && code) text = `connection reset (${code})`;
  }
  return (text.split('\n', 1)[0] ?? text).trim().replace(/\.$/, '');
}
