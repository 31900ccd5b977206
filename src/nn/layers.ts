/** The layers ResNet is made of, shaped like their torch.nn namesakes (same attribute names). */
import * as ops from '../ops/index.js';
import { Tensor } from '../tensor/tensor.js';
import { Module } from './module.js';

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

  protected forward(x: Tensor): Tensor {
    return ops.conv2d(x, this.weight, this.bias, this);
  }

  protected override countMacs(_input: readonly number[], output: readonly number[]): number {
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

  protected forward(x: Tensor): Tensor {
    return ops.batchNorm2d(x, this.running_mean, this.running_var, this.weight, this.bias, this.eps);
  }
}

export class ReLU extends Module {
  protected forward(x: Tensor): Tensor {
    return ops.relu(x);
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

  protected forward(x: Tensor): Tensor {
    return ops.maxPool2d(x, this);
  }
}

export class AdaptiveAvgPool2d extends Module {
  constructor(readonly outputSize: Pair = [1, 1]) {
    super();
  }

  protected forward(x: Tensor): Tensor {
    return ops.adaptiveAvgPool2d(x, this.outputSize[0], this.outputSize[1]);
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

  protected forward(x: Tensor): Tensor {
    return ops.linear(x, this.weight, this.bias);
  }

  protected override countMacs(input: readonly number[]): number {
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

  protected forward(x: Tensor): Tensor {
    return ops.zeroPadShortcut(x, this.outChannels, this.stride);
  }
}
