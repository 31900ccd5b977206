export interface OrtBenchOptions {
    batch: number;
    height: number;
    width: number;
    iters: number;
    warmup: number;
    threads: number;
}
export interface OrtBenchResult {
    medianMs: number;
    imgPerSec: number;
    timesMs: number[];
}
/** The median (mean of the middle two for even lengths). */
export declare function medianOf(xs: number[]): number;
export declare function benchOnnxRuntime(modelPath: string, opts: OrtBenchOptions): Promise<OrtBenchResult>;
