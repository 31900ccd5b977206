/** Finiteness checks: weights and model outputs holding NaN or ±Inf are refused with one sentence. */
import { UserError } from '../errors.js';
import type { Tensor } from './tensor.js';

/** The index of the first NaN or ±Inf in `data`, or -1 when every value is finite. */
export function firstNonFinite(data: ArrayLike<number>): number {
  for (let i = 0; i < data.length; i++) if (!Number.isFinite(data[i])) return i;
  return -1;
}

/** Throws a UserError `<what> is not finite (NaN at element 3).` unless every value of `t` is finite. */
export function checkFinite(t: Tensor, what: string): void {
  const i = firstNonFinite(t.data);
  if (i >= 0) throw new UserError(`${what} is not finite (${t.data[i]} at element ${i}).`);
}
