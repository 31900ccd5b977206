/**
 * ONNX export of a ResNet: walks the model's structure (stem, layer1..layer4, blocks, head) the way
 * its forward runs and writes an ONNX ModelProto that mirrors torchvision's `torch.onnx.export`:
 * BatchNormalization kept unfolded, node names from module scopes (`/layer1/layer1.0/conv1/Conv`),
 * initializers named by state-dict keys (`layer1.0.conv1.weight`) with float32 raw_data.
 *
 *   input  `input`  [batch, 3, height, width]  (symbolic dims unless `dynamic: false`)
 *   output `logits` [batch, numClasses]; without the top `pool` [batch, C] or `layer4` [batch, C, h, w]
 */
import { OptionError, UserError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic_write.js';
import { GraphBuilder, type Dim, type Scope } from '../io/onnx/graph.js';
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
import { BasicBlock, Bottleneck, MIN_INPUT_SIZE, type ResNet } from '../model/resnet.js';

export const MIN_OPSET = 13;
export const MAX_OPSET = 18;
export const DEFAULT_OPSET = 13;

export interface OnnxExportOptions {
  /** ai.onnx opset version, 13..18 (default 13). */
  opset?: number;
  /** Symbolic batch and spatial dims (default true); false fixes them to batch/height/width. */
  dynamic?: boolean;
  /** Static input size when `dynamic` is false (default 1 × 224 × 224). */
  batch?: number;
  height?: number;
  width?: number;
  /** Stored in the model's doc_string. */
  docString?: string;
}

const INT64_MAX = (1n << 63n) - 1n;

/** Throws an OptionError unless opset is an integer in [MIN_OPSET, MAX_OPSET]. */
export function checkOpset(opset: number): number {
  if (!Number.isInteger(opset) || opset < MIN_OPSET || opset > MAX_OPSET) {
    throw new OptionError(
      `{opset} must be an integer from ${MIN_OPSET} to ${MAX_OPSET} (ONNX export needs Pad/Slice with tensor inputs), got ${opset}.`,
    );
  }
  return opset;
}

/** State-dict key of a module's tensor from its scope: ['layer1', 'layer1.0', 'conv1'] → layer1.0.conv1.weight. */
function keyOf(scope: Scope, tensor: string): string {
  const parts: string[] = [];
  for (const segment of scope) {
    const last = parts[parts.length - 1];
    if (last !== undefined && segment.startsWith(`${last}.`)) parts[parts.length - 1] = segment;
    else parts.push(segment);
  }
  return [...parts, tensor].join('.');
}

class ResNetExporter {
  readonly g = new GraphBuilder();

  conv(m: Conv2d, scope: Scope, x: string): string {
    const inputs = [x, this.g.initializer(keyOf(scope, 'weight'), m.weight)];
    if (m.bias !== null) inputs.push(this.g.initializer(keyOf(scope, 'bias'), m.bias));
    const [, , KH, KW] = m.weight.shape;
    return this.g.node('Conv', scope, inputs, {
      dilations: m.dilation,
      group: m.groups,
      kernel_shape: [KH, KW],
      pads: [m.padding[0], m.padding[1], m.padding[0], m.padding[1]],
      strides: m.stride,
    });
  }

  batchNorm(m: BatchNorm2d, scope: Scope, x: string): string {
    const inputs = [
      x,
      ...(['weight', 'bias', 'running_mean', 'running_var'] as const).map((name) =>
        this.g.initializer(keyOf(scope, name), m[name]),
      ),
    ];
    return this.g.node('BatchNormalization', scope, inputs, {
      epsilon: { float: m.eps },
      momentum: { float: 1 - m.momentum },
    });
  }

  maxPool(m: MaxPool2d, scope: Scope, x: string): string {
    return this.g.node('MaxPool', scope, [x], {
      ceil_mode: 0,
      kernel_shape: m.kernelSize,
      pads: [m.padding[0], m.padding[1], m.padding[0], m.padding[1]],
      strides: m.stride,
    });
  }

  relu(scope: Scope, x: string): string {
    return this.g.node('Relu', this.g.reuse(scope), [x]);
  }

  /** Option-A shortcut: every stride-th pixel (Slice with steps), then zero channels (Pad). */
  zeroPad(m: ZeroPadShortcut, inChannels: number, scope: Scope, x: string): string {
    let y = x;
    if (m.stride !== 1) {
      const starts = this.g.constant(scope, [0, 0]);
      const ends = this.g.constant(scope, [INT64_MAX, INT64_MAX]);
      const axes = this.g.constant(scope, [2, 3]);
      const steps = this.g.constant(scope, [m.stride, m.stride]);
      y = this.g.node('Slice', scope, [y, starts, ends, axes, steps]);
    }
    if (m.outChannels !== inChannels) {
      const pads = this.g.constant(scope, [0, 0, 0, 0, 0, m.outChannels - inChannels, 0, 0]);
      y = this.g.node('Pad', scope, [y, pads], {});
    }
    return y;
  }

  /** A leaf or Sequential in a block's shortcut or elsewhere; inChannels is only used by ZeroPadShortcut. */
  module(m: Module, scope: Scope, x: string, inChannels: number): string {
    if (m instanceof Conv2d) return this.conv(m, scope, x);
    if (m instanceof BatchNorm2d) return this.batchNorm(m, scope, x);
    if (m instanceof ReLU) return this.relu(scope, x);
    if (m instanceof MaxPool2d) return this.maxPool(m, scope, x);
    if (m instanceof ZeroPadShortcut) return this.zeroPad(m, inChannels, scope, x);
    if (m instanceof Sequential) {
      const name = scope[scope.length - 1];
      let y = x;
      let channels = inChannels;
      for (let i = 0; i < m.length; i++) {
        y = this.module(m[i], [...scope, `${name}.${i}`], y, channels);
        if (m[i] instanceof Conv2d) channels = (m[i] as Conv2d).outChannels;
      }
      return y;
    }
    throw new Error(`ONNX export: no mapping for ${m.constructor.name} at ${scope.join('/')}`);
  }

  block(b: Module, scope: Scope, x: string): string {
    const at = (name: string): Scope => [...scope, name];
    let out: string;
    let inChannels: number;
    if (b instanceof Bottleneck) {
      inChannels = b.conv1.inChannels;
      out = this.relu(at('relu'), this.batchNorm(b.bn1, at('bn1'), this.conv(b.conv1, at('conv1'), x)));
      out = this.relu(at('relu'), this.batchNorm(b.bn2, at('bn2'), this.conv(b.conv2, at('conv2'), out)));
      out = this.batchNorm(b.bn3, at('bn3'), this.conv(b.conv3, at('conv3'), out));
    } else if (b instanceof BasicBlock) {
      inChannels = b.conv1.inChannels;
      out = this.relu(at('relu'), this.batchNorm(b.bn1, at('bn1'), this.conv(b.conv1, at('conv1'), x)));
      out = this.batchNorm(b.bn2, at('bn2'), this.conv(b.conv2, at('conv2'), out));
    } else {
      throw new Error(`ONNX export: ${scope.join('/')} is a ${b.constructor.name}, not a ResNet block`);
    }
    if (!b.residual) return this.relu(at('relu'), out);
    const identity = b.downsample === null ? x : this.module(b.downsample, at('downsample'), x, inChannels);
    const sum = this.g.node('Add', scope, [out, identity]);
    return this.relu(at('relu'), sum);
  }

  /** Emits the whole network; its last node writes `outputName`. */
  network(model: ResNet, input: string, outputName: string): void {
    let x = this.conv(model.conv1, ['conv1'], input);
    x = this.batchNorm(model.bn1, ['bn1'], x);
    x = this.relu(['relu'], x);
    if (model.maxpool !== null) x = this.maxPool(model.maxpool, ['maxpool'], x);
    const stages = [model.layer1, model.layer2, model.layer3, model.layer4];
    stages.forEach((stage, s) => {
      const name = `layer${s + 1}`;
      for (let i = 0; i < stage.length; i++) x = this.block(stage[i], [name, `${name}.${i}`], x);
    });
    if (model.avgpool === null) {
      this.g.node('Identity', [], [x], {}, outputName);
      return;
    }
    const pool = model.avgpool;
    const isOne = (p: AdaptiveAvgPool2d | AdaptiveMaxPool2d): boolean =>
      p.outputSize[0] === 1 && p.outputSize[1] === 1;
    if (pool instanceof AdaptiveAvgPool2d && isOne(pool)) {
      x = this.g.node('GlobalAveragePool', ['avgpool'], [x]);
    } else if (pool instanceof AdaptiveMaxPool2d && isOne(pool)) {
      x = this.g.node('GlobalMaxPool', ['avgpool'], [x]);
    } else {
      throw new UserError(
        `ONNX export supports global pooling only (output size 1), not ${pool.constructor.name}.`,
      );
    }
    const fc = model.fc;
    x = this.g.node('Flatten', [], [x], { axis: 1 }, fc === null ? outputName : undefined);
    if (fc !== null) this.linear(fc, ['fc'], x, outputName);
  }

  linear(m: Linear, scope: Scope, x: string, output: string): string {
    const inputs = [x, this.g.initializer(keyOf(scope, 'weight'), m.weight)];
    if (m.bias !== null) inputs.push(this.g.initializer(keyOf(scope, 'bias'), m.bias));
    return this.g.node('Gemm', scope, inputs, { alpha: { float: 1 }, beta: { float: 1 }, transB: 1 }, output);
  }
}

function checkStaticSize(name: string, value: number, min: number): number {
  if (!Number.isInteger(value) || value < min) {
    throw new UserError(`ONNX export: ${name} must be an integer ≥ ${min}, got ${value}.`);
  }
  return value;
}

/** The model as an ONNX ModelProto (bytes of a .onnx file). */
export function exportOnnx(model: ResNet, options: OnnxExportOptions = {}): Uint8Array {
  const opset = checkOpset(options.opset ?? DEFAULT_OPSET);
  const dynamic = options.dynamic ?? true;
  let batch: Dim = 'batch';
  let height: Dim = 'height';
  let width: Dim = 'width';
  if (!dynamic) {
    batch = checkStaticSize('batch', options.batch ?? 1, 1);
    height = checkStaticSize('height', options.height ?? 224, MIN_INPUT_SIZE);
    width = checkStaticSize('width', options.width ?? 224, MIN_INPUT_SIZE);
  }
  let outputName: string;
  let outputDims: Dim[];
  if (model.fc !== null) {
    outputName = 'logits';
    outputDims = [batch, model.fc.outFeatures];
  } else if (model.avgpool !== null) {
    outputName = 'pool';
    outputDims = [batch, model.numFeatures];
  } else {
    outputName = 'layer4';
    outputDims = [
      batch,
      model.numFeatures,
      typeof height === 'number' ? model.featureSize(height) : 'layer4_height',
      typeof width === 'number' ? model.featureSize(width) : 'layer4_width',
    ];
  }

  const exporter = new ResNetExporter();
  exporter.network(model, 'input', outputName);
  return exporter.g.encodeModel({
    opset,
    input: { name: 'input', dims: [batch, 3, height, width] },
    output: { name: outputName, dims: outputDims },
    docString: options.docString,
  });
}

/** Writes `exportOnnx(model, options)` to path atomically (a temp file next to it, then rename). */
export function writeOnnx(path: string, model: ResNet, options: OnnxExportOptions = {}): Uint8Array {
  const bytes = exportOnnx(model, options);
  writeFileAtomic(path, [bytes]);
  return bytes;
}
