/**
 * Chart axes: a data range widened to round tick values, with tick labels; linear ("nice" steps of
 * 1, 2 or 5 × 10^k) or log10 (a tick per decade, minor ticks at 2..9 × 10^k).
 */

/** One axis: its data range, ticks (with labels) and minor ticks, linear or log10. */
export interface Axis {
  min: number;
  max: number;
  log: boolean;
  ticks: { value: number; label: string }[];
  minorTicks: number[];
}

function niceStep(range: number, target: number): number {
  const raw = range / target;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const f = raw / mag;
  const nice = f < 1.5 ? 1 : f < 3 ? 2 : f < 7 ? 5 : 10;
  return nice * mag;
}

function formatLinear(v: number, step: number): string {
  if (v === 0) return '0';
  const abs = Math.abs(v);
  if (abs >= 1e6 || abs < 1e-4) {
    const s = v.toExponential(Math.max(0, Math.min(3, Math.ceil(-Math.log10(step / abs)))));
    return s.replace(/\.?0+e/, 'e').replace('e+', 'e');
  }
  const decimals = Math.max(0, -Math.floor(Math.log10(step) + 1e-9));
  return v.toFixed(Math.min(decimals, 10));
}

/** 10^k, exact for integer k (`10 ** -4` is not the closest double to 1e-4). */
function pow10(k: number): number {
  return Number(`1e${k}`);
}

function formatDecade(k: number): string {
  return k >= -2 && k <= 3 ? String(pow10(k)) : `1e${k}`;
}

/** A linear axis over `values` with about `target` ticks at a round step; [0, 1] when empty. */
export function linearAxis(values: number[], target: number): Axis {
  let lo = Math.min(...values);
  let hi = Math.max(...values);
  if (values.length === 0) [lo, hi] = [0, 1];
  if (lo === hi) {
    const pad = lo === 0 ? 1 : Math.abs(lo) * 0.1;
    lo -= pad;
    hi += pad;
  }
  const step = niceStep(hi - lo, target);
  const min = Math.floor(lo / step + 1e-9) * step;
  const max = Math.ceil(hi / step - 1e-9) * step;
  const ticks: Axis['ticks'] = [];
  for (let i = 0; ; i++) {
    const v = min + i * step;
    if (v > max + step * 1e-6) break;
    const clean = Number(v.toPrecision(12));
    ticks.push({ value: clean, label: formatLinear(clean, step) });
  }
  return { min, max, log: false, ticks, minorTicks: [] };
}

/** A log10 axis from the decade below the smallest positive value to the one above the largest. */
export function logAxis(values: number[]): Axis {
  const positive = values.filter((v) => v > 0);
  const kLo = positive.length === 0 ? 0 : Math.floor(Math.log10(Math.min(...positive)) + 1e-9);
  let kHi = positive.length === 0 ? 1 : Math.ceil(Math.log10(Math.max(...positive)) - 1e-9);
  if (kHi <= kLo) kHi = kLo + 1;
  const every = Math.max(1, Math.ceil((kHi - kLo) / 10));
  const ticks: Axis['ticks'] = [];
  const minorTicks: number[] = [];
  for (let k = kLo; k <= kHi; k++) {
    if ((k - kLo) % every === 0) ticks.push({ value: pow10(k), label: formatDecade(k) });
    if (k < kHi && every === 1) for (let m = 2; m <= 9; m++) minorTicks.push(m * pow10(k));
  }
  return { min: pow10(kLo), max: pow10(kHi), log: true, ticks, minorTicks };
}
