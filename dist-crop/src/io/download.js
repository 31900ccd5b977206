/**
 * Downloads weights files into a local cache, like torch.hub's `load_state_dict_from_url`: reuse a
 * cached copy whose sha256 starts with the expected prefix, otherwise stream the file into a temp file
 * (hashing as it goes), check the hash and rename it into place. A failed or interrupted download never
 * leaves a partial file behind. Only node built-ins are used (http/https, no fetch).
 */
import { createHash, randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream, unlinkSync } from 'node:fs';
import { mkdir, rename, rm, stat } from 'node:fs/promises';
import http from 'node:http';
import https from 'node:https';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { fileURLToPath } from 'node:url';
import { UserError } from '../errors.js';
/** The base of torchvision's weight URLs; a mirror replaces it. */
export const PYTORCH_MODELS_BASE = 'https://download.pytorch.org/models/';
const MAX_REDIRECTS = 5;
const DEFAULT_TIMEOUT_MS = 30_000;
const MIB = 1024 * 1024;
/** `$RESNET50_CACHE`, else `$XDG_CACHE_HOME/resnet50`, else `~/.cache/resnet50`. */
export function cacheDir() {
    const { RESNET50_CACHE, XDG_CACHE_HOME } = process.env;
    if (RESNET50_CACHE)
        return RESNET50_CACHE;
    if (XDG_CACHE_HOME)
        return join(XDG_CACHE_HOME, 'resnet50');
    return join(homedir(), '.cache', 'resnet50');
}
export async function sha256File(path) {
    const hash = createHash('sha256');
    for await (const chunk of createReadStream(path))
        hash.update(chunk);
    return hash.digest('hex');
}
/** Where to fetch `entry` from: its URL, or the same file under the mirror. */
export function sourceUrl(entry, mirror) {
    const base = mirror || process.env.RESNET50_WEIGHTS_MIRROR;
    if (!base)
        return entry.url;
    const rest = entry.url.startsWith(PYTORCH_MODELS_BASE)
        ? entry.url.slice(PYTORCH_MODELS_BASE.length)
        : entry.fileName;
    if (!isUrl(base))
        return join(base, rest);
    return base.endsWith('/') ? base + rest : `${base}/${rest}`;
}
/**
 * Returns the local path of `entry`'s file, downloading it into the cache if it is missing or its
 * sha256 does not start with `entry.sha256Prefix`.
 */
