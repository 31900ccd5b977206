import { DataLoader, type DatasetSpec } from '../data/loader.js';
import { type ArchName } from '../model/resnet.js';
import { Tensor } from '../tensor/tensor.js';
export type OptimizerName = 'sgd' | 'adamw';
export type ScheduleName = 'none' | 'step' | 'cosine' | 'onecycle';
export type AugmentName = 'none' | 'standard' | 'crop';
/** 'backbone': only fc trains (the rest runs in eval mode); 'bn': BN layers in eval mode with frozen affine. */
export type FreezeMode = 'none' | 'backbone' | 'bn';
export declare const OPTIMIZERS: readonly OptimizerName[];
export declare const SCHEDULES: readonly ScheduleName[];
export declare const AUGMENTS: readonly AugmentName[];
export declare const FREEZE_MODES: readonly FreezeMode[];
export interface TrainOptions {
    /** An ImageFolder directory (with train/ and val/ sub-folders, or one folder per class), or `idx:DIR`. */
    data: string;
    /** resnet18 … resnet152 (default resnet50). */
    arch?: string;
    /** Size of the head (default: the dataset's class count). */
    classes?: number;
    epochs?: number;
    batchSize?: number;
    /** Default 0.1 for SGD, 1e-3 for AdamW. */
    lr?: number;
    /** SGD momentum, AdamW beta1 (default 0.9). */
    momentum?: number;
    /** Default 1e-4 for SGD, 1e-2 for AdamW; never applied to biases and BN parameters. */
    weightDecay?: number;
    optimizer?: OptimizerName;
    /** Per-step schedule over the whole run (default none): step = ×0.1 at each third. */
    schedule?: ScheduleName;
    /** Linear warm-up from 1 % of the lr over this many epochs (default 0). */
    warmupEpochs?: number;
    labelSmoothing?: number;
    /** Clip the gradient norm to this value. */
    clip?: number | null;
    /** Training and evaluation image size (default 32 for IDX data, 224 for image folders). */
    inputSize?: number | null;
    /**
     * 'standard' (default): RandomResizedCrop + horizontal flip; 'crop': RandomCrop with 4 px of zero
     * padding + horizontal flip on the source image, then the evaluation preprocessing (for small
     * images such as Fashion-MNIST); 'none': the evaluation preprocessing.
     */
    augment?: AugmentName;
    shuffle?: boolean;
    /** Seeds the initialization, the shuffles and the augmentations (default 0). */
    seed?: number;
    /** Weights to start from: a file or IMAGENET1K_V1 / IMAGENET1K_V2 / DEFAULT. */
    from?: string | null;
    freeze?: FreezeMode;
    /** At most this many steps per epoch (quick runs). */
    stepsPerEpoch?: number | null;
    /** Use only the first N training samples. */
    trainSamples?: number | null;
    /** Evaluate on only the first N held-out samples. */
    evalSamples?: number | null;
    /** Loader worker threads (0 = in the training thread; default 1). */
    workers?: number;
    /** The run directory (default runs/<arch>-<date>). */
    out?: string;
    /**
     * Continue from RUNDIR/last.safetensors. The options saved in the checkpoint are used; `epochs`,
     * `data` and `workers` given now replace theirs.
     */
    resume?: boolean;
}
/** Options with every default filled in, as saved in checkpoints. */
export type ResolvedTrainOptions = {
    data: string;
    arch: ArchName;
    classes: number | null;
    epochs: number;
    batchSize: number;
    lr: number;
    momentum: number;
    weightDecay: number;
    optimizer: OptimizerName;
    schedule: ScheduleName;
    warmupEpochs: number;
    labelSmoothing: number;
    clip: number | null;
    inputSize: number | null;
    augment: AugmentName;
    shuffle: boolean;
    seed: number;
    from: string | null;
    freeze: FreezeMode;
    stepsPerEpoch: number | null;
    trainSamples: number | null;
    evalSamples: number | null;
    workers: number;
    out: string;
};
/** One line of metrics.jsonl. Accuracies are fractions in [0, 1]; val* are null without an eval split. */
export type EpochMetrics = {
    epoch: number;
    step: number;
    trainLoss: number;
    trainAcc: number;
    valTop1: number | null;
    valTop5: number | null;
    lr: number;
    imgPerSec: number;
    seconds: number;
};
/** One line of steps.jsonl. */
export type StepRecord = {
    epoch: number;
    step: number;
    loss: number;
    acc: number;
    lr: number;
};
export type TrainEvent = {
    type: 'start';
    runDir: string;
    arch: ArchName;
    numClasses: number;
    trainSamples: number;
    evalSamples: number;
    epochs: number;
    startEpoch: number;
    stepsPerEpoch: number;
    batchSize: number;
    notes: string[];
    /** The epochs finished before this call (a resumed run), else empty. */
    metrics: EpochMetrics[];
} | {
    type: 'step';
    epoch: number;
    epochs: number;
    step: number;
    stepsPerEpoch: number;
    globalStep: number;
    loss: number;
    /** Running mean loss and accuracy of the epoch so far. */
    meanLoss: number;
    acc: number;
    lr: number;
    imgPerSec: number;
    etaSeconds: number;
} | {
    type: 'epoch';
    epochs: number;
    metrics: EpochMetrics;
    checkpoint: string;
} | {
    type: 'end';
    result: TrainResult;
};
export interface TrainResult {
    runDir: string;
    arch: ArchName;
    numClasses: number;
    classes: string[];
    /** Epochs completed in total (including those before a resume). */
    epochs: number;
    globalStep: number;
    metrics: EpochMetrics[];
    finalWeights: string;
    lastCheckpoint: string | null;
    /** Fine-tuning: the loaded head did not fit and fc was freshly initialized. */
    headReplaced: boolean;
    notes: string[];
}
/** Train and evaluation splits of a dataset, with their transforms. */
export interface DataSplits {
    kind: 'idx' | 'folder';
    train: DatasetSpec;
    eval: DatasetSpec | null;
    classes: readonly string[];
    inputSize: number;
}
/** Fills in defaults and checks every option (UserErrors name the option). */
export declare function resolveTrainOptions(o: TrainOptions): ResolvedTrainOptions;
/**
 * The splits of `data` (`idx:DIR`, a directory of IDX files, or an ImageFolder) and their
 * transforms: training with `augment`, evaluation with the evaluation preprocessing (IDX: resize to
 * the input size; folders: resize 256 + center crop 224 at 224, else a resize to the input size),
 * normalized with Fashion-MNIST's statistics for IDX data and ImageNet's otherwise.
 */
