/**
 * One plan op as the flat record both compiled engines read (native/src/plan_reader.cc and the
 * WebAssembly engine's checker): kernel, stride and padding split into H and W fields, the batch
 * norm's tensors as four nullable fields. `NativeOp` and `WasmOp` are this record's type.
 */
import type { FileTensor, PlanOp, Slot } from './plan.js';

export type EngineTensor = Float32Array | FileTensor;

export type EngineOp =
  | { op: 'input'; output: Slot; layout: 'plain' | 'flat' | 'blocked'; channels: number; border: number }
  | {
      op: 'conv';
      input: Slot;
      output: Slot;
      residual: Slot | null;
      relu: boolean;
      inChannels: number;
      outChannels: number;
      kernelH: number;
      kernelW: number;
      strideH: number;
      strideW: number;
      padH: number;
      padW: number;
      weight: EngineTensor;
      bias: EngineTensor | null;
      bnWeight: EngineTensor | null;
      bnBias: EngineTensor | null;
      bnMean: EngineTensor | null;
      bnVar: EngineTensor | null;
      bnEps: number;
    }
  | {
      op: 'maxpool';
      input: Slot;
      output: Slot;
      kernelH: number;
      kernelW: number;
      strideH: number;
      strideW: number;
      padH: number;
      padW: number;
    }
  | { op: 'globalavgpool' | 'globalmaxpool'; input: Slot; output: Slot }
  | {
      op: 'linear';
      input: Slot;
      output: Slot;
      inFeatures: number;
      outFeatures: number;
      weight: EngineTensor;
      bias: EngineTensor | null;
    }
  | { op: 'zeropad'; input: Slot; output: Slot; outChannels: number; stride: number }
  | { op: 'toplain'; input: Slot; output: Slot };

export function engineOp(op: PlanOp): EngineOp {
  const { input, output } = op;
  switch (op.kind) {
    case 'conv': {
      const bn = op.batchNorm;
      return {
        op: 'conv',
        input,
        output,
        residual: op.residual,
        relu: op.relu,
        inChannels: op.inChannels,
        outChannels: op.outChannels,
        kernelH: op.kernel[0],
        kernelW: op.kernel[1],
        strideH: op.stride[0],
        strideW: op.stride[1],
        padH: op.padding[0],
        padW: op.padding[1],
        weight: op.weight,
        bias: op.bias,
        bnWeight: bn?.weight ?? null,
        bnBias: bn?.bias ?? null,
        bnMean: bn?.mean ?? null,
        bnVar: bn?.variance ?? null,
        bnEps: bn?.eps ?? 0,
      };
    }
    case 'maxPool':
      return {
        op: 'maxpool',
        input,
        output,
        kernelH: op.kernel[0],
        kernelW: op.kernel[1],
        strideH: op.stride[0],
        strideW: op.stride[1],
        padH: op.padding[0],
        padW: op.padding[1],
      };
    case 'globalPool':
      return { op: op.mode === 'avg' ? 'globalavgpool' : 'globalmaxpool', input, output };
    case 'linear':
      return {
        op: 'linear',
        input,
        output,
        inFeatures: op.inFeatures,
        outFeatures: op.outFeatures,
        weight: op.weight,
        bias: op.bias,
      };
    case 'zeroPadShortcut':
      return { op: 'zeropad', input, output, outChannels: op.outChannels, stride: op.stride };
  }
}
