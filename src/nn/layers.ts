/** The layers ResNet is made of, shaped like their torch.nn namesakes (same attribute names). */
import * as ops from '../ops/index.js';
import { Tensor } from '../tensor/tensor.js';
import { Module, SavedForBackward } from './module.js';

type Pair = readonly [number, number];
const pair = (v: number | Pair): Pair => (typeof v === 'number' ? [v, v] : v);

export interface Conv2dOptions {
  stride?: number | Pair;
  padding?: number | Pair;
  dilation?: number | Pair;
  groups?: number;
  bias?: boolean;
}

export class Conv2d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;
  readonly stride: Pair;
  readonly padding: Pair;
  readonly dilation: Pair;
  readonly groups: number;

  constructor(
    readonly inChannels: number,
    readonly outChannels: number,
    kernelSize: number | Pair,
    options: Conv2dOptions = {},
  ) {
    super();
    const [KH, KW] = pair(kernelSize);
    this.stride = pair(options.stride ?? 1);
    this.padding = pair(options.padding ?? 0);
    this.dilation = pair(options.dilation ?? 1);
    this.groups = options.groups ?? 1;
    this.weight = Tensor.zeros([outChannels, inChannels / this.groups, KH, KW]);
    this.bias = options.bias === true ? Tensor.zeros([outChannels]) : null;
  }

  protected override parameterNames(): readonly string[] {
    return this.bias === null ? ['weight'] : ['weight', 'bias'];
  }

  /** False for a network's first layer: its input gradient is not needed. */
  requiresInputGrad = true;
  private readonly saved = new SavedForBackward<Tensor>();

  protected forward(x: Tensor): Tensor {
    this.saved.save(this, x);
    return ops.conv2d(x, this.weight, this.bias, this);
  }

  override backward(dout: Tensor): Tensor {
    const x = this.saved.take(this);
    const g = ops.conv2dBackward(x, this.weight, dout, this, this.requiresInputGrad);
    this.accumulateGrad('weight', g.dweight);
    if (this.bias !== null) this.accumulateGrad('bias', g.dbias);
    return g.dx ?? Tensor.zeros(x.shape);
  }

  override countMacs(_input: readonly number[], output: readonly number[]): number {
    const [, CG, KH, KW] = this.weight.shape;
    return output.reduce((a, b) => a * b, 1) * CG * KH * KW;
  }
}

export class BatchNorm2d extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor;
  readonly running_mean: Tensor;
  readonly running_var: Tensor;
  readonly num_batches_tracked: Tensor;

  constructor(
    readonly numFeatures: number,
    readonly eps = 1e-5,
    readonly momentum = 0.1,
  ) {
    super();
    this.weight = new Tensor(new Float32Array(numFeatures).fill(1), [numFeatures]);
    this.bias = Tensor.zeros([numFeatures]);
    this.running_mean = Tensor.zeros([numFeatures]);
    this.running_var = new Tensor(new Float32Array(numFeatures).fill(1), [numFeatures]);
    this.num_batches_tracked = new Tensor(new Float32Array(1), [], 'int64');
  }

  protected override parameterNames(): readonly string[] {
    return ['weight', 'bias'];
  }

  protected override bufferNames(): readonly string[] {
    return ['running_mean', 'running_var', 'num_batches_tracked'];
  }

  /** `reluOut`: the output of a fused batch norm + ReLU (callRelu), else null. */
  private readonly saved = new SavedForBackward<{
    x: Tensor;
    mean: Tensor;
    invstd: Tensor;
    reluOut: Tensor | null;
  }>();

  /** Eval: running statistics. Training: batch statistics, and the running ones updated as PyTorch does. */
  protected forward(x: Tensor): Tensor {
    if (!this.training) {
      return ops.batchNorm2d(x, this.running_mean, this.running_var, this.weight, this.bias, this.eps);
    }
    return this.trainForward(x, false);
  }

  /**
   * `relu.call(this.call(x))`, computed in one pass when both modules are training (the ReLU's
   * output is then kept here, for backwardRelu). Undo with backwardRelu(dout, relu).
   */
  callRelu(x: Tensor, relu: ReLU): Tensor {
    return this.training && relu.training ? this.trainForward(x, true) : relu.call(this.call(x));
  }

  /** Gradient of callRelu: `this.backward(relu.backward(dout))`, in one pass after a fused forward. */
  backwardRelu(dout: Tensor, relu: ReLU): Tensor {
    return this.backward(this.training && relu.training ? dout : relu.backward(dout));
  }

  private trainForward(x: Tensor, relu: boolean): Tensor {
    const stats = ops.batchNorm2dTrain(x, this.weight, this.bias, this.eps, relu);
    const [N, , H, W] = x.shape;
    const count = N * H * W;
    const m = this.momentum;
    for (let c = 0; c < this.numFeatures; c++) {
      this.running_mean.data[c] = (1 - m) * this.running_mean.data[c] + m * stats.mean.data[c];
      const unbiased = (stats.variance.data[c] * count) / (count - 1);
      this.running_var.data[c] = (1 - m) * this.running_var.data[c] + m * unbiased;
    }
    this.num_batches_tracked.data[0] += 1;
    this.saved.save(this, { x, mean: stats.mean, invstd: stats.invstd, reluOut: relu ? stats.out : null });
    return stats.out;
  }

  /**
   * Training: the batch-statistics gradient. Eval (a frozen BN, e.g. when fine-tuning): a fixed
   * per-channel affine map, so dx = dout · weight / √(running_var + eps) and no parameter gradients.
   */
  override backward(dout: Tensor): Tensor {
    if (!this.training) {
      const zeros = Tensor.zeros([this.numFeatures]);
      return ops.batchNorm2d(dout, zeros, this.running_var, this.weight, zeros, this.eps);
    }
    const { x, mean, invstd, reluOut } = this.saved.take(this);
    const g = ops.batchNorm2dBackward(dout, x, mean, invstd, this.weight, reluOut);
    this.accumulateGrad('weight', g.dweight);
    this.accumulateGrad('bias', g.dbias);
    return g.dx;
  }
}

