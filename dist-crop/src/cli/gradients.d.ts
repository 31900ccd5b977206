import { type GradientStudyResult } from '../train/gradient_study.js';
import { type Command } from './args.js';
/** The per-layer table: one row per network and weighted layer. */
export declare function gradientCsv(result: GradientStudyResult): string;
/** The JSON summary: options, per-network headline numbers, and the full per-layer data. */
export declare function gradientSummary(result: GradientStudyResult): Record<string, unknown>;
export declare const gradientsCommand: Command;
