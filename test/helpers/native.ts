/**
 * The one policy for tests that need the native engine: when it did not load they skip, with the
 * reason in the test output (how to build it is in the README). CI does not rely on these skips to
 * notice a broken build: `.ci/run` checks that the engine loads before it runs the tests. Importing
 * this helper registers the native backend, as Node's runner does (the registry itself is
 * platform-free).
 */
import assert from 'node:assert/strict';
import '../../src/backends/register_node.js';
import { nativeAddon, nativeStatus, type Bf16Path, type Int8Path } from '../../src/backends/native/addon.js';
import { nativeExecutor } from '../../src/backends/native/executor.js';
import type { Plan, PlanResult } from '../../src/plan/plan.js';
import { Rng } from '../../src/tensor/random.js';
import type { Tensor } from '../../src/tensor/tensor.js';

export const NATIVE_SKIP: string | false =
  nativeAddon() === null
    ? `native engine unavailable (${nativeStatus().reason}); build it with npm install (needs g++ and make)`
    : false;

/** Runs `plan` compiled for a reduced precision on one kernel path (restoring the default path afterwards). */
export async function runOnPath(
  plan: Plan,
  precision: 'bf16' | 'int8',
  path: Bf16Path | Int8Path,
  x: Tensor,
): Promise<PlanResult[]> {
  const addon = nativeAddon()!;
  const initial = addon.configure();
  addon.configure(precision === 'bf16' ? { bf16: path as Bf16Path } : { int8: path as Int8Path });
  try {
    const compiled = nativeExecutor.compile(plan, { precision });
    assert.equal(nativeExecutor.kernelPath!(precision), path);
    const [N, C, H, W] = x.shape;
    const out = await compiled.run(x.data, [N, C, H, W]);
    compiled.dispose();
    return out;
  } finally {
    addon.configure({ bf16: initial.bf16, int8: initial.int8 });
  }
}

/** `shape`'s element count of seeded normal values times `scale`. */
export function normalValues(shape: number[], seed: number, scale = 1): Float32Array {
  const rng = new Rng(seed);
  const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
  for (let i = 0; i < data.length; i++) data[i] = scale * rng.normal();
  return data;
}
