import { type Module } from '../nn/module.js';
export interface SummaryLayer {
    name: string;
    type: string;
    /** Output shape without the batch axis, [C, H, W] or [features]. */
    output: number[];
    params: number;
    macs: number;
}
export interface ModelSummary {
    arch: string;
    input: [number, number, number];
    layers: SummaryLayer[];
    totalParams: number;
    totalMacs: number;
    /** Conv and linear layers on the main path (shortcut projections excluded), as the paper counts depth. */
    weightedLayers: number;
}
export declare function summarize(model: Module, arch: string, height: number, width: number): ModelSummary;
