/** Jobs for test/in_worker.test.ts, run in a worker thread by src/runtime/in_worker.ts. */
import { FileFormatError, OptionError } from '../../src/errors.js';
import type { StopFlag } from '../../src/runtime/in_worker.js';

/** Reports 0, 1, … n-1 unless stopped first; returns how many it reported. */
export async function countTo(
  args: { n: number },
  report: (i: number) => void,
  stop: StopFlag,
): Promise<number> {
  let i = 0;
  for (; i < args.n && !stop.aborted; i++) report(i);
  return i;
}

export async function fail(args: { kind: 'file' | 'option' | 'bug' }): Promise<never> {
  if (args.kind === 'file') {
    throw new FileFormatError('w.pth: refused unless {allowNonFinite}.', { namesOptions: true });
  }
  if (args.kind === 'option') throw new OptionError('{topK} must be a positive integer, got 0.');
  throw new RangeError('boom');
}
