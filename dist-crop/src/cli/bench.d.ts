import { summarize } from '../model/summary.js';
import { Tensor } from '../tensor/tensor.js';
import { type Command } from './args.js';
export interface BenchResult {
    backend: string;
    arch: string;
    batch: number;
    input: [number, number];
    threads: number;
    isa: string;
    medianMs: number;
    imgPerSec: number;
    gflops: number;
    timesMs: number[];
}
export declare const median: (xs: readonly number[]) => number;
export declare const benchCommand: Command;
export declare function benchmark(forward: (x: Tensor) => Promise<Tensor>, model: Parameters<typeof summarize>[0], arch: string, opts: {
    batch: number;
    height: number;
    width: number;
    iters: number;
    warmup: number;
}): Promise<Omit<BenchResult, 'backend' | 'threads' | 'isa' | 'arch'>>;
