/**
 * Lowers a ResNet (a classifier, a feature extractor or a detector's body) to the inference plan that
 * every fast backend executes (src/plan/plan.ts): each conv takes its batch norm along, and the
 * block's residual add and ReLU become the last conv's epilogue.
 *
 *   stem:   conv1+bn1+relu (→ maxpool in the ImageNet stem)
 *   block:  conv1+bn1+relu → (conv2+bn2+relu →) convK+bnK + shortcut → relu
 *   head:   global pool → fc
 */
import { BatchNorm2d, Conv2d, ZeroPadShortcut } from '../nn/layers.js';
import { assignPaths, Sequential, type Module } from '../nn/module.js';
import { BasicBlock, Bottleneck, MIN_INPUT_SIZE, type ResNet } from './resnet.js';
import type { Tensor } from '../tensor/tensor.js';
import { UserError } from '../errors.js';
import type { Plan, PlanOp, PlanTensor, Slot } from '../plan/plan.js';

/** The results a ResNet plan can return: the model's output, the pooled features or a stage's maps. */
export type ResNetOutput = 'output' | 'pool' | 'stem' | 'layer1' | 'layer2' | 'layer3' | 'layer4';
export const RESNET_OUTPUTS: readonly ResNetOutput[] = [
  'stem',
  'layer1',
  'layer2',
  'layer3',
  'layer4',
  'pool',
  'output',
];

/**
 * Where a parameter's values come from: the module's own tensor (the default), or e.g. a weights
 * file the executor reads itself, so the model's tensors are never filled.
 */
export type WeightSource = (key: string, tensor: Tensor) => PlanTensor;

const fromModel: WeightSource = (_key, tensor) => tensor.data;

/**
 * The plan of `model` returning `outputs` (in that order; e.g. ['output'], or the four stages of a
 * detector's feature pyramid). The plan ends at the last output asked for.
 */
export function lowerResNet(
  model: ResNet,
  outputs: readonly ResNetOutput[] = ['output'],
  weights: WeightSource = fromModel,
): Plan {
  if (outputs.length === 0) throw new UserError('A plan needs at least one output.');
  assignPaths(model);
  const ops: PlanOp[] = [];
  const slots = new Map<ResNetOutput, Slot>();
  let next = 1;
  const param = (m: Module, name: string, t: Tensor): PlanTensor => weights(`${m.path}.${name}`, t);
  const conv = (
    c: Conv2d,
    bn: BatchNorm2d | null,
    input: Slot,
    relu: boolean,
    residual: Slot | null = null,
  ) => {
    if (c.groups !== 1 || c.dilation[0] !== 1 || c.dilation[1] !== 1) {
      throw new UserError(`${c.path}: plans support only convolutions with groups 1 and dilation 1.`);
    }
    const output = next++;
    ops.push({
      kind: 'conv',
      name: c.path,
      input,
      output,
      inChannels: c.inChannels,
      outChannels: c.outChannels,
      kernel: [c.weight.shape[2], c.weight.shape[3]],
      stride: c.stride,
      padding: c.padding,
      weight: param(c, 'weight', c.weight),
      bias: c.bias === null ? null : param(c, 'bias', c.bias),
      batchNorm:
        bn === null
          ? null
          : {
              weight: param(bn, 'weight', bn.weight),
              bias: param(bn, 'bias', bn.bias),
              mean: param(bn, 'running_mean', bn.running_mean),
              variance: param(bn, 'running_var', bn.running_var),
              eps: bn.eps,
            },
      residual,
      relu,
    });
    return output;
  };
  const shortcut = (downsample: Module | null, x: Slot): Slot => {
    if (downsample === null) return x;
    if (downsample instanceof ZeroPadShortcut) {
      const { outChannels, stride } = downsample;
      ops.push({ kind: 'zeroPadShortcut', input: x, output: next, outChannels, stride });
      return next++;
    }
    if (
      downsample instanceof Sequential &&
      downsample.length === 2 &&
      downsample[0] instanceof Conv2d &&
      downsample[1] instanceof BatchNorm2d
    ) {
      return conv(downsample[0], downsample[1], x, false);
    }
    throw new UserError(`${downsample.path}: plans support projection and zero-pad shortcuts only.`);
  };
  const last = outputs.reduce((a, b) => (RESNET_OUTPUTS.indexOf(b) > RESNET_OUTPUTS.indexOf(a) ? b : a));
  const done = (name: ResNetOutput, slot: Slot): boolean => {
    slots.set(name, slot);
    return name === last;
  };
  const finish = (): Plan => ({
    inputChannels: model.conv1.inChannels,
    minInputSize: MIN_INPUT_SIZE,
    ops,
    outputs: outputs.map((name) => {
      const slot = slots.get(name);
      if (slot === undefined)
        throw new UserError(`This model has no '${name}' output (its pooling is 'none').`);
      return { name, slot };
    }),
  });

  let x = conv(model.conv1, model.bn1, 0, true);
  if (model.maxpool !== null) {
    const { kernelSize, stride, padding } = model.maxpool;
    ops.push({ kind: 'maxPool', input: x, output: next, kernel: kernelSize, stride, padding });
    x = next++;
  }
  if (done('stem', x)) return finish();
  const stages = [model.layer1, model.layer2, model.layer3, model.layer4];
  for (let s = 0; s < stages.length; s++) {
    for (let i = 0; i < stages[s].length; i++) {
      const block = stages[s][i];
      if (!(block instanceof Bottleneck || block instanceof BasicBlock)) {
        throw new UserError(`${block.path}: plans support BasicBlock and Bottleneck blocks only.`);
      }
      const convs: [Conv2d, BatchNorm2d][] =
        block instanceof Bottleneck
          ? [
              [block.conv1, block.bn1],
              [block.conv2, block.bn2],
              [block.conv3, block.bn3],
            ]
          : [
              [block.conv1, block.bn1],
              [block.conv2, block.bn2],
            ];
      const [lastConv, lastBn] = convs[convs.length - 1];
      let out = x;
      for (const [c, bn] of convs.slice(0, -1)) out = conv(c, bn, out, true);
      const identity = block.residual ? shortcut(block.downsample, x) : null;
      x = conv(lastConv, lastBn, out, true, identity);
    }
    if (done(`layer${s + 1}` as ResNetOutput, x)) return finish();
  }
  if (model.avgpool === null) {
    slots.set('output', x);
    return finish();
  }
  const mode = model.options.pooling === 'max' ? 'max' : 'avg';
  ops.push({ kind: 'globalPool', mode, input: x, output: next });
  x = next++;
  if (done('pool', x) || model.fc === null) {
    slots.set('output', x);
    return finish();
  }
  const fc = model.fc;
  ops.push({
    kind: 'linear',
    name: 'fc',
    input: x,
    output: next,
    inFeatures: fc.inFeatures,
    outFeatures: fc.outFeatures,
    weight: weights('fc.weight', fc.weight),
    bias: fc.bias === null ? null : weights('fc.bias', fc.bias),
  });
  slots.set('output', next++);
  return finish();
}
