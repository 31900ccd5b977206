import { type Dataset, type DatasetSpec } from '../data/loader.js';
import { type ArchName, type ResNet } from '../model/resnet.js';
import { Conv2d, Linear } from '../nn/layers.js';
/** Options of gradientStudy. */
export interface GradientStudyOptions {
    /** SGD steps per network (≥ 1). */
    steps: number;
    /** Images per batch (≥ 2: batch norm needs more than one value per channel). */
    batch: number;
    /** Square input size in pixels (≥ 32). */
    inputSize: number;
    /** SGD learning rate (momentum 0.9, no weight decay). */
    lr: number;
    /** A dataset description (its transform should produce inputSize×inputSize images) or 'synthetic'. */
    data: DatasetSpec | 'synthetic';
    /** Seed of both networks' initialization and of the batch order. */
    seed: number;
    /** Architecture; the study is about resnet50, the others work the same way. */
    arch: ArchName;
}
/** One weighted layer of one network. */
export interface LayerGradient {
    /** 1-based position in the forward order. */
    index: number;
    /** Module path, e.g. `layer1.0.conv2`. */
    name: string;
    /** L2 norm of the weight gradient on the first batch at initialization. */
    init: number;
    /** L2 norm of the weight gradient on the first batch after the N steps. */
    final: number;
}
/** What the study measured for one network. */
export interface NetworkStudy {
    /** `resnet50` or `plain50` (for other depths likewise). */
    name: string;
    residual: boolean;
    layers: LayerGradient[];
    /** Training loss of each of the N steps (before that step's update). */
    losses: number[];
    /** Loss on the first batch after the N steps. */
    finalFirstBatchLoss: number;
    /** conv1's gradient norm divided by fc's, at initialization and after the N steps. */
    firstToLastInit: number;
    firstToLastFinal: number;
    /** Wall-clock seconds of the network's N + 1 forward/backward passes. */
    seconds: number;
}
/** The result of gradientStudy. */
export interface GradientStudyResult {
    arch: ArchName;
    steps: number;
    batch: number;
    inputSize: number;
    lr: number;
    momentum: number;
    seed: number;
    data: string;
    classes: readonly string[];
    residual: NetworkStudy;
    plain: NetworkStudy;
}
/** A progress event: one finished step (step 0 is the extra first-batch pass after training). */
export interface GradientStudyProgress {
    network: string;
    step: number;
    steps: number;
    loss: number;
    seconds: number;
}
export declare const STUDY_MOMENTUM = 0.9;
/** Classes of the synthetic dataset. */
export declare const SYNTHETIC_CLASSES: readonly string[];
/**
 * A linearly separable dataset: class k is noise (σ = 0.5) around a constant colour in normalized
 * units (one channel at +1 for the first three classes, all channels at −1 for the last).
 */
export declare function syntheticDataset(inputSize: number, length?: number): Dataset;
/** The Fashion-MNIST-style IDX description the CLI uses: train split, resized, normalized. */
export declare function idxStudySpec(dir: string, inputSize: number): DatasetSpec;
/**
 * The weighted layers of a ResNet in forward order: conv1, each block's convolutions, fc. The
 * downsample projections (absent in the plain twin) are left out.
 */
export declare function weightedLayers(model: ResNet): [string, Conv2d | Linear][];
/**
 * Runs the study: the residual network, then its plain twin, on the same N batches. `report` is
 * called after every step of each network. The work runs in a worker thread (the caller's event
 * loop stays free); `report` runs in the caller's thread, and if it throws the study stops there.
 */
export declare function gradientStudy(options: GradientStudyOptions, report?: (p: GradientStudyProgress) => void): Promise<GradientStudyResult>;
/** `gradientStudy()` in the calling thread (its steps block the event loop). */
export declare function gradientStudyInThisThread(options: GradientStudyOptions, report?: (p: GradientStudyProgress) => void): Promise<GradientStudyResult>;
