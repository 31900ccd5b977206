import type { Module } from '../nn/module.js';
import { Tensor } from '../tensor/tensor.js';
import type { HyperValue, Optimizer, OptimizerState } from './optim.js';
import type { LrScheduler } from './schedules.js';
export declare const CHECKPOINT_FORMAT = "resnet50-train-checkpoint";
export declare const CHECKPOINT_VERSION = "1";
/** Prefix of the optimizer buffers among the tensors. */
export declare const OPTIMIZER_PREFIX = "optimizer.";
/** A JSON value as stored in the metadata. */
export type JsonValue = null | boolean | number | string | JsonValue[] | {
    [key: string]: JsonValue;
};
/** The optimizer part of the metadata: everything but the buffers. */
export interface OptimizerMeta {
    type: string;
    paramGroups: {
        params: string[];
        hyper: Record<string, HyperValue>;
    }[];
    /** Numeric per-parameter state (AdamW's step count), by parameter name. */
    scalars: Record<string, Record<string, number>>;
}
/** What a checkpoint records besides tensors. */
export interface CheckpointMeta {
    /** Epochs completed. */
    epoch: number;
    /** Optimizer steps completed. */
    step: number;
    seed: number;
    arch: string;
    classes: string[];
    optimizer: OptimizerMeta;
    scheduler: {
        step: number;
    } | null;
    options: {
        [key: string]: JsonValue;
    };
    metrics: {
        [key: string]: JsonValue;
    }[];
}
/** What saveCheckpoint needs. */
export interface CheckpointInput {
    model: Module;
    optimizer: Optimizer;
    scheduler?: LrScheduler | null;
    epoch: number;
    step: number;
    seed: number;
    arch: string;
    classes: readonly string[];
    options: {
        [key: string]: JsonValue;
    };
    metrics: readonly {
        [key: string]: JsonValue;
    }[];
}
/** A checkpoint read back: the meta, the model's tensors and the optimizer's state. */
export interface CheckpointContents {
    meta: CheckpointMeta;
    modelState: Map<string, Tensor>;
    optimizerState: OptimizerState;
}
/** Writes a checkpoint atomically to `path` (a .safetensors file). */
export declare function saveCheckpoint(path: string, input: CheckpointInput): void;
/** True when `metadata` (a safetensors `__metadata__`) is a training checkpoint's. */
export declare function isCheckpointMetadata(metadata: Record<string, string>): boolean;
/** Reads and checks the metadata of a checkpoint file (the header only). */
export declare function readCheckpointMeta(path: string): CheckpointMeta;
/** Reads a whole checkpoint: meta, model tensors (torchvision keys) and optimizer state. */
export declare function readCheckpoint(path: string): CheckpointContents;
/** The model's tensors of a checkpoint (optimizer buffers dropped), e.g. to evaluate it. */
export declare function checkpointModelState(path: string): Map<string, Tensor>;
/**
 * Restores a checkpoint into a model (strict state dict), an optimizer (buffers, scalar state and
 * group hyperparameters) and a scheduler (its step, which resets the lrs); returns the meta with
 * the epoch and step to continue from.
 */
export declare function loadCheckpoint(path: string, target: {
    model: Module;
    optimizer?: Optimizer;
    scheduler?: LrScheduler | null;
}): CheckpointMeta;