export class ReLU extends Module {
  private readonly saved = new SavedForBackward<Tensor>();

  protected forward(x: Tensor): Tensor {
    const out = ops.relu(x);
    this.saved.save(this, out);
    return out;
  }

  override backward(dout: Tensor): Tensor {
    return ops.reluBackward(dout, this.saved.take(this));
  }
}

export class MaxPool2d extends Module {
  readonly kernelSize: Pair;
  readonly stride: Pair;
  readonly padding: Pair;

  constructor(kernelSize: number | Pair, stride?: number | Pair, padding: number | Pair = 0) {
    super();
    this.kernelSize = pair(kernelSize);
    this.stride = pair(stride ?? kernelSize);
    this.padding = pair(padding);
  }

  private readonly saved = new SavedForBackward<Tensor>();

  protected forward(x: Tensor): Tensor {
    this.saved.save(this, x);
    return ops.maxPool2d(x, this);
  }

  override backward(dout: Tensor): Tensor {
    return ops.maxPool2dBackward(dout, this.saved.take(this), this);
  }
}

export class AdaptiveAvgPool2d extends Module {
  constructor(readonly outputSize: Pair = [1, 1]) {
    super();
  }

  private readonly saved = new SavedForBackward<readonly number[]>();

  protected forward(x: Tensor): Tensor {
    this.saved.save(this, x.shape);
    return ops.adaptiveAvgPool2d(x, this.outputSize[0], this.outputSize[1]);
  }

  override backward(dout: Tensor): Tensor {
    return ops.adaptiveAvgPool2dBackward(dout, this.saved.take(this));
  }
}

export class AdaptiveMaxPool2d extends Module {
  constructor(readonly outputSize: Pair = [1, 1]) {
    super();
  }

  protected forward(x: Tensor): Tensor {
    return ops.adaptiveMaxPool2d(x, this.outputSize[0], this.outputSize[1]);
  }
}

export class Linear extends Module {
  readonly weight: Tensor;
  readonly bias: Tensor | null;

  constructor(
    readonly inFeatures: number,
    readonly outFeatures: number,
    bias = true,
  ) {
    super();
    this.weight = Tensor.zeros([outFeatures, inFeatures]);
    this.bias = bias ? Tensor.zeros([outFeatures]) : null;
  }

  protected override parameterNames(): readonly string[] {
    return this.bias === null ? ['weight'] : ['weight', 'bias'];
  }

  private readonly saved = new SavedForBackward<Tensor>();

  protected forward(x: Tensor): Tensor {
    this.saved.save(this, x);
    return ops.linear(x, this.weight, this.bias);
  }

  override backward(dout: Tensor): Tensor {
    const g = ops.linearBackward(dout, this.saved.take(this), this.weight);
    this.accumulateGrad('weight', g.dweight);
    if (this.bias !== null) this.accumulateGrad('bias', g.dbias);
    return g.dx;
  }

  override countMacs(input: readonly number[]): number {
    return input[0] * this.inFeatures * this.outFeatures;
  }
}

/** Parameter-free shortcut (the seed's option A): strided identity, channels zero-padded. */
export class ZeroPadShortcut extends Module {
  constructor(
    readonly outChannels: number,
    readonly stride: number,
  ) {
    super();
  }

  private readonly saved = new SavedForBackward<readonly number[]>();

  protected forward(x: Tensor): Tensor {
    this.saved.save(this, x.shape);
    return ops.zeroPadShortcut(x, this.outChannels, this.stride);
  }

  override backward(dout: Tensor): Tensor {
    return ops.zeroPadShortcutBackward(dout, this.saved.take(this), this.stride);
  }
}
