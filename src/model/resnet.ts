/**
 * The ResNet family (He et al., 2015), shaped like torchvision's `models/resnet.py`: attribute names
 * are the state-dict keys (`layer1.0.downsample.0.weight`), so torchvision, timm and (after a key
 * remap) Hugging Face checkpoints load unchanged.
 *
 * ImageNet family (resnet18 … resnet152, the paper's Table 1):
 *   stem:   conv1 7×7/2 → bn1 → relu → maxpool 3×3/2
 *   stages: layer1..layer4 of BasicBlock or Bottleneck at 64/128/256/512 planes, the first block of
 *           a stage changing the shortcut's shape (projection by default)
 *   head:   global average pool → fc
 *
 * CIFAR family (resnet20 … resnet110, the paper's section 4.2: 6n + 2 layers):
 *   stem:   conv1 3×3/1 → bn1 → relu (no max-pool: 32×32 images)
 *   stages: layer1..layer3 of n BasicBlocks at 16/32/64 planes (32×32, 16×16, 8×8 maps), the shortcut
 *           zero-padded by default (option A: no parameters); layer4 is an empty stage (no keys, the
 *           identity), so that `layer4` names the last maps of every ResNet
 *   head:   global average pool → fc (10 classes by default)
 */
import { ShapeError, UserError } from '../errors.js';
import { Rng } from '../tensor/random.js';
import { formatShape, Tensor } from '../tensor/tensor.js';
import { convOutputSize } from '../tensor/shapes.js';
import { fans, fill, kaimingNormalFanOut, uniform } from '../nn/init.js';
import {
  AdaptiveAvgPool2d,
  AdaptiveMaxPool2d,
  BatchNorm2d,
  Conv2d,
  Linear,
  MaxPool2d,
  ReLU,
  ZeroPadShortcut,
} from '../nn/layers.js';
import { Module, Sequential } from '../nn/module.js';
import * as ops from '../ops/index.js';

/** 'v1.5' puts a bottleneck's stride on the 3×3 conv (torchvision); 'v1' on the first 1×1 (Caffe, Keras). */
export type ResNetVariant = 'v1' | 'v1.5';
/** How a block's shortcut changes shape: 1×1 conv + BN ('projection', option B) or strided identity with zero channels ('zero-pad', option A). */
export type ShortcutKind = 'projection' | 'zero-pad';
export type Pooling = 'avg' | 'max' | 'none';

export interface ResNetOptions {
  /** Size of the head (default: the architecture's, 1000 for ImageNet, 10 for CIFAR). */
  numClasses?: number;
  variant?: ResNetVariant;
  /** Default: the architecture's ('projection' for ImageNet, 'zero-pad' for CIFAR, as in the paper). */
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

export const MIN_INPUT_SIZE = 32;

const conv3x3 = (inPlanes: number, outPlanes: number, stride = 1): Conv2d =>
  new Conv2d(inPlanes, outPlanes, 3, { stride, padding: 1, bias: false });
const conv1x1 = (inPlanes: number, outPlanes: number, stride = 1): Conv2d =>
  new Conv2d(inPlanes, outPlanes, 1, { stride, bias: false });

interface BlockConfig {
  inPlanes: number;
  planes: number;
  stride: number;
  downsample: Module | null;
  variant: ResNetVariant;
  residual: boolean;
}

/**
 * What both blocks share: the join of the residual branch with the shortcut (identity, projection or
 * zero-pad), or the branch alone in the plain twin (`residual` false: no skip connection).
 */
abstract class ResidualBlock extends Module {
  abstract readonly downsample: Module | null;
  abstract readonly residual: boolean;

  /** out + shortcut(x); out alone in the plain twin. */
  protected join(out: Tensor, x: Tensor): Tensor {
    if (!this.residual) return out;
    return ops.add(out, this.downsample === null ? x : this.downsample.call(x));
  }

  /** The gradient of join into x from the gradient of its sum (the branch's part is `dbranch`). */
  protected joinBackward(dbranch: Tensor, dsum: Tensor): Tensor {
    if (!this.residual) return dbranch;
    return ops.add(dbranch, this.downsample === null ? dsum : this.downsample.backward(dsum));
  }
}

/** Two 3×3 convs (resnet18/34). */
export class BasicBlock extends ResidualBlock {
  static readonly expansion = 1;
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly relu = new ReLU();
  readonly conv2: Conv2d;
  readonly bn2: BatchNorm2d;
  readonly downsample: Module | null;

  readonly residual: boolean;

