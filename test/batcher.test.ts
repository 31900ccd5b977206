/**
 * The server's dynamic batcher (src/serve/batcher.ts) on its own, with a pass function the test
 * controls: which inputs run together and in which order, and the bounded queue. Behaviour only: no
 * test here depends on how fast the machine is beyond the delays being long enough for a few
 * microtasks.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { Batcher } from '../src/serve/batcher.js';
import { HttpError } from '../src/serve/http_error.js';

/** A batcher whose passes wait until the test ends them; records each pass's inputs. */
function controlled(maxBatch: number, maxDelayMs: number, maxQueue = 64) {
  const passes: number[][] = [];
  const ends: (() => void)[] = [];
  const batcher = new Batcher<number, number>(
    async (_key, inputs) => {
      passes.push([...inputs]);
      await new Promise<void>((resolve) => ends.push(resolve));
      return inputs.map((x) => x * 10);
    },
    { maxBatch, maxDelayMs, maxQueue },
  );
  /** Ends the oldest pass still running. */
  const endPass = (): void => ends.shift()!();
  return { batcher, passes, endPass };
}

test('inputs of one key run together up to maxBatch, each gets its own output, keys do not mix', async () => {
  const { batcher, passes, endPass } = controlled(3, 20);
  const outputs = [1, 2, 3, 4].map((x) => batcher.submit('a', [x]));
  const other = batcher.submit('b', [9]);
  await sleep(0);
  assert.deepEqual(passes, [[1, 2, 3]], 'a full group starts at once');
  endPass();
  assert.deepEqual(await Promise.all(outputs.slice(0, 3)), [[10], [20], [30]]);
  await sleep(60);
  assert.deepEqual(passes[1], [4], 'the oldest group goes next, after its delay');
  endPass();
  await sleep(60);
  assert.deepEqual(passes[2], [9]);
  endPass();
  assert.deepEqual(await outputs[3], [40]);
  assert.deepEqual(await other, [90]);
});

test('a full queue refuses with 503 and Retry-After', () => {
  const { batcher } = controlled(2, 1000, 2);
  void batcher.submit('a', [1, 2]);
  void batcher.submit('a', [3, 4]);
  assert.throws(
    () => batcher.submit('a', [5, 6, 7]),
    (e: unknown) => e instanceof HttpError && e.status === 503 && e.headers['Retry-After'] === '1',
  );
});