export declare function resolveData(data: string, opts?: {
    inputSize?: number | null;
    augment?: AugmentName;
    trainSamples?: number | null;
    evalSamples?: number | null;
}): DataSplits;
/**
 * The evaluation split of `data` for `resnet50 eval`: IDX `test`, an ImageFolder's `val/`, or the
 * whole folder when it has no train/val split.
 */
export declare function resolveEvalData(data: string, opts?: {
    inputSize?: number | null;
    samples?: number | null;
}): {
    spec: DatasetSpec;
    classes: readonly string[];
    inputSize: number;
    split: string;
};
/** Top-1/top-5 accuracy (fractions), mean loss and confusion matrix (rows: true class). */
export interface EvalResult {
    count: number;
    top1: number;
    top5: number;
    loss: number;
    confusion: number[][];
}
/** Runs `forward` over every batch of `loader` (epoch 0) and scores the logits. */
export declare function evaluate(forward: (x: Tensor) => Promise<Tensor>, loader: DataLoader, numClasses: number): Promise<EvalResult>;
/** Options of `train()`: the run, plus the kernels to run it on. */
export type TrainCallOptions = TrainOptions & {
    /** 'native' or 'js' (default: native when the addon is built, else the reference js kernels). */
    backend?: string;
};
/**
 * Trains a model as described in the file header, in a worker thread, so the caller's event loop
 * stays free during the steps (each one is seconds of synchronous kernel calls). `report` runs in the
 * caller's thread and receives every progress event; the worker waits until it has returned, so a
 * `report` that throws stops the run at that event and `train()` rejects with its error. User errors
 * keep their class (UserError, StateDictError, …).
 */
export declare function train(options: TrainCallOptions, report?: (event: TrainEvent) => void): Promise<TrainResult>;
/**
 * `train()` in the calling thread: the same run, but every step blocks the event loop. For worker
 * threads (tasks/in_worker_entry.ts) and programs that have nothing else to do.
 */
export declare function trainInThisThread(options: TrainCallOptions, report?: (event: TrainEvent) => void): Promise<TrainResult>;
