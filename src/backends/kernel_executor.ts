/**
 * A plan executor over a backend's kernels: runs a plan op by op in the order the model's modules
 * run them (conv, batch norm, residual add, ReLU), so on the reference kernels its results are
 * bit-identical to the module tree's. Over the reference backend it is the oracle every other
 * executor is tested against. It runs on the calling thread and reads weights from memory only.
 */
import { Tensor } from '../tensor/tensor.js';
import { UserError } from '../errors.js';
import { checkPlanInput } from '../plan/check_input.js';
import type { CompiledPlan, Plan, PlanExecutor, PlanOp, PlanTensor, Slot } from '../plan/plan.js';
import type { Backend } from './backend.js';

type Kernels = Pick<
  Backend,
  | 'conv2d'
  | 'batchNorm2d'
  | 'add'
  | 'relu'
  | 'maxPool2d'
  | 'adaptiveAvgPool2d'
  | 'adaptiveMaxPool2d'
  | 'linear'
  | 'zeroPadShortcut'
>;

function inMemory(t: PlanTensor, shape: readonly number[], what: string): Tensor {
  if (!(t instanceof Float32Array)) {
    throw new UserError(`Plans on kernels read weights from memory only (${what} is in ${t.file}).`);
  }
  return new Tensor(t, shape);
}

function runOp(k: Kernels, op: PlanOp, x: Tensor, slot: (s: Slot) => Tensor): Tensor {
  switch (op.kind) {
    case 'conv': {
      const { outChannels: OC, inChannels: C, kernel } = op;
      const weight = inMemory(op.weight, [OC, C, kernel[0], kernel[1]], `${op.name}.weight`);
      const bias = op.bias === null ? null : inMemory(op.bias, [OC], `${op.name}.bias`);
      let out = k.conv2d(x, weight, bias, {
        stride: op.stride,
        padding: op.padding,
        dilation: [1, 1],
        groups: 1,
      });
      const bn = op.batchNorm;
      if (bn !== null) {
        const t = (v: PlanTensor, name: string) => inMemory(v, [OC], `${op.name} batch norm ${name}`);
        out = k.batchNorm2d(
          out,
          t(bn.mean, 'mean'),
          t(bn.variance, 'variance'),
          t(bn.weight, 'weight'),
          t(bn.bias, 'bias'),
          bn.eps,
        );
      }
      if (op.residual !== null) out = k.add(out, slot(op.residual));
      return op.relu ? k.relu(out) : out;
    }
    case 'maxPool':
      return k.maxPool2d(x, { kernelSize: op.kernel, stride: op.stride, padding: op.padding });
    case 'globalPool': {
      const pooled = op.mode === 'avg' ? k.adaptiveAvgPool2d(x, 1, 1) : k.adaptiveMaxPool2d(x, 1, 1);
      return pooled.reshape([pooled.shape[0], pooled.shape[1]]);
    }
    case 'linear': {
      const weight = inMemory(op.weight, [op.outFeatures, op.inFeatures], `${op.name}.weight`);
      const bias = op.bias === null ? null : inMemory(op.bias, [op.outFeatures], `${op.name}.bias`);
      return k.linear(x, weight, bias);
    }
    case 'zeroPadShortcut':
      return k.zeroPadShortcut(x, op.outChannels, op.stride);
  }
}

/** The index of the last op that reads each slot (so activations are dropped after their last use). */
function lastReads(plan: Plan): Map<Slot, number> {
  const last = new Map<Slot, number>();
  plan.ops.forEach((op, i) => {
    last.set(op.input, i);
    if (op.kind === 'conv' && op.residual !== null) last.set(op.residual, i);
  });
  return last;
}

function compileOnKernels(kernels: Kernels, plan: Plan): CompiledPlan {
  const last = lastReads(plan);
  const kept = new Set(plan.outputs.map((o) => o.slot));
  let disposed = false;
  return {
    async run(data, shape) {
      if (disposed) throw new UserError('This compiled plan was disposed.');
      checkPlanInput(plan, data, shape);
      const slots = new Map<Slot, Tensor>([[0, new Tensor(data, shape)]]);
      const slot = (s: Slot): Tensor => {
        const t = slots.get(s);
        if (t === undefined) throw new Error(`plan slot ${s} is read before it is written`);
        return t;
      };
      plan.ops.forEach((op, i) => {
        slots.set(op.output, runOp(kernels, op, slot(op.input), slot));
        for (const s of [op.input, op.kind === 'conv' ? op.residual : null]) {
          if (s !== null && last.get(s) === i && !kept.has(s)) slots.delete(s);
        }
      });
      return plan.outputs.map((o) => {
        const t = slot(o.slot);
        return { data: t.data, shape: [...t.shape] };
      });
    },
    weightBytes() {
      let bytes = 0;
      const count = (t: PlanTensor | null) => {
        if (t !== null) bytes += 4 * t.length;
      };
      for (const op of plan.ops) {
        if (op.kind === 'conv' || op.kind === 'linear') {
          count(op.weight);
          count(op.bias);
        }
        if (op.kind === 'conv' && op.batchNorm !== null) {
          const { weight, bias, mean, variance } = op.batchNorm;
          [weight, bias, mean, variance].forEach(count);
        }
      }
      return bytes;
    },
    dispose() {
      disposed = true;
    },
  };
}

/** The executor that runs plans with `backend`'s kernels. */
export function kernelExecutor(backend: Backend): PlanExecutor {
  return { name: backend.name, compile: (plan) => compileOnKernels(backend, plan) };
}