  constructor({ inPlanes, planes, stride, downsample, residual }: BlockConfig) {
    super();
    this.residual = residual;
    this.conv1 = conv3x3(inPlanes, planes, stride);
    this.bn1 = new BatchNorm2d(planes);
    this.conv2 = conv3x3(planes, planes);
    this.bn2 = new BatchNorm2d(planes);
    this.downsample = downsample;
  }

  get lastBn(): BatchNorm2d {
    return this.bn2;
  }

  protected forward(x: Tensor): Tensor {
    let out = this.bn1.callRelu(this.conv1.call(x), this.relu);
    out = this.bn2.call(this.conv2.call(out));
    return this.relu.call(this.join(out, x));
  }

  /** Mirror of forward: the final ReLU, then the branch and the shortcut, summed. */
  override backward(dout: Tensor): Tensor {
    const dsum = this.relu.backward(dout);
    let d = this.conv2.backward(this.bn2.backward(dsum));
    d = this.conv1.backward(this.bn1.backwardRelu(d, this.relu));
    return this.joinBackward(d, dsum);
  }
}

/** 1×1 reduce → 3×3 → 1×1 expand (×4), the block of resnet50/101/152. */
export class Bottleneck extends ResidualBlock {
  static readonly expansion = 4;
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly conv2: Conv2d;
  readonly bn2: BatchNorm2d;
  readonly conv3: Conv2d;
  readonly bn3: BatchNorm2d;
  readonly relu = new ReLU();
  readonly downsample: Module | null;

  readonly residual: boolean;

  constructor({ inPlanes, planes, stride, downsample, variant, residual }: BlockConfig) {
    super();
    this.residual = residual;
    // v1.5 strides the 3×3 (better accuracy, torchvision); v1 strides the first 1×1 as in the paper.
    const [stride1, stride2] = variant === 'v1' ? [stride, 1] : [1, stride];
    this.conv1 = conv1x1(inPlanes, planes, stride1);
    this.bn1 = new BatchNorm2d(planes);
    this.conv2 = conv3x3(planes, planes, stride2);
    this.bn2 = new BatchNorm2d(planes);
    this.conv3 = conv1x1(planes, planes * Bottleneck.expansion);
    this.bn3 = new BatchNorm2d(planes * Bottleneck.expansion);
    this.downsample = downsample;
  }

  get lastBn(): BatchNorm2d {
    return this.bn3;
  }

  protected forward(x: Tensor): Tensor {
    let out = this.bn1.callRelu(this.conv1.call(x), this.relu);
    out = this.bn2.callRelu(this.conv2.call(out), this.relu);
    out = this.bn3.call(this.conv3.call(out));
    return this.relu.call(this.join(out, x));
  }

  /** Mirror of forward: the final ReLU, then the branch (conv3 … conv1) and the shortcut, summed. */
  override backward(dout: Tensor): Tensor {
    const dsum = this.relu.backward(dout);
    let d = this.conv3.backward(this.bn3.backward(dsum));
    d = this.conv2.backward(this.bn2.backwardRelu(d, this.relu));
    d = this.conv1.backward(this.bn1.backwardRelu(d, this.relu));
    return this.joinBackward(d, dsum);
  }
}

type BlockClass = typeof BasicBlock | typeof Bottleneck;

/** 'imagenet': 7×7/2 conv + 3×3/2 max-pool (÷4); 'cifar': 3×3/1 conv, no pool. */
export type StemKind = 'imagenet' | 'cifar';

/** An architecture as data: its stem, block, blocks and planes per stage, and its defaults. */
export interface ArchSpec {
  stem: StemKind;
  block: BlockClass;
  layers: readonly number[];
  /** Planes of each stage (a Bottleneck stage outputs 4×). */
  widths: readonly number[];
  shortcut: ShortcutKind;
  numClasses: number;
}

const IMAGENET = {
  stem: 'imagenet',
  widths: [64, 128, 256, 512],
  shortcut: 'projection',
  numClasses: 1000,
} as const;
const CIFAR = {
  stem: 'cifar',
  block: BasicBlock,
  widths: [16, 32, 64],
  shortcut: 'zero-pad',
  numClasses: 10,
} as const;

/** Architectures as data: torchvision's ImageNet ResNets and the paper's CIFAR-10 ResNets. */
export const ARCHITECTURES = {
  resnet18: { ...IMAGENET, block: BasicBlock, layers: [2, 2, 2, 2] },
  resnet34: { ...IMAGENET, block: BasicBlock, layers: [3, 4, 6, 3] },
  resnet50: { ...IMAGENET, block: Bottleneck, layers: [3, 4, 6, 3] },
  resnet101: { ...IMAGENET, block: Bottleneck, layers: [3, 4, 23, 3] },
  resnet152: { ...IMAGENET, block: Bottleneck, layers: [3, 8, 36, 3] },
  resnet20: { ...CIFAR, layers: [3, 3, 3] },
  resnet32: { ...CIFAR, layers: [5, 5, 5] },
  resnet44: { ...CIFAR, layers: [7, 7, 7] },
  resnet56: { ...CIFAR, layers: [9, 9, 9] },
  resnet110: { ...CIFAR, layers: [18, 18, 18] },
} as const satisfies Record<string, ArchSpec>;

export type ArchName = keyof typeof ARCHITECTURES;

export function isArchName(name: string): name is ArchName {
  return Object.hasOwn(ARCHITECTURES, name);
}

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

export class ResNet extends Module {
  readonly conv1: Conv2d;
  readonly bn1: BatchNorm2d;
  readonly relu = new ReLU();
  /** The ImageNet stem's 3×3/2 max-pool; null in the CIFAR stem. */
  readonly maxpool: MaxPool2d | null;
  readonly layer1: Sequential;
  readonly layer2: Sequential;
  readonly layer3: Sequential;
  readonly layer4: Sequential;
  readonly avgpool: Module | null;
  readonly fc: Linear | null;
  readonly numFeatures: number;
  readonly options: Required<Omit<ResNetOptions, 'seed' | 'init'>>;

