/** The base of torchvision's weight URLs; a mirror replaces it. */
export declare const PYTORCH_MODELS_BASE = "https://download.pytorch.org/models/";
export interface DownloadableWeights {
    readonly url: string;
    readonly fileName: string;
    /** First hex digits of the file's sha256 (torchvision's 8, embedded in the file name as torch.hub checks). */
    readonly sha256Prefix: string;
    /** Used in messages, e.g. `IMAGENET1K_V2`. */
    readonly name?: string;
}
export interface FetchOptions {
    /** Defaults to `cacheDir()`. */
    cacheDir?: string;
    /** An http(s) URL, `file:` URL or directory replacing `PYTORCH_MODELS_BASE`; defaults to `$RESNET50_WEIGHTS_MIRROR`. */
    mirror?: string;
    /** `false`: silent; `true`: bar on stderr even if it is not a TTY; a stream: report there. Default: stderr. */
    progress?: boolean | NodeJS.WritableStream;
    /** Give up after this long without any data (default 30 s). */
    timeoutMs?: number;
}
/** `$RESNET50_CACHE`, else `$XDG_CACHE_HOME/resnet50`, else `~/.cache/resnet50`. */
export declare function cacheDir(): string;
export declare function sha256File(path: string): Promise<string>;
/** Where to fetch `entry` from: its URL, or the same file under the mirror. */
export declare function sourceUrl(entry: DownloadableWeights, mirror?: string): string;
/**
 * Returns the local path of `entry`'s file, downloading it into the cache if it is missing or its
 * sha256 does not start with `entry.sha256Prefix`.
 */
export declare function fetchWeights(entry: DownloadableWeights, opts?: FetchOptions): Promise<string>;
