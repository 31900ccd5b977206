/**
 * Runners that take turns on the same inputs (isa_compare.ts, int8_isa.ts; bf16_vs_torch.ts, whose
 * PyTorch side is a forward() that asks a Python process for one pass): for each batch size,
 * `rounds` rounds in which every runner makes one untimed pass and then `iters` timed ones, the
 * order reversed every other round so that drift on a shared machine hits all alike. Wall time and
 * process CPU time (ms) per pass, keyed `${name}|${batch}`.
 */
import { median } from '../src/cli/bench.js';
import type { Tensor } from '../src/tensor/tensor.js';

export interface TurnTimes {
  wall: Map<string, number[]>;
  cpu: Map<string, number[]>;
}

export async function takeTurns(
  runners: ReadonlyMap<string, { forward(x: Tensor): Promise<unknown> }>,
  batches: readonly number[],
  rounds: number,
  iters: number,
  input: (batch: number) => Tensor,
  log: (line: string) => void,
): Promise<TurnTimes> {
  const names = [...runners.keys()];
  const wall = new Map<string, number[]>();
  const cpu = new Map<string, number[]>();
  const push = (m: Map<string, number[]>, key: string, v: number) => m.set(key, [...(m.get(key) ?? []), v]);
  for (const batch of batches) {
    const x = input(batch);
    for (let r = 0; r < rounds; r++) {
      for (const name of r % 2 === 0 ? names : [...names].reverse()) {
        const runner = runners.get(name)!;
        await runner.forward(x);
        for (let i = 0; i < iters; i++) {
          const c0 = process.cpuUsage();
          const t0 = performance.now();
          await runner.forward(x);
          push(wall, `${name}|${batch}`, performance.now() - t0);
          const c = process.cpuUsage(c0);
          push(cpu, `${name}|${batch}`, (c.user + c.system) / 1000);
        }
      }
      log(
        `batch ${batch} round ${r + 1}/${rounds}: ` +
          names.map((n) => `${n} ${median(wall.get(`${n}|${batch}`)!).toFixed(1)} ms`).join(', '),
      );
    }
  }
  return { wall, cpu };
}