export async function fetchWeights(entry, opts = {}) {
    const dir = opts.cacheDir ?? cacheDir();
    const finalPath = join(dir, entry.fileName);
    const prefix = entry.sha256Prefix.toLowerCase();
    const reporter = makeReporter(opts.progress);
    if (await isFile(finalPath)) {
        if ((await sha256File(finalPath)).startsWith(prefix))
            return finalPath;
        reporter?.note(`${finalPath} does not have sha256 prefix ${prefix}; downloading it again.`);
    }
    try {
        await mkdir(dir, { recursive: true });
    }
    catch (err) {
        throw new UserError(`Could not create the weights cache directory ${dir} (${reasonOf(err)}); set RESNET50_CACHE to a writable directory.`);
    }
    const source = sourceUrl(entry, opts.mirror);
    const tmp = join(dir, `${entry.fileName}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
    const abort = new AbortController();
    const release = guardTempFile(tmp, abort);
    try {
        const hex = await transfer(source, tmp, opts.timeoutMs ?? DEFAULT_TIMEOUT_MS, abort, reporter, finalPath);
        if (!hex.startsWith(prefix)) {
            throw new UserError(`Downloaded ${source} has sha256 ${hex} but ${prefix} was expected; the file was discarded.`);
        }
        await rename(tmp, finalPath);
        return finalPath;
    }
    catch (err) {
        reporter?.abandon();
        await rm(tmp, { force: true });
        if (err instanceof UserError)
            throw err;
        if (isErrnoError(err, tmp)) {
            throw new UserError(`Could not write ${tmp} (${reasonOf(err)}); free some space or set RESNET50_CACHE to a writable directory.`);
        }
        const what = entry.name ? `${entry.name} weights` : 'weights';
        const reason = abort.signal.aborted ? reasonOf(abort.signal.reason) : reasonOf(err);
        throw new UserError(`Could not download ${what} from ${source} (${reason}); download the file on a connected machine ` +
            `and pass it with --weights FILE, or place it at ${finalPath}.`);
    }
    finally {
        release();
    }
}
/** Streams `source` into `tmp` (created exclusively) and returns the sha256 hex of what was written. */
async function transfer(source, tmp, timeoutMs, abort, reporter, finalPath) {
    const { body, total } = isUrl(source) ? await openUrl(source, timeoutMs, abort) : await openFile(source);
    const hash = createHash('sha256');
    let received = 0;
    reporter?.start(source, finalPath, total);
    const meter = new Transform({
        transform(chunk, _encoding, done) {
            hash.update(chunk);
            received += chunk.length;
            reporter?.update(received);
            done(null, chunk);
        },
    });
    try {
        await pipeline(body, meter, createWriteStream(tmp, { flags: 'wx' }), { signal: abort.signal });
    }
    catch (err) {
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
function openUrl(source, timeoutMs, abort) {
    const url = new URL(source);
    if (url.protocol === 'file:')
        return openFile(fileURLToPath(url));
    return new Promise((resolve, reject) => {
        let redirects = 0;
        const get = (target) => {
            const client = target.protocol === 'https:' ? https : http;
            const req = client.get(target, { agent: false, signal: abort.signal }, (res) => {
                const status = res.statusCode ?? 0;
                const location = res.headers.location;
                if (status >= 300 && status < 400 && location !== undefined) {
                    res.resume();
                    if (redirects++ >= MAX_REDIRECTS)
                        reject(new Error(`more than ${MAX_REDIRECTS} redirects`));
                    else
                        get(new URL(location, target));
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
        }
        else {
            get(url);
        }
    });
}
async function openFile(path) {
    const { size } = await stat(path);
    return { body: createReadStream(path), total: size };
}
/**
 * Deletes `tmp` if the process exits or is interrupted mid-download. On SIGINT/SIGTERM the download is
 * aborted and, unless someone else handles the signal, it is re-raised so the process still dies.
 * Returns the function that removes these handlers.
 */
function guardTempFile(tmp, abort) {
    const cleanup = () => {
        try {
            unlinkSync(tmp);
        }
        catch {
            // Not created yet, or already renamed/removed.
        }
    };
    const onSignal = (signal) => {
        cleanup();
        abort.abort(new Error(`interrupted by ${signal}`));
        release();
        if (process.listenerCount(signal) === 0)
            process.kill(process.pid, signal);
    };
    const release = () => {
        process.off('exit', cleanup);
        process.off('SIGINT', onSignal);
        process.off('SIGTERM', onSignal);
    };
    process.on('exit', cleanup);
    process.once('SIGINT', onSignal);
    process.once('SIGTERM', onSignal);
    return release;
}
function makeReporter(progress) {
    if (progress === false)
        return undefined;
    const out = progress === undefined || progress === true ? process.stderr : progress;
    const tty = progress === true || out.isTTY === true;
    return tty ? barReporter(out) : lineReporter(out);
}
/** Non-TTY output: one line when the download starts and one when it ends. */
function lineReporter(out) {
    let began = 0;
    return {
        note: (line) => out.write(`${line}\n`),
        start(source, dest, total) {
            began = Date.now();
            const size = total === undefined ? '' : ` (${mb(total)} MB)`;
            out.write(`Downloading ${source}${size} to ${dest}\n`);
        },
        update() { },
        finish(received) {
            const secs = Math.max((Date.now() - began) / 1000, 1e-3);
            out.write(`Downloaded ${mb(received)} MB in ${secs.toFixed(1)} s (${mb(received / secs)} MB/s).\n`);
        },
        abandon() { },
    };
}
/** TTY output: `[#####.....] 45% 44.1/98.0 MB 12.3 MB/s ETA 4s`, redrawn at most 10 times a second. */
function barReporter(out) {
    const width = 30;
    let began = 0;
    let lastDraw = 0;
    let total;
    let drawn = false;
    const draw = (received) => {
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
            if (now - lastDraw < 100)
                return;
            lastDraw = now;
            draw(received);
        },
        finish(received) {
            draw(received);
            out.write('\n');
            drawn = false;
        },
        abandon() {
            if (drawn)
                out.write('\n');
            drawn = false;
        },
    };
}
function mb(bytes) {
    return (bytes / MIB).toFixed(1);
}
function isUrl(s) {
    return /^(https?|file):/i.test(s);
}
async function isFile(path) {
    try {
        return (await stat(path)).isFile();
    }
    catch {
        return false;
    }
}
function isErrnoError(err, path) {
    if (!(err instanceof Error) || !('code' in err))
        return false;
    return path === undefined || err.path === path;
}
/** A short, single-line reason for an error, without a trailing period. */
function reasonOf(err) {
    let text = String(err);
    if (err instanceof Error) {
        const code = err.code;
        text = err.message || code || err.name;
        if (err.message === 'aborted' && code)
            text = `connection reset (${code})`;
    }
    return (text.split('\n', 1)[0] ?? text).trim().replace(/\.$/, '');
}
//# sourceMappingURL=download.js.map