/**
 * The Fashion-MNIST benchmark's wall-clock log (bench/wall_log.ts): time across processes of a
 * resumed run, with the work lost when a process stopped mid-epoch included.
 */
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { test } from 'node:test';
import { readWallLog, wallTime, WallLog, type WallEntry } from '../bench/wall_log.js';
import { tempDirs } from './helpers/tmp.js';

const s = (seconds: number): number => seconds * 1000;

// Process 1 finishes epoch 1 at 100 s and dies in epoch 2 (last record at 150 s); process 2 resumes
// after epoch 1 at 1000 s and finishes epochs 2 and 3.
const RUN: WallEntry[] = [
  { t: s(0), kind: 'start', epoch: 0 },
  { t: s(10), kind: 'step', epoch: 1, step: 5 },
  { t: s(100), kind: 'epoch', epoch: 1 },
  { t: s(150), kind: 'step', epoch: 2, step: 3 },
  { t: s(1000), kind: 'start', epoch: 1 },
  { t: s(1090), kind: 'epoch', epoch: 2 },
  { t: s(1180), kind: 'epoch', epoch: 3 },
];

test('wall time counts each process from its start to its last record, lost work included', () => {
  assert.deepEqual(wallTime(RUN, 1), { seconds: 100, processes: 1, unloggedEpochs: 0, reached: true });
  assert.deepEqual(wallTime(RUN, 2), { seconds: 240, processes: 2, unloggedEpochs: 0, reached: true });
  assert.deepEqual(wallTime(RUN, null), { seconds: 330, processes: 2, unloggedEpochs: 0, reached: false });
  assert.deepEqual(wallTime(RUN, 7), { seconds: 330, processes: 2, unloggedEpochs: 0, reached: false });
  // A log that begins with a resume: the epochs before it are reported as not logged.
  assert.deepEqual(wallTime(RUN.slice(4), 3), {
    seconds: 180,
    processes: 1,
    unloggedEpochs: 1,
    reached: true,
  });
  assert.deepEqual(wallTime([], null), { seconds: 0, processes: 0, unloggedEpochs: 0, reached: false });
});

test('the log file: a new run replaces it, a resume appends, steps are thinned', () => {
  const path = join(tempDirs('wall-log-')(), 'wall.jsonl');
  const first = new WallLog(path, 3600);
  first.start(0, true);
  first.step(1, 1);
  first.step(1, 2); // within the hour: not written
  first.epoch(1);
  const resumed = new WallLog(path, 0);
  resumed.start(1, false);
  resumed.step(2, 1);
  resumed.step(2, 2);
  const kinds = readWallLog(path).map((e) => [e.kind, e.epoch, e.step]);
  assert.deepEqual(kinds, [
    ['start', 0, undefined],
    ['step', 1, 1],
    ['epoch', 1, undefined],
    ['start', 1, undefined],
    ['step', 2, 1],
    ['step', 2, 2],
  ]);
  new WallLog(path).start(0, true);
  assert.equal(readWallLog(path).length, 1);
  assert.deepEqual(readWallLog(join(path, '..', 'none.jsonl')), []);
});
