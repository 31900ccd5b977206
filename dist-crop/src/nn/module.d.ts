import { Tensor } from '../tensor/tensor.js';
/** One leaf-module call, as recorded while tracing (see `traceLayers`). */
export interface LayerRecord {
    name: string;
    type: string;
    input: readonly number[];
    output: readonly number[];
    params: number;
    macs: number;
}
/** A parameter with its gradient accumulator, as optimizers see it. */
export interface ParamRef {
    name: string;
    value: Tensor;
    grad: Tensor;
}
export declare abstract class Module {
    training: boolean;
    /** Full dotted path in the model, set by `assignPaths`. */
    path: string;
    /** Gradients of own parameters, by parameter name, accumulated by `backward`. */
    readonly grads: Map<string, Tensor>;
    /** Names of own parameters (trainable tensors), in registration order. */
    protected parameterNames(): readonly string[];
    /** Names of own buffers (running statistics, counters), in registration order. */
    protected bufferNames(): readonly string[];
    protected abstract forward(x: Tensor): Tensor;
    /**
     * Gradient of the loss with respect to this module's input, given the gradient with respect to its
     * output; parameter gradients are added to `grads`. Calls must mirror the training-mode forward
     * calls in reverse order (each module keeps what its backward needs on a stack).
     */
    backward(_dout: Tensor): Tensor;
    protected accumulateGrad(name: string, grad: Tensor): void;
    /** Multiply-accumulates of one call, for summaries. */
    protected countMacs(_input: readonly number[], _output: readonly number[]): number;
    call(x: Tensor): Tensor;
    children(): [string, Module][];
    private ownTensor;
    ownParameters(): [string, Tensor][];
    /** Every (path, module) pair below and including this one, depth first. */
    namedModules(prefix?: string): [string, Module][];
    namedParameters(): [string, Tensor][];
    /** Parameters and buffers by full key, in PyTorch's order. */
    stateDict(): Map<string, Tensor>;
    /** Copies tensors into the model after checking them with `checkStateDict`. */
    loadStateDict(tensors: ReadonlyMap<string, Tensor>, options?: {
        strict?: boolean;
        source?: string;
    }): void;
    /** Every parameter with its gradient (zeros before the first backward), by full key. */
    parameters(): ParamRef[];
    /** Sets every parameter gradient to zero (keeping the tensors optimizers hold). */
    zeroGrad(): void;
    train(mode?: boolean): this;
    eval(): this;
}
/**
 * Checks tensor shapes by key against a model's state dict. Strict: every key of the model must be
 * present with the same shape, and no other key may be; all problems are reported together with
 * full key paths and both shapes.
 */
export declare function checkStateDict(own: ReadonlyMap<string, Tensor>, shapes: ReadonlyMap<string, readonly number[]>, options?: {
    strict?: boolean;
    source?: string;
}): void;
/** Sets `path` on every module below root to its dotted state-dict prefix. */
export declare function assignPaths(root: Module): void;
/** Runs fn while recording every leaf-module call. */
export declare function traceLayers(root: Module, fn: () => void): LayerRecord[];
/** Children named '0', '1', … called in order, as torch.nn.Sequential. */
export declare class Sequential extends Module {
    [index: number]: Module;
    readonly length: number;
    constructor(...modules: Module[]);
    protected forward(x: Tensor): Tensor;
    backward(dout: Tensor): Tensor;
}
/** What a module saved in a training-mode forward for its backward: a stack, as a module may run more than once. */
export declare class SavedForBackward<T> {
    private readonly stack;
    save(module: Module, value: T): void;
    take(module: Module): T;
}
export declare function expectInputRank(module: string, x: Tensor, rank: number): void;
