import { Tensor } from '../tensor/tensor.js';
import { BatchNorm2d, Conv2d, Linear, MaxPool2d, ReLU } from '../nn/layers.js';
import { Module, Sequential } from '../nn/module.js';
/** 'v1.5' puts a bottleneck's stride on the 3×3 conv (torchvision); 'v1' on the first 1×1 (Caffe, Keras). */
export type ResNetVariant = 'v1' | 'v1.5';
/** How a block's shortcut changes shape: 1×1 conv + BN ('projection', option B) or strided identity with zero channels ('zero-pad', option A). */
export type ShortcutKind = 'projection' | 'zero-pad';
export type Pooling = 'avg' | 'max' | 'none';
export interface ResNetOptions {
    numClasses?: number;
    variant?: ResNetVariant;
    shortcut?: ShortcutKind;
    /** Zero-init the last BN of each residual branch so every block starts as identity (Goyal et al.). */
    zeroInitResidual?: boolean;
    /** Keep the fully connected head. Without it, forward returns the pooled features (or layer4 maps with pooling 'none'). */
    includeTop?: boolean;
    pooling?: Pooling;
    /**
     * false builds the seed's "plain" twin: the same weighted layers with every skip connection (and
     * projection) removed, for the vanishing-gradient comparison.
     */
    residual?: boolean;
    /** Seed for the random initialization. */
    seed?: number;
    /** 'random' (torchvision's init, default) or 'none' (all zeros/ones: weights are loaded next). */
    init?: 'random' | 'none';
}
export declare const MIN_INPUT_SIZE = 32;
interface BlockConfig {
    inPlanes: number;
    planes: number;
    stride: number;
    downsample: Module | null;
    variant: ResNetVariant;
    residual: boolean;
}
/** Two 3×3 convs (resnet18/34). */
export declare class BasicBlock extends Module {
    static readonly expansion = 1;
    readonly conv1: Conv2d;
    readonly bn1: BatchNorm2d;
    readonly relu: ReLU;
    readonly conv2: Conv2d;
    readonly bn2: BatchNorm2d;
    readonly downsample: Module | null;
    readonly residual: boolean;
    constructor({ inPlanes, planes, stride, downsample, residual }: BlockConfig);
    get lastBn(): BatchNorm2d;
    protected forward(x: Tensor): Tensor;
    /** Mirror of forward: the final ReLU, then the branch and the shortcut, summed. */
    backward(dout: Tensor): Tensor;
}
/** 1×1 reduce → 3×3 → 1×1 expand (×4), the block of resnet50/101/152. */
export declare class Bottleneck extends Module {
    static readonly expansion = 4;
    readonly conv1: Conv2d;
    readonly bn1: BatchNorm2d;
    readonly conv2: Conv2d;
    readonly bn2: BatchNorm2d;
    readonly conv3: Conv2d;
    readonly bn3: BatchNorm2d;
    readonly relu: ReLU;
    readonly downsample: Module | null;
    readonly residual: boolean;
    constructor({ inPlanes, planes, stride, downsample, variant, residual }: BlockConfig);
    get lastBn(): BatchNorm2d;
    protected forward(x: Tensor): Tensor;
    /** Mirror of forward: the final ReLU, then the branch (conv3 … conv1) and the shortcut, summed. */
    backward(dout: Tensor): Tensor;
}
type BlockClass = typeof BasicBlock | typeof Bottleneck;
/** Architectures as data: block type and blocks per stage. */
export declare const ARCHITECTURES: {
    readonly resnet18: {
        readonly block: typeof BasicBlock;
        readonly layers: readonly [2, 2, 2, 2];
    };
    readonly resnet34: {
        readonly block: typeof BasicBlock;
        readonly layers: readonly [3, 4, 6, 3];
    };
    readonly resnet50: {
        readonly block: typeof Bottleneck;
        readonly layers: readonly [3, 4, 6, 3];
    };
    readonly resnet101: {
        readonly block: typeof Bottleneck;
        readonly layers: readonly [3, 4, 23, 3];
    };
    readonly resnet152: {
        readonly block: typeof Bottleneck;
        readonly layers: readonly [3, 8, 36, 3];
    };
};
export type ArchName = keyof typeof ARCHITECTURES;
export declare function isArchName(name: string): name is ArchName;
/** Intermediate outputs of one forward pass. */
export interface ResNetFeatures {
    stem: Tensor;
    layer1: Tensor;
    layer2: Tensor;
    layer3: Tensor;
    layer4: Tensor;
    /** Globally pooled layer4, (N, C). Absent with pooling 'none'. */
    pool?: Tensor;
}
export declare class ResNet extends Module {
    readonly conv1: Conv2d;
    readonly bn1: BatchNorm2d;
    readonly relu: ReLU;
    readonly maxpool: MaxPool2d;
    readonly layer1: Sequential;
    readonly layer2: Sequential;
    readonly layer3: Sequential;
    readonly layer4: Sequential;
    readonly avgpool: Module | null;
    readonly fc: Linear | null;
    readonly numFeatures: number;
    readonly options: Required<Omit<ResNetOptions, 'seed' | 'init'>>;
    constructor(block: BlockClass, layers: readonly number[], options?: ResNetOptions);
    /** torchvision's initialization: Kaiming-normal convs, BN (1, 0), PyTorch-default Linear. */
    private initialize;
    private checkInput;
    /** Runs the network and returns every stage's output (stem = after max-pool). */
    forwardFeatures(x: Tensor): ResNetFeatures;
    /** Logits (N, numClasses); without the top, pooled features (N, C) or layer4 maps. */
    protected forward(x: Tensor): Tensor;
    /**
     * Backpropagates the gradient of the loss with respect to the output of a training-mode `call`,
     * accumulating every parameter's gradient (see `parameters()`); returns the gradient with
     * respect to the stem's output (the image gradient is not computed).
     */
    backward(dout: Tensor): Tensor;
}
export declare function resnet(arch: ArchName, options?: ResNetOptions): ResNet;
export declare const resnet18: (options?: ResNetOptions) => ResNet;
export declare const resnet34: (options?: ResNetOptions) => ResNet;
export declare const resnet50: (options?: ResNetOptions) => ResNet;
export declare const resnet101: (options?: ResNetOptions) => ResNet;
export declare const resnet152: (options?: ResNetOptions) => ResNet;
export {};
