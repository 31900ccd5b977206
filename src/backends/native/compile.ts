/**
 * Compiles a ResNet into a native inference plan: BN folded into conv weights, bias + ReLU and the
 * residual add fused into conv epilogues, weights packed once; activations in a planned arena.
 * The plan runs off the event loop (libuv worker + the engine's own thread pool).
 */
import { BatchNorm2d, Conv2d, ZeroPadShortcut } from '../../nn/layers.js';
import { assignPaths, Sequential, type Module } from '../../nn/module.js';
import { BasicBlock, Bottleneck, type ResNet } from '../../model/resnet.js';
import { Tensor } from '../../tensor/tensor.js';
import { UserError } from '../../errors.js';
import { maxPoolOp, nativeAddon, type FileTensor, type NativeOp, type NativePlan } from './addon.js';
import type { SafetensorsEntry } from '../../io/weights/index.js';

/** What a compiled plan returns: the model's output, or a stage's feature maps. */
export type PlanOutput = 'output' | 'pool' | 'stem' | 'layer1' | 'layer2' | 'layer3' | 'layer4';
/** The outputs a plan can return besides its last one: the stem and the stages. */
export type FeatureStage = 'stem' | 'layer1' | 'layer2' | 'layer3' | 'layer4';

/** Where the plan builder takes a parameter's values from: the module's tensor, or a file. */
export type WeightSource = (key: string, tensor: Tensor) => Float32Array | FileTensor;

const fromModel: WeightSource = (_key, tensor) => tensor.data;

/**
 * Reads parameters straight from an all-F32 safetensors file (see indexWeightsFile), tensor by tensor
 * inside the engine, so the model's own tensors are never filled and never cost memory.
 */
export function fromSafetensors(file: string, index: ReadonlyMap<string, SafetensorsEntry>): WeightSource {
  return (key) => {
    const entry = index.get(key);
    if (entry === undefined || entry.dtype !== 'F32')
      throw new UserError(`${file}: no float32 tensor '${key}'.`);
    return { file, offset: entry.offset, length: entry.bytes / 4 };
  };
}

export class NativeResNet {
  private readonly plans = new Map<PlanOutput, NativePlan>();
  private readonly featurePlans = new Map<string, NativePlan>();

  constructor(
    private readonly model: ResNet,
    private readonly source: WeightSource = fromModel,
  ) {
    if (nativeAddon() === null) throw new UserError('The native engine is not available on this machine.');
  }

  /** Same result as `model.call(x)`, computed by the native engine without blocking the event loop. */
  async forward(x: Tensor): Promise<Tensor> {
    return this.run(x, 'output');
  }

  async features(x: Tensor, layer: Exclude<PlanOutput, 'output'>): Promise<Tensor> {
    return this.run(x, layer);
  }

  /**
   * Several stages' feature maps (N,C,H,W) from one pass, in the order asked (e.g. layer1..layer4
   * for a feature pyramid); the plan for each list of stages is compiled once.
   */
  async featureMaps(x: Tensor, layers: readonly FeatureStage[]): Promise<Tensor[]> {
    const key = layers.join(',');
    let plan = this.featurePlans.get(key);
    if (plan === undefined) {
      const order = ['stem', 'layer1', 'layer2', 'layer3', 'layer4'];
      const last = layers.reduce((a, b) => (order.indexOf(b) > order.indexOf(a) ? b : a));
      const { ops, outputs } = buildOps(this.model, last, this.source, layers);
      plan = this.compile(ops, outputs);
      this.featurePlans.set(key, plan);
    }
    const [N, C, H, W] = x.shape;
    const results = await plan.run(x.data, N, C, H, W);
    return results.map((r) => new Tensor(r.data, r.shape));
  }

  /** Bytes of packed weights held by the compiled plans. */
  weightBytes(): number {
    return [...this.plans.values()].reduce((sum, p) => sum + p.weightBytes(), 0);
  }

  /** Frees every compiled plan's native memory now; a later call compiles the plan again. */
  dispose(): void {
    for (const plan of [...this.plans.values(), ...this.featurePlans.values()]) plan.dispose();
    this.plans.clear();
    this.featurePlans.clear();
  }

  private async run(x: Tensor, output: PlanOutput): Promise<Tensor> {
    const [N, C, H, W] = x.shape;
    const [result] = await this.plan(output).run(x.data, N, C, H, W);
    return new Tensor(result.data, result.shape);
  }

  private plan(output: PlanOutput): NativePlan {
    let plan = this.plans.get(output);
    if (plan === undefined) {
      const { ops, outputs } = buildOps(this.model, output, this.source);
      plan = this.compile(ops, outputs);
      this.plans.set(output, plan);
    }
    return plan;
  }

  private compile(ops: NativeOp[], outputs: number[]): NativePlan {
    try {
      return new (nativeAddon()!.Plan)(ops, outputs);
    } catch (e) {
      throw new UserError(`${(e as Error).message}.`);
    }
  }
}

function convOp(
  source: WeightSource,
  conv: Conv2d,
  bn: BatchNorm2d | null,
  input: number,
  output: number,
  relu: boolean,
  residual: number | null = null,
): NativeOp {
  const data = (m: Module, name: string, t: Tensor | null): Float32Array | FileTensor | null =>
    t === null ? null : source(`${m.path}.${name}`, t);
  if (conv.groups !== 1 || conv.dilation[0] !== 1 || conv.dilation[1] !== 1) {
    throw new UserError('The native engine supports only convolutions with groups 1 and dilation 1.');
  }
  return {
    op: 'conv',
    input,
    output,
    residual,
    relu,
    inChannels: conv.inChannels,
    outChannels: conv.outChannels,
    kernelH: conv.weight.shape[2],
    kernelW: conv.weight.shape[3],
    strideH: conv.stride[0],
    strideW: conv.stride[1],
    padH: conv.padding[0],
    padW: conv.padding[1],
    weight: source(`${conv.path}.weight`, conv.weight),
    bias: data(conv, 'bias', conv.bias),
    bnWeight: bn && data(bn, 'weight', bn.weight),
    bnBias: bn && data(bn, 'bias', bn.bias),
    bnMean: bn && data(bn, 'running_mean', bn.running_mean),
    bnVar: bn && data(bn, 'running_var', bn.running_var),
    bnEps: bn?.eps ?? 0,
  };
}

/**
 * The op list of a ResNet forward pass, ending at `output`. `alsoReturn` lists feature maps the plan
 * returns as well (in that order, before `output` unless it is one of them), e.g. a pyramid's levels.
 */
export function buildOps(
  model: ResNet,
  output: PlanOutput,
  source: WeightSource = fromModel,
  alsoReturn: readonly FeatureStage[] = [],
): { ops: NativeOp[]; outputs: number[] } {
  assignPaths(model);
  const ops: NativeOp[] = [];
  let next = 1;
  const conv = (
    c: Conv2d,
    bn: BatchNorm2d | null,
    input: number,
    relu: boolean,
    residual: number | null = null,
  ): number => {
    const id = next++;
    ops.push(convOp(source, c, bn, input, id, relu, residual));
    return id;
  };
  const shortcut = (downsample: Module | null, x: number): number => {
    if (downsample === null) return x;
    if (downsample instanceof ZeroPadShortcut) {
      const id = next++;
      ops.push({
        op: 'zeropad',
        input: x,
        output: id,
        outChannels: downsample.outChannels,
        stride: downsample.stride,
      });
      return id;
    }
    if (
      downsample instanceof Sequential &&
      downsample[0] instanceof Conv2d &&
      downsample[1] instanceof BatchNorm2d
    ) {
      return conv(downsample[0], downsample[1], x, false);
    }
    throw new UserError('The native engine does not support this shortcut module.');
  };
  const stageOutputs = new Map<PlanOutput, number>();
  const toPlain = (id: number): number => {
    const plain = next++;
    ops.push({ op: 'toplain', input: id, output: plain });
    return plain;
  };
  const keep = (name: FeatureStage, id: number): void => {
    if (alsoReturn.includes(name)) stageOutputs.set(name, toPlain(id));
  };
  const finish = (id: number, flat: boolean): { ops: NativeOp[]; outputs: number[] } => {
    stageOutputs.set(output, flat ? id : toPlain(id));
    const names: readonly PlanOutput[] = alsoReturn.includes(output as FeatureStage)
      ? alsoReturn
      : [...alsoReturn, output];
    const outputs = names.map((name) => {
      const t = stageOutputs.get(name);
      if (t === undefined) throw new UserError(`A plan ending at ${output} cannot return ${name}.`);
      return t;
    });
    return { ops, outputs };
  };

  ops.push({ op: 'input', output: 0, layout: 'plain', channels: 3, border: model.conv1.padding[0] });
  let x = conv(model.conv1, model.bn1, 0, true);
  ops.push(maxPoolOp(model.maxpool, x, next));
  x = next++;
  if (output === 'stem') return finish(x, false);
  keep('stem', x);
  const stages = [model.layer1, model.layer2, model.layer3, model.layer4];
  for (let s = 0; s < stages.length; s++) {
    const stage = stages[s];
    for (let i = 0; i < stage.length; i++) {
      const block = stage[i];
      if (block instanceof Bottleneck) {
        const a = conv(block.conv1, block.bn1, x, true);
        const b = conv(block.conv2, block.bn2, a, true);
        x = conv(block.conv3, block.bn3, b, true, block.residual ? shortcut(block.downsample, x) : null);
      } else if (block instanceof BasicBlock) {
        const a = conv(block.conv1, block.bn1, x, true);
        x = conv(block.conv2, block.bn2, a, true, block.residual ? shortcut(block.downsample, x) : null);
      } else {
        throw new UserError('The native engine supports BasicBlock and Bottleneck blocks only.');
      }
    }
    if (output === `layer${s + 1}`) return finish(x, false);
    keep(`layer${s + 1}` as FeatureStage, x);
  }
  if (model.avgpool === null) {
    if (output === 'output') return finish(x, false);
    throw new UserError("--layer pool is not available with pooling 'none'.");
  }
  const pooled = next++;
  ops.push({
    op: model.options.pooling === 'max' ? 'globalmaxpool' : 'globalavgpool',
    input: x,
    output: pooled,
  });
  if (output === 'pool' || model.fc === null) return finish(pooled, true);
  const logits = next++;
  ops.push({
    op: 'linear',
    input: pooled,
    output: logits,
    inFeatures: model.fc.inFeatures,
    outFeatures: model.fc.outFeatures,
    weight: source('fc.weight', model.fc.weight),
    bias: model.fc.bias === null ? null : source('fc.bias', model.fc.bias),
  });
  return finish(logits, true);
}