  constructor(spec: ArchSpec, options: ResNetOptions = {}) {
    super();
    const { block, layers, widths } = spec;
    const opts = {
      numClasses: options.numClasses ?? spec.numClasses,
      variant: options.variant ?? 'v1.5',
      shortcut: options.shortcut ?? spec.shortcut,
      zeroInitResidual: options.zeroInitResidual ?? false,
      residual: options.residual ?? true,
      includeTop: options.includeTop ?? true,
      pooling: options.pooling ?? 'avg',
    } as const;
    if (opts.includeTop && opts.pooling === 'none') {
      throw new UserError("pooling 'none' needs includeTop false: the fc head needs pooled features.");
    }
    if (!Number.isInteger(opts.numClasses) || opts.numClasses < 1) {
      throw new UserError(`numClasses must be a positive integer, got ${opts.numClasses}.`);
    }
    this.options = opts;
    let inPlanes = widths[0];
    const makeLayer = (planes: number, blocks: number, stride: number): Sequential => {
      const outPlanes = planes * block.expansion;
      let downsample: Module | null = null;
      if (opts.residual && (stride !== 1 || inPlanes !== outPlanes)) {
        downsample =
          opts.shortcut === 'projection'
            ? new Sequential(conv1x1(inPlanes, outPlanes, stride), new BatchNorm2d(outPlanes))
            : new ZeroPadShortcut(outPlanes, stride);
      }
      const blocksOfStage = Array.from({ length: blocks }, (_, i) => {
        const b = new block({
          inPlanes,
          planes,
          stride: i === 0 ? stride : 1,
          downsample: i === 0 ? downsample : null,
          variant: opts.variant,
          residual: opts.residual,
        });
        inPlanes = outPlanes;
        return b;
      });
      return new Sequential(...blocksOfStage);
    };
    if (spec.stem === 'imagenet') {
      this.conv1 = new Conv2d(3, widths[0], 7, { stride: 2, padding: 3, bias: false });
      this.maxpool = new MaxPool2d(3, 2, 1);
    } else {
      this.conv1 = conv3x3(3, widths[0]);
      this.maxpool = null;
    }
    this.conv1.requiresInputGrad = false;
    this.bn1 = new BatchNorm2d(widths[0]);
    const stage = (s: number): Sequential =>
      s < layers.length ? makeLayer(widths[s], layers[s], s === 0 ? 1 : 2) : new Sequential();
    this.layer1 = stage(0);
    this.layer2 = stage(1);
    this.layer3 = stage(2);
    this.layer4 = stage(3);
    this.numFeatures = inPlanes;
    this.avgpool =
      opts.pooling === 'avg'
        ? new AdaptiveAvgPool2d()
        : opts.pooling === 'max'
          ? new AdaptiveMaxPool2d()
          : null;
    this.fc = opts.includeTop ? new Linear(this.numFeatures, opts.numClasses) : null;
    if (options.init !== 'none') this.initialize(new Rng(options.seed ?? 0));
  }

