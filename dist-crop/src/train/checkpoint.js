/**
 * Training checkpoints: one safetensors file holding the model's state dict under torchvision keys
 * (BN running statistics and num_batches_tracked included, so the file also loads as plain weights
 * once the `optimizer.` tensors are dropped) and the optimizer's buffers under
 * `optimizer.<parameter name>.<buffer>`, plus JSON strings in the safetensors `__metadata__`:
 *
 *   format      'resnet50-train-checkpoint', version '1'
 *   epoch       epochs completed; step: optimizer steps completed
 *   optimizer   {type, paramGroups: [{params, hyper}], scalars: {param: {key: number}}}
 *   scheduler   {step} or null
 *   seed        the data (and init) seed
 *   arch, classes, options (the training options), metrics (one object per completed epoch)
 *
 * Files are written atomically (temp file + rename, by saveWeightsFile).
 */
import { FileFormatError, StateDictError } from '../errors.js';
import { readSafetensors, readSafetensorsMetadata, saveWeightsFile } from '../io/weights/index.js';
import { Tensor } from '../tensor/tensor.js';
export const CHECKPOINT_FORMAT = 'resnet50-train-checkpoint';
export const CHECKPOINT_VERSION = '1';
/** Prefix of the optimizer buffers among the tensors. */
export const OPTIMIZER_PREFIX = 'optimizer.';
/** Writes a checkpoint atomically to `path` (a .safetensors file). */
export function saveCheckpoint(path, input) {
    const tensors = new Map(input.model.stateDict());
    const state = input.optimizer.stateDict();
    const shapes = new Map(input.optimizer.params().map((p) => [p.name, p.value.shape]));
    const scalars = {};
    for (const [name, s] of Object.entries(state.state)) {
        for (const [key, value] of Object.entries(s)) {
            if (typeof value === 'number')
                (scalars[name] ??= {})[key] = value;
            else {
                const shape = shapes.get(name) ?? [value.length];
                tensors.set(`${OPTIMIZER_PREFIX}${name}.${key}`, new Tensor(value, shape));
            }
        }
    }
    const optimizer = { type: state.optimizer, paramGroups: state.paramGroups, scalars };
    const metadata = {
        format: CHECKPOINT_FORMAT,
        version: CHECKPOINT_VERSION,
        epoch: String(input.epoch),
        step: String(input.step),
        seed: String(input.seed),
        arch: input.arch,
        classes: JSON.stringify(input.classes),
        optimizer: JSON.stringify(optimizer),
        scheduler: JSON.stringify(input.scheduler ? input.scheduler.stateDict() : null),
        options: JSON.stringify(input.options),
        metrics: JSON.stringify(input.metrics),
    };
    saveWeightsFile(path, tensors, metadata);
}
/** True when `metadata` (a safetensors `__metadata__`) is a training checkpoint's. */
export function isCheckpointMetadata(metadata) {
    return metadata.format === CHECKPOINT_FORMAT;
}
function parseJson(path, key, text) {
    if (text === undefined)
        throw new FileFormatError(`${path}: checkpoint metadata has no '${key}'.`);
    try {
        return JSON.parse(text);
    }
    catch {
        throw new FileFormatError(`${path}: checkpoint metadata '${key}' is not valid JSON.`);
    }
}
function parseCount(path, key, text) {
    const v = Number(text);
    if (text === undefined || !Number.isSafeInteger(v) || v < 0) {
        throw new FileFormatError(`${path}: checkpoint metadata '${key}' is not a count (got ${String(text)}).`);
    }
    return v;
}
function isObject(v) {
    return typeof v === 'object' && v !== null && !Array.isArray(v);
}
/** Reads and checks the metadata of a checkpoint file (the header only). */
export function readCheckpointMeta(path) {
    return parseMeta(path, readSafetensorsMetadata(path));
}
function parseMeta(path, md) {
    if (!isCheckpointMetadata(md)) {
        throw new FileFormatError(`${path}: not a training checkpoint (no '${CHECKPOINT_FORMAT}' metadata).`);
    }
    if (md.version !== CHECKPOINT_VERSION) {
        throw new FileFormatError(`${path}: checkpoint version ${md.version} is not supported (expected 1).`);
    }
    const classes = parseJson(path, 'classes', md.classes);
    const optimizer = parseJson(path, 'optimizer', md.optimizer);
    const scheduler = parseJson(path, 'scheduler', md.scheduler);
    const options = parseJson(path, 'options', md.options);
    const metrics = parseJson(path, 'metrics', md.metrics);
    if (!Array.isArray(classes) || !classes.every((c) => typeof c === 'string')) {
        throw new FileFormatError(`${path}: checkpoint metadata 'classes' is not a list of names.`);
    }
    if (!isObject(optimizer) ||
        typeof optimizer.type !== 'string' ||
        !Array.isArray(optimizer.paramGroups) ||
        !isObject(optimizer.scalars ?? null)) {
        throw new FileFormatError(`${path}: checkpoint metadata 'optimizer' is malformed.`);
    }
    if (scheduler !== null && !(isObject(scheduler) && typeof scheduler.step === 'number')) {
        throw new FileFormatError(`${path}: checkpoint metadata 'scheduler' is malformed.`);
    }
    if (!isObject(options))
        throw new FileFormatError(`${path}: checkpoint metadata 'options' is malformed.`);
    if (!Array.isArray(metrics) || !metrics.every(isObject)) {
        throw new FileFormatError(`${path}: checkpoint metadata 'metrics' is malformed.`);
    }
    return {
        epoch: parseCount(path, 'epoch', md.epoch),
        step: parseCount(path, 'step', md.step),
        seed: Number(md.seed ?? 0),
        arch: md.arch ?? '',
        classes: classes,
        optimizer: optimizer,
        scheduler: scheduler === null ? null : { step: scheduler.step },
        options,
        metrics: metrics,
    };
}
/** Reads a whole checkpoint: meta, model tensors (torchvision keys) and optimizer state. */
export function readCheckpoint(path) {
    const meta = readCheckpointMeta(path);
    const tensors = readSafetensors(path);
    const modelState = new Map();
    const state = {};
    for (const [key, t] of tensors) {
        if (!key.startsWith(OPTIMIZER_PREFIX)) {
            modelState.set(key, t);
            continue;
        }
        const rest = key.slice(OPTIMIZER_PREFIX.length);
        const dot = rest.lastIndexOf('.');
        if (dot <= 0)
            throw new FileFormatError(`${path}: optimizer tensor '${key}' has no buffer name.`);
        (state[rest.slice(0, dot)] ??= {})[rest.slice(dot + 1)] = t.data.slice();
    }
    for (const [name, values] of Object.entries(meta.optimizer.scalars)) {
        for (const [key, value] of Object.entries(values))
            (state[name] ??= {})[key] = value;
    }
    return {
        meta,
        modelState,
        optimizerState: { optimizer: meta.optimizer.type, state, paramGroups: meta.optimizer.paramGroups },
    };
}
/** The model's tensors of a checkpoint (optimizer buffers dropped), e.g. to evaluate it. */
export function checkpointModelState(path) {
    return readCheckpoint(path).modelState;
}
/**
 * Restores a checkpoint into a model (strict state dict), an optimizer (buffers, scalar state and
 * group hyperparameters) and a scheduler (its step, which resets the lrs); returns the meta with
 * the epoch and step to continue from.
 */
export function loadCheckpoint(path, target) {
    const { meta, modelState, optimizerState } = readCheckpoint(path);
    target.model.loadStateDict(modelState, { source: path });
    if (target.optimizer !== undefined) {
        try {
            target.optimizer.loadStateDict(optimizerState);
        }
        catch (e) {
            if (e instanceof StateDictError)
                throw new StateDictError(`${path}: ${e.message}`);
            throw e;
        }
    }
    if (target.scheduler) {
        if (meta.scheduler === null)
            throw new StateDictError(`${path}: the checkpoint has no scheduler state.`);
        target.scheduler.loadStateDict(meta.scheduler);
    }
    return meta;
}
//# sourceMappingURL=checkpoint.js.map