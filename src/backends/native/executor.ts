/**
 * The native plan executor: translates a plan into the engine's op records (addon.ts NativeOp) and
 * compiles them in C++ (batch norm folded, weights packed once, activations in blocked channels in
 * an arena planned per input size). The build runs on a libuv worker, runs on one and the engine's
 * thread pool: both off the event loop. Feature maps a plan returns are converted back to plain NCHW inside the engine.
 */
import { UserError } from '../../errors.js';
import { checkPlanImages, checkPlanInput } from '../../plan/check_input.js';
import type { CompileOptions, CompiledPlan, Plan, PlanExecutor, Precision, Slot } from '../../plan/plan.js';
import { engineOp } from '../../plan/engine_ops.js';
import { nativeAddon, nativeStatus, type NativeOp, type NativePlan } from './addon.js';

/**
 * The engine's op list for `plan`: the input (with a border as wide as the first conv's padding, so
 * the stem reads no bounds), the ops, and a `toplain` after each feature map the plan returns.
 */
export function nativeOps(plan: Plan): { ops: NativeOp[]; outputs: Slot[] } {
  const first = plan.ops[0];
  const border = first?.kind === 'conv' && first.input === 0 ? first.padding[0] : 0;
  const ops: NativeOp[] = [{ op: 'input', output: 0, layout: 'plain', channels: plan.inputChannels, border }];
  let next = Math.max(0, ...plan.ops.map((op) => op.output)) + 1;
  const plain = new Map<Slot, Slot>();
  const returned = new Set(plan.outputs.map((o) => o.slot));
  for (const op of plan.ops) {
    const record = engineOp(op);
    // int8 plans: the conv's calibrated input scale, which only this engine reads.
    if (record.op === 'conv' && op.kind === 'conv' && op.inputScale !== undefined)
      ops.push({ ...record, inputScale: op.inputScale });
    else ops.push(record);
    const flat = op.kind === 'globalPool' || op.kind === 'linear';
    if (returned.has(op.output) && !flat) {
      plain.set(op.output, next);
      ops.push({ op: 'toplain', input: op.output, output: next++ });
    }
  }
  return { ops, outputs: plan.outputs.map((o) => plain.get(o.slot) ?? o.slot) };
}

function compileNative(plan: Plan, options: CompileOptions = {}): CompiledPlan {
  const addon = nativeAddon();
  if (addon === null) throw new UserError(`The native engine is not available: ${nativeStatus().reason}.`);
  const precision = options.precision ?? 'fp32';
  if (precision === 'int8' && !plan.ops.some((op) => op.kind === 'conv' && op.inputScale !== undefined))
    throw new UserError('This plan has no convolution with an inputScale, so nothing to compute in int8.');
  const { ops, outputs } = nativeOps(plan);
  // Built off the event loop; a run waits for it, and a failed build rejects every run.
  const building = addon.buildPlan(ops, outputs, { precision }).catch((e: unknown) => {
    // A malformed op record is a bug (TypeError); what the engine refuses (sizes, memory) is the user's.
    if (e instanceof TypeError || e instanceof UserError) throw e;
    throw new UserError(`${(e as Error).message}.`);
  });
  let built: NativePlan | undefined;
  let disposed = false;
  building.then(
    (p) => (disposed ? p.dispose() : (built = p)),
    () => undefined,
  );
  return {
    async run(data, shape) {
      if (disposed) throw new UserError('This compiled plan was disposed.');
      checkPlanInput(plan, data, shape);
      const compiled = await building;
      if (disposed) throw new UserError('This compiled plan was disposed.');
      const [N, C, H, W] = shape;
      return compiled.run(data, N, C, H, W);
    },
    async runImages(images, [C, H, W]) {
      if (disposed) throw new UserError('This compiled plan was disposed.');
      checkPlanImages(plan, images, [C, H, W]);
      const compiled = await building;
      if (disposed) throw new UserError('This compiled plan was disposed.');
      return compiled.run(images, images.length, C, H, W);
    },
    // 0 until the build has finished.
    weightBytes: () => built?.weightBytes() ?? 0,
    dispose() {
      disposed = true;
      built?.dispose();
      built = undefined;
    },
  };
}

export const nativeExecutor: PlanExecutor = {
  name: 'native',
  precisions: ['fp32', 'bf16', 'int8'],
  kernelPath(precision: Precision): string {
    const status = nativeStatus();
    return (precision === 'bf16' ? status.bf16 : precision === 'int8' ? status.int8 : status.isa) ?? 'native';
  },
  compile: compileNative,
};
