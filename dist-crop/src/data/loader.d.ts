import { type SerializedError } from '../errors.js';
import { Rng } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';
import { type TrainTransform } from './augment.js';
/** One preprocessed sample: CHW float32 pixels (3·H·W values) and its class index. */
export interface Sample {
    data: Float32Array;
    label: number;
    /** Image height/width; when omitted the image is taken to be square. */
    height?: number;
    width?: number;
}
/** Anything indexable that produces samples; `rng` drives its random augmentation. */
export interface Dataset {
    readonly length: number;
    readonly classes?: readonly string[];
    get(index: number, rng: Rng): Sample;
}
/**
 * A dataset as plain data, so that worker threads can re-open it. `indices` restricts it to a
 * subset (sample `k` is the underlying sample `indices[k]`).
 */
export type DatasetSpec = {
    kind: 'idx';
    dir: string;
    split: 'train' | 'test';
    transform: TrainTransform;
    classes?: readonly string[];
    indices?: readonly number[];
} | {
    kind: 'folder';
    root: string;
    transform: TrainTransform;
    indices?: readonly number[];
};
/** Opens a described dataset (reads the IDX files or scans the folder). */
export declare function openDataset(spec: DatasetSpec): Dataset;
/** Length and class names of a described dataset without decoding its images. */
export declare function describeDataset(spec: DatasetSpec): {
    length: number;
    classes: readonly string[];
};
/** A 32-bit seed mixed from integers (each folded to its low and high 32 bits). */
export declare function mixSeed(...parts: number[]): number;
/** The Rng that augments dataset sample `index` in `epoch`. */
export declare function sampleRng(seed: number, epoch: number, index: number): Rng;
/** Visiting order of an epoch: identity, or a Fisher–Yates shuffle seeded from (seed, epoch). */
export declare function epochOrder(length: number, seed: number, epoch: number, shuffle: boolean): Int32Array;
/** Samples of one batch, stacked: `data` is N·3·H·W float32, `labels` N int32. */
export interface BatchData {
    data: Float32Array;
    labels: Int32Array;
    height: number;
    width: number;
}
/** Builds one batch in the calling thread (used in-process and by the workers). */
export declare function computeBatch(dataset: Dataset, indices: ArrayLike<number>, seed: number, epoch: number): BatchData;
/** A request to a loader worker: the batch's dataset indices and the epoch's seed. */
export interface WorkerRequest {
    id: number;
    indices: Int32Array;
    seed: number;
    epoch: number;
}
/** A worker's answer to a WorkerRequest. */
export type WorkerResponse = ({
    id: number;
    ok: true;
} & BatchData) | {
    id: number;
    ok: false;
    error: SerializedError;
};
export interface DataLoaderOptions {
    batchSize: number;
    /** Reshuffle every epoch (seeded by `seed` and the epoch number). Default false. */
    shuffle?: boolean;
    /** Drop the last, smaller batch. Default false. */
    dropLast?: boolean;
    /** Seed of the shuffles and augmentations. Default 0. */
    seed?: number;
    /**
     * Worker threads that decode and augment (0 = in the calling thread). Default 1 for a
     * DatasetSpec; a Dataset object can only be used in-process.
     */
    workers?: number;
    /** Batches prepared ahead of the one being consumed (with workers). Default 2. */
    prefetch?: number;
}
/** One training batch: `x` is (N, 3, H, W), `y` the labels, `indices` the dataset indices. */
export interface Batch {
    x: Tensor;
    y: Int32Array;
    indices: Int32Array;
    /** Position of this batch in its epoch. */
    batch: number;
}
/** Batches over a dataset, one epoch at a time; call `close()` when done to stop the workers. */
export declare class DataLoader {
    readonly length: number;
    readonly classes: readonly string[] | undefined;
    readonly batchSize: number;
    readonly shuffle: boolean;
    readonly dropLast: boolean;
    readonly seed: number;
    readonly workers: number;
    readonly prefetch: number;
    private dataset;
    private readonly spec;
    private pool;
    constructor(dataset: Dataset | DatasetSpec, options: DataLoaderOptions);
    /** Number of batches in an epoch. */
    get batchesPerEpoch(): number;
    /** Dataset indices in the order epoch `epoch` visits them. */
    order(epoch: number): Int32Array;
    private assemble;
    /** The batches of epoch `epoch`, starting at batch `startBatch` (to resume an interrupted epoch). */
    batches(epoch: number, startBatch?: number): AsyncGenerator<Batch, void, undefined>;
    /** Stops the worker threads (they are restarted if the loader is used again). */
    close(): Promise<void>;
}
