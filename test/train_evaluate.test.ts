/**
 * Evaluation scores on hand-made logits: top-1/top-5, ties (the lower class index ranks first, as a
 * stable descending sort; top-1 is the first index of the maximum, as torch.argmax), mean
 * cross-entropy against a float64 log-softmax, the confusion matrix, scores summed across batches of
 * a loader (with a partial last batch), and the user errors.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { DataLoader, type Dataset } from '../src/data/loader.js';
import { UserError } from '../src/errors.js';
import { Tensor } from '../src/tensor/tensor.js';
import { argmax, evaluate, EvalScore, type EvalResult } from '../src/train/evaluate.js';

/** Mean of −log softmax(row)[label], in float64. */
function meanCrossEntropy(rows: number[][], labels: number[]): number {
  let sum = 0;
  rows.forEach((row, i) => {
    const max = Math.max(...row);
    const logSumExp = max + Math.log(row.reduce((s, v) => s + Math.exp(v - max), 0));
    sum += logSumExp - row[labels[i]];
  });
  return sum / rows.length;
}

function logits(rows: number[][]): Tensor {
  return new Tensor(Float32Array.from(rows.flat()), [rows.length, rows[0].length]);
}

// Six classes, so top-5 leaves out exactly one. Every value is exact in float32.
const ROWS = [
  [0.125, 2, 0.25, -1, 0.5, 0.375], // label 1: the maximum → top-1 and top-5
  [5, 4, 3, 2, 1, 0], // label 5: ranks 6th → neither
  [5, 4, 3, 2, 1, 0], // label 4: ranks 5th → top-5 only
  [1, 1, 1, 1, 1, 1], // label 0: all tied, index 0 ranks first → top-1
  [1, 1, 1, 1, 1, 1], // label 5: all tied, index 5 ranks last → neither
  [0, 3, 3, 0, 0, 0], // label 2: tied with class 1, which ranks first → top-5 only, predicted 1
  [0, 0, 0, 0, 2, 2], // label 5: tied with class 4 for the maximum: ranks 2nd → top-5, predicted 4
];
const LABELS = [1, 5, 4, 0, 5, 2, 5];
const PREDICTED = [1, 0, 0, 0, 0, 1, 4];

/** The scores of ROWS and LABELS, worked out by hand (the comments beside ROWS). */
function assertRowScores(r: EvalResult): void {
  assert.equal(r.count, 7);
  assert.equal(r.top1, 2 / 7); // rows 0 and 3
  assert.equal(r.top5, 5 / 7); // rows 0, 2, 3, 5 and 6
  const expectedLoss = meanCrossEntropy(ROWS, LABELS);
  assert.ok(
    Math.abs(r.loss - expectedLoss) <= 1e-6 * expectedLoss,
    `loss ${r.loss} vs ${expectedLoss}: |Δ| ${Math.abs(r.loss - expectedLoss)}`,
  );
  const confusion = Array.from({ length: 6 }, () => new Array<number>(6).fill(0));
  LABELS.forEach((y, i) => confusion[y][PREDICTED[i]]++);
  assert.deepEqual(r.confusion, confusion);
}

test('argmax: the first index of the largest value', () => {
  assert.equal(argmax([0, 3, 3, 1]), 1);
  assert.equal(argmax([2, 2, 2]), 0);
  assert.equal(argmax([-3, -1, -2]), 1);
  assert.deepEqual(ROWS.map(argmax), PREDICTED);
});

test('EvalScore: top-1, top-5, ties, loss and confusion on hand-made logits', () => {
  const score = new EvalScore(6);
  score.add(logits(ROWS), Int32Array.from(LABELS));
  assertRowScores(score.result());
});

test('EvalScore: with fewer than five classes every label is in the top five', () => {
  const score = new EvalScore(3);
  score.add(
    logits([
      [0, 1, 2],
      [2, 2, 2],
    ]),
    Int32Array.from([0, 2]),
  );
  const r = score.result();
  assert.equal(r.top1, 0);
  assert.equal(r.top5, 1);
  assert.deepEqual(r.confusion, [
    [0, 0, 1],
    [0, 0, 0],
    [1, 0, 0],
  ]);
});

test('EvalScore: user errors for a head of another size, a label outside it, no samples', () => {
  assert.throws(
    () => new EvalScore(4).add(logits(ROWS), Int32Array.from(LABELS)),
    (e: Error) => e instanceof UserError && e.message === 'The model gives 6 logits, expected 4.',
  );
  assert.throws(
    () => new EvalScore(6).add(logits([[0, 1, 2, 3, 4, 5]]), Int32Array.from([6])),
    (e: Error) => e instanceof UserError && e.message === "Label 6 is outside the model's 6 classes.",
  );
  assert.throws(
    () => new EvalScore(6).result(),
    (e: Error) => e instanceof UserError && e.message === 'The evaluation split is empty.',
  );
});

test('evaluate: scores every batch of a loader (3 + 3 + 1 samples) as one set', async () => {
  // Sample i is a 1×1 image whose pixels hold i; the forward pass looks its logits up by that value.
  const dataset: Dataset = {
    length: ROWS.length,
    get: (i) => ({ data: new Float32Array(3).fill(i), label: LABELS[i], height: 1, width: 1 }),
  };
  const loader = new DataLoader(dataset, { batchSize: 3, workers: 0 });
  const batchSizes: number[] = [];
  const r = await evaluate(
    async (x) => {
      const [n] = x.shape;
      batchSizes.push(n);
      return logits(Array.from({ length: n }, (_, k) => ROWS[x.data[k * 3]]));
    },
    loader,
    6,
  );
  await loader.close();
  assert.deepEqual(batchSizes, [3, 3, 1]);
  assertRowScores(r);
});
