/**
 * Wall-clock record of a benchmark run that may span several processes (`--resume` after the machine
 * stopped). The trainer's metrics count each finished epoch's own seconds; work lost when a process
 * died mid-epoch (and redone after the resume) is only visible here. One JSON line per event in
 * RUNDIR/wall.jsonl: a `start` per process, a `step` at most every `stepEverySeconds`, an `epoch`
 * when one finishes.
 */
import { appendFileSync, existsSync, readFileSync, rmSync } from 'node:fs';

export interface WallEntry {
  /** Milliseconds since 1970 (Date.now()). */
  t: number;
  kind: 'start' | 'step' | 'epoch';
  /** start: the last epoch finished before this process; step/epoch: the epoch. */
  epoch: number;
  step?: number;
}

export class WallLog {
  private lastStepT = 0;

  constructor(
    readonly path: string,
    private readonly stepEverySeconds = 30,
  ) {}

  private append(entry: WallEntry): void {
    appendFileSync(this.path, `${JSON.stringify(entry)}\n`);
  }

  /** `fresh`: a new run (an old log is removed); otherwise this process continues the logged run. */
  start(afterEpoch: number, fresh: boolean): void {
    if (fresh) rmSync(this.path, { force: true });
    this.append({ t: Date.now(), kind: 'start', epoch: afterEpoch });
  }

  step(epoch: number, step: number): void {
    const t = Date.now();
    if (t - this.lastStepT < this.stepEverySeconds * 1000) return;
    this.lastStepT = t;
    this.append({ t, kind: 'step', epoch, step });
  }

  epoch(epoch: number): void {
    this.append({ t: Date.now(), kind: 'epoch', epoch });
  }
}

export function readWallLog(path: string): WallEntry[] {
  if (!existsSync(path)) return [];
  return readFileSync(path, 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as WallEntry);
}

export interface WallTime {
  /** Seconds the logged processes spent until `epoch` finished (or until their last entry). */
  seconds: number;
  /** Processes that count. */
  processes: number;
  /** Epochs finished before the first logged process (their time is not in `seconds`). */
  unloggedEpochs: number;
  /** Whether `epoch` was found finished in the log (false: `seconds` runs to the last entry). */
  reached: boolean;
}

/**
 * Wall time of the logged processes up to the end of `epoch` (null: up to the last entry), counting
 * every process from its start to its last entry, work that was later lost included.
 */
export function wallTime(entries: readonly WallEntry[], epoch: number | null): WallTime {
  let seconds = 0;
  let processes = 0;
  let start: WallEntry | null = null;
  let last: WallEntry | null = null;
  const close = (): void => {
    if (start !== null && last !== null) seconds += (last.t - start.t) / 1000;
  };
  for (const e of entries) {
    if (e.kind === 'start') {
      close();
      start = e;
      last = e;
      processes++;
      continue;
    }
    if (start === null) continue;
    last = e;
    if (epoch !== null && e.kind === 'epoch' && e.epoch === epoch) {
      close();
      return { seconds, processes, unloggedEpochs: firstStart(entries), reached: true };
    }
  }
  close();
  return { seconds, processes, unloggedEpochs: firstStart(entries), reached: false };
}

function firstStart(entries: readonly WallEntry[]): number {
  return entries.find((e) => e.kind === 'start')?.epoch ?? 0;
}
