/** What every benchmark report states about the machine it ran on: lscpu's model and flags, the load. */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';

const LSCPU = spawnSync('lscpu', { encoding: 'utf8' }).stdout ?? '';

/** One field of lscpu's output ('Model name', 'Flags', 'CPU(s)'), '?' when absent. */
export function lscpuField(name: string): string {
  const escaped = name.replace(/[()]/g, '\\$&');
  return new RegExp(`^${escaped}:\\s*(.*)$`, 'm').exec(LSCPU)?.[1] ?? '?';
}

/** "MODEL, N CPUs; flags: …" with the flags that decide the bf16/int8/fp32 kernel paths. */
export function cpuLine(): string {
  const relevant = lscpuField('Flags')
    .split(' ')
    .filter((f) => /bf16|amx|vnni|avx512f$/.test(f));
  return `${lscpuField('Model name')}, ${lscpuField('CPU(s)')} CPUs; flags: ${relevant.join(' ') || 'none of avx512f/bf16/vnni/amx'}`;
}

/** The 1, 5 and 15 minute load averages, two decimals. */
export function loadAverage(): string {
  return loadavg()
    .map((v) => v.toFixed(2))
    .join(' ');
}