  /** torchvision's initialization: Kaiming-normal convs, BN (1, 0), PyTorch-default Linear. */
  private initialize(rng: Rng): void {
    for (const [, m] of this.namedModules()) {
      if (m instanceof Conv2d) kaimingNormalFanOut(m.weight, rng);
      else if (m instanceof BatchNorm2d) {
        fill(m.weight, 1);
        fill(m.bias, 0);
      } else if (m instanceof Linear) {
        const bound = 1 / Math.sqrt(fans(m.weight).fanIn);
        uniform(m.weight, bound, rng);
        if (m.bias !== null) uniform(m.bias, bound, rng);
      }
    }
    if (this.options.zeroInitResidual) {
      for (const [, m] of this.namedModules()) {
        if (m instanceof Bottleneck || m instanceof BasicBlock) fill(m.lastBn.weight, 0);
      }
    }
  }

  private checkInput(x: Tensor): void {
    if (x.rank !== 4 || x.shape[1] !== 3) {
      throw new ShapeError(`ResNet expects input of shape [N, 3, H, W], got ${formatShape(x.shape)}.`);
    }
    const [, , H, W] = x.shape;
    if (H < MIN_INPUT_SIZE || W < MIN_INPUT_SIZE) {
      throw new ShapeError(
        `Input ${H}×${W} is smaller than the ${MIN_INPUT_SIZE}×${MIN_INPUT_SIZE} minimum of ResNet.`,
      );
    }
  }

  /** The side of the last stage's maps for an input side of `size`. */
  featureSize(size: number): number {
    const { conv1, maxpool } = this;
    let s = convOutputSize(size, conv1.weight.shape[2], conv1.stride[0], conv1.padding[0]);
    if (maxpool !== null) s = convOutputSize(s, maxpool.kernelSize[0], maxpool.stride[0], maxpool.padding[0]);
    for (const stage of [this.layer2, this.layer3, this.layer4]) {
      if (stage.length > 0) s = convOutputSize(s, 3, 2, 1);
    }
    return s;
  }

  /** Runs the network and returns every stage's output (stem = after max-pool, if any). */
  forwardFeatures(x: Tensor): ResNetFeatures {
    this.checkInput(x);
    let stem = this.bn1.callRelu(this.conv1.call(x), this.relu);
    if (this.maxpool !== null) stem = this.maxpool.call(stem);
    const layer1 = this.layer1.call(stem);
    const layer2 = this.layer2.call(layer1);
    const layer3 = this.layer3.call(layer2);
    const layer4 = this.layer4.call(layer3);
    const features: ResNetFeatures = { stem, layer1, layer2, layer3, layer4 };
    if (this.avgpool !== null) {
      const pooled = this.avgpool.call(layer4);
      features.pool = pooled.reshape([pooled.shape[0], pooled.shape[1]]);
    }
    return features;
  }

  /** Logits (N, numClasses); without the top, pooled features (N, C) or layer4 maps. */
  protected forward(x: Tensor): Tensor {
    const features = this.forwardFeatures(x);
    if (features.pool === undefined) return features.layer4;
    return this.fc === null ? features.pool : this.fc.call(features.pool);
  }

  /**
   * Backpropagates the gradient of the loss with respect to the output of a training-mode `call`,
   * accumulating every parameter's gradient (see `parameters()`); returns the gradient with
   * respect to conv1's output (conv1 computes no input gradient: the image needs none).
   */
  override backward(dout: Tensor): Tensor {
    let d = dout;
    if (this.fc !== null) d = this.fc.backward(d);
    if (this.avgpool !== null) d = this.avgpool.backward(d.reshape([d.shape[0], d.shape[1], 1, 1]));
    for (const stage of [this.layer4, this.layer3, this.layer2, this.layer1]) d = stage.backward(d);
    if (this.maxpool !== null) d = this.maxpool.backward(d);
    d = this.bn1.backwardRelu(d, this.relu);
    this.conv1.backward(d);
    return d;
  }
}

export function resnet(arch: ArchName, options: ResNetOptions = {}): ResNet {
  return new ResNet(ARCHITECTURES[arch], options);
}

export const resnet18 = (options?: ResNetOptions): ResNet => resnet('resnet18', options);
export const resnet34 = (options?: ResNetOptions): ResNet => resnet('resnet34', options);
export const resnet50 = (options?: ResNetOptions): ResNet => resnet('resnet50', options);
export const resnet101 = (options?: ResNetOptions): ResNet => resnet('resnet101', options);
export const resnet152 = (options?: ResNetOptions): ResNet => resnet('resnet152', options);
export const resnet20 = (options?: ResNetOptions): ResNet => resnet('resnet20', options);
export const resnet32 = (options?: ResNetOptions): ResNet => resnet('resnet32', options);
export const resnet44 = (options?: ResNetOptions): ResNet => resnet('resnet44', options);
export const resnet56 = (options?: ResNetOptions): ResNet => resnet('resnet56', options);
export const resnet110 = (options?: ResNetOptions): ResNet => resnet('resnet110', options);
