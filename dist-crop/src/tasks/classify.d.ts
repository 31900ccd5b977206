/** Image classification: preprocess, forward, softmax, top-k with labels. */
import type { PresetName } from '../data/transforms.js';
import type { Runner } from './runner.js';
export interface Prediction {
    index: number;
    label: string;
    /** Softmax probability. */
    score: number;
}
export interface Classification {
    file: string;
    top: Prediction[];
    logits?: number[];
}
export interface ClassifyOptions {
    preset: PresetName;
    topK?: number;
    labels: readonly string[];
    logits?: boolean;
}
/** Top-k of one row of probabilities. */
export declare function topK(probabilities: ArrayLike<number>, k: number, labels: readonly string[]): Prediction[];
export declare function classifyFiles(runner: Runner, files: readonly string[], options: ClassifyOptions): Promise<Classification[]>;
