/** Reference gradient accumulation: target += source. */
import type { Tensor } from '../../tensor/tensor.js';

export function accumulate(target: Tensor, source: Tensor): void {
  const t = target.data;
  const s = source.data;
  for (let i = 0; i < t.length; i++) t[i] += s[i];
}
