/**
 * The files of a run directory besides the checkpoints' contents (see trainer.ts for the layout):
 * where each lives, the JSON-lines logs steps.jsonl and metrics.jsonl, curves.png, and the
 * retention of checkpoint-epoch-N files.
 */
import { appendFileSync, existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../io/atomic_write.js';
import { writeLineCharts, type LineChart } from '../viz/plot.js';

/** One line of metrics.jsonl. Accuracies are fractions in [0, 1]; val* are null without an eval split. */
export type EpochMetrics = {
  epoch: number;
  step: number;
  trainLoss: number;
  trainAcc: number;
  valTop1: number | null;
  valTop5: number | null;
  lr: number;
  imgPerSec: number;
  seconds: number;
};

/** One line of steps.jsonl. */
export type StepRecord = { epoch: number; step: number; loss: number; acc: number; lr: number };

/** The paths of a run directory's files. */
export interface RunFiles {
  steps: string;
  metrics: string;
  curves: string;
  /** Where `resume` continues. */
  last: string;
  final: string;
  /** The checkpoint of epoch `epoch` (1-based). */
  checkpoint(epoch: number): string;
}

export function runFiles(runDir: string): RunFiles {
  return {
    steps: join(runDir, 'steps.jsonl'),
    metrics: join(runDir, 'metrics.jsonl'),
    curves: join(runDir, 'curves.png'),
    last: join(runDir, 'last.safetensors'),
    final: join(runDir, 'final.safetensors'),
    checkpoint: (epoch) => join(runDir, `checkpoint-epoch-${epoch}.safetensors`),
  };
}

/** Replaces `path` with one JSON line per object. */
export function writeLines(path: string, lines: readonly object[]): void {
  const text = lines.map((l) => `${JSON.stringify(l)}\n`).join('');
  writeFileAtomic(path, [Buffer.from(text, 'utf8')]);
}

/** Appends one JSON line to `path`. */
export function appendLine(path: string, line: object): void {
  appendFileSync(path, `${JSON.stringify(line)}\n`);
}

/** The JSON lines of `path` (none when it does not exist); lines that do not parse are skipped. */
export function readJsonLines<T>(path: string): T[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((l) => l.trim() !== '')
    .flatMap((l) => {
      try {
        return [JSON.parse(l) as T];
      } catch {
        return [];
      }
    });
}

/** What curves.png shows: the steps and epochs so far, the run's length, and what stopped it. */
export interface CurvesInput {
  steps: readonly StepRecord[];
  metrics: readonly EpochMetrics[];
  stepsPerEpoch: number;
  epochs: number;
  hasEval: boolean;
  /** Why the run ended early (a stop, a loss that is not finite), or null. */
  stopped: string | null;
}

/**
 * Two panels with their own y axes over the run's epochs: the loss of every step (thin) and each
 * epoch's mean, then training accuracy and validation top-1/top-5 per epoch. Notes say what is not
 * there yet or at all (see LineChart).
 */
export function writeCurves(path: string, c: CurvesInput): void {
  const xRange: [number, number] = [0, c.epochs];
  const loss: LineChart = {
    title: 'Training loss',
    xLabel: 'epoch',
    yLabel: 'loss',
    xRange,
    series: [
      { name: 'per step', thin: true, points: c.steps.map((s) => [s.step / c.stepsPerEpoch, s.loss]) },
      { name: 'epoch mean', points: c.metrics.map((m) => [m.epoch, m.trainLoss]) },
    ],
    notes: c.stopped === null ? [] : [c.stopped],
  };
  const accuracy: LineChart = {
    title: 'Accuracy',
    xLabel: 'epoch',
    yLabel: 'accuracy',
    xRange,
    series: [{ name: 'train', points: c.metrics.map((m) => [m.epoch, m.trainAcc]) }],
    notes: [
      ...(c.metrics.length === 0 ? ['accuracy is measured at the end of each epoch'] : []),
      ...(c.hasEval ? [] : ['no held-out split: no validation accuracy']),
    ],
  };
  if (c.hasEval) {
    for (const [name, key] of [
      ['val top-1', 'valTop1'],
      ['val top-5', 'valTop5'],
    ] as const) {
      accuracy.series.push({ name, points: c.metrics.map((m) => [m.epoch, m[key] ?? NaN]) });
    }
  }
  writeLineCharts(path, [loss, accuracy]);
}

/** Removes the checkpoint-epoch-N files of `runDir` but the `keep` latest. */
export function pruneCheckpoints(runDir: string, keep: number): void {
  const epochs = readdirSync(runDir)
    .map((name) => /^checkpoint-epoch-(\d+)\.safetensors$/.exec(name))
    .filter((m) => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => b - a);
  for (const e of epochs.slice(keep))
    rmSync(join(runDir, `checkpoint-epoch-${e}.safetensors`), { force: true });
}
