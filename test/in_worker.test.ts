/**
 * The worker runner (src/runtime/in_worker.ts) with jobs of test/helpers/worker_jobs.ts: events
 * arrive in order and each is answered before the job goes on, so `stop` and a throwing callback end
 * the job at an exact event; user errors cross with their class and option template, bugs with the
 * job's name and the worker's stack.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { flagSentence } from '../src/cli/flags.js';
import { FileFormatError, OptionError } from '../src/errors.js';
import { runInWorker } from '../src/runtime/in_worker.js';

const JOBS = new URL('./helpers/worker_jobs.js', import.meta.url);

test('events arrive in order; a stop flag raised at event 2 ends the job after exactly 3 events', async () => {
  const seen: number[] = [];
  const stop = { aborted: false };
  const count = await runInWorker<number, number>(
    JOBS,
    'countTo',
    { n: 10 },
    (i) => {
      seen.push(i);
      if (i === 2) stop.aborted = true;
    },
    { name: 'Test worker', stop },
  );
  assert.deepEqual(seen, [0, 1, 2]);
  assert.equal(count, 3);
  assert.equal(await runInWorker(JOBS, 'countTo', { n: 4 }, undefined, { name: 'Test worker' }), 4);
});

test('a callback that throws ends the job at that event and the promise rejects with its error', async () => {
  const seen: number[] = [];
  const mine = new Error('enough');
  await assert.rejects(
    runInWorker<number, number>(
      JOBS,
      'countTo',
      { n: 10 },
      (i) => {
        seen.push(i);
        if (i === 1) throw mine;
      },
      { name: 'Test worker' },
    ),
    (e) => e === mine,
  );
  assert.deepEqual(seen, [0, 1]);
});

test('user errors cross with their class and option template; bugs name the job and keep the worker stack', async () => {
  const run = (kind: string) => runInWorker(JOBS, 'fail', { kind }, undefined, { name: 'Test worker' });
  await assert.rejects(run('file'), (e) => {
    assert.ok(e instanceof FileFormatError, String(e));
    assert.equal(e.message, 'w.pth: refused unless options.allowNonFinite.');
    assert.equal(flagSentence(e), 'w.pth: refused unless --allow-nonfinite.');
    return true;
  });
  await assert.rejects(run('option'), (e) => {
    assert.ok(e instanceof OptionError, String(e));
    assert.equal(e.message, 'options.topK must be a positive integer, got 0.');
    assert.equal(flagSentence(e), '--top must be a positive integer, got 0.');
    return true;
  });
  await assert.rejects(run('bug'), (e) => {
    assert.ok(e instanceof Error && !(e instanceof FileFormatError));
    assert.equal(e.message, 'Test worker failed: boom');
    assert.match(e.stack ?? '', /--- in worker ---\nRangeError: boom\n\s+at fail /);
    return true;
  });
  await assert.rejects(runInWorker(JOBS, 'missing', {}, undefined, { name: 'Test worker' }), {
    message: /^Test worker failed: file:\S+worker_jobs\.js exports no function 'missing'\.$/,
  });
});
