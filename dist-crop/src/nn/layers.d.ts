import { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';
type Pair = readonly [number, number];
export interface Conv2dOptions {
    stride?: number | Pair;
    padding?: number | Pair;
    dilation?: number | Pair;
    groups?: number;
    bias?: boolean;
}
export declare class Conv2d extends Module {
    readonly inChannels: number;
    readonly outChannels: number;
    readonly weight: Tensor;
    readonly bias: Tensor | null;
    readonly stride: Pair;
    readonly padding: Pair;
    readonly dilation: Pair;
    readonly groups: number;
    constructor(inChannels: number, outChannels: number, kernelSize: number | Pair, options?: Conv2dOptions);
    protected parameterNames(): readonly string[];
    /** False for a network's first layer: its input gradient is not needed. */
    requiresInputGrad: boolean;
    private readonly saved;
    protected forward(x: Tensor): Tensor;
    backward(dout: Tensor): Tensor;
    protected countMacs(_input: readonly number[], output: readonly number[]): number;
}
export declare class BatchNorm2d extends Module {
    readonly numFeatures: number;
    readonly eps: number;
    readonly momentum: number;
    readonly weight: Tensor;
    readonly bias: Tensor;
    readonly running_mean: Tensor;
    readonly running_var: Tensor;
    readonly num_batches_tracked: Tensor;
    constructor(numFeatures: number, eps?: number, momentum?: number);
    protected parameterNames(): readonly string[];
    protected bufferNames(): readonly string[];
    /** `reluOut`: the output of a fused batch norm + ReLU (callRelu), else null. */
    private readonly saved;
    /** Eval: running statistics. Training: batch statistics, and the running ones updated as PyTorch does. */
    protected forward(x: Tensor): Tensor;
    /**
     * `relu.call(this.call(x))`, computed in one pass when both modules are training (the ReLU's
     * output is then kept here, for backwardRelu). Undo with backwardRelu(dout, relu).
     */
    callRelu(x: Tensor, relu: ReLU): Tensor;
    /** Gradient of callRelu: `this.backward(relu.backward(dout))`, in one pass after a fused forward. */
    backwardRelu(dout: Tensor, relu: ReLU): Tensor;
    private trainForward;
    /**
     * Training: the batch-statistics gradient. Eval (a frozen BN, e.g. when fine-tuning): a fixed
     * per-channel affine map, so dx = dout · weight / √(running_var + eps) and no parameter gradients.
     */
    backward(dout: Tensor): Tensor;
}
export declare class ReLU extends Module {
    private readonly saved;
    protected forward(x: Tensor): Tensor;
    backward(dout: Tensor): Tensor;
}
export declare class MaxPool2d extends Module {
    readonly kernelSize: Pair;
    readonly stride: Pair;
    readonly padding: Pair;
    constructor(kernelSize: number | Pair, stride?: number | Pair, padding?: number | Pair);
    private readonly saved;
    protected forward(x: Tensor): Tensor;
    backward(dout: Tensor): Tensor;
}
export declare class AdaptiveAvgPool2d extends Module {
    readonly outputSize: Pair;
    constructor(outputSize?: Pair);
    private readonly saved;
    protected forward(x: Tensor): Tensor;
    backward(dout: Tensor): Tensor;
}
export declare class AdaptiveMaxPool2d extends Module {
    readonly outputSize: Pair;
    constructor(outputSize?: Pair);
    protected forward(x: Tensor): Tensor;
}
export declare class Linear extends Module {
    readonly inFeatures: number;
    readonly outFeatures: number;
    readonly weight: Tensor;
    readonly bias: Tensor | null;
    constructor(inFeatures: number, outFeatures: number, bias?: boolean);
    protected parameterNames(): readonly string[];
    private readonly saved;
    protected forward(x: Tensor): Tensor;
    backward(dout: Tensor): Tensor;
    protected countMacs(input: readonly number[]): number;
}
/** Parameter-free shortcut (the seed's option A): strided identity, channels zero-padded. */
export declare class ZeroPadShortcut extends Module {
    readonly outChannels: number;
    readonly stride: number;
    constructor(outChannels: number, stride: number);
    private readonly saved;
    protected forward(x: Tensor): Tensor;
    backward(dout: Tensor): Tensor;
}
export {};
