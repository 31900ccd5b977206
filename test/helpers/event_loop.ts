/** Watches the event loop with a 5 ms timer: how often it fired and the longest gap between firings. */
export interface LoopStats {
  ticks: number;
  maxGapMs: number;
}

export interface LoopWatch {
  /** Stops the timer (the first call) and returns the counts, the same on every call. */
  stop(): LoopStats;
}

export function watchEventLoop(): LoopWatch {
  let ticks = 0;
  let last = performance.now();
  let maxGapMs = 0;
  let stats: LoopStats | null = null;
  const timer = setInterval(() => {
    const now = performance.now();
    maxGapMs = Math.max(maxGapMs, now - last);
    last = now;
    ticks++;
  }, 5);
  return {
    stop() {
      if (stats === null) {
        clearInterval(timer);
        stats = { ticks, maxGapMs: Math.max(maxGapMs, performance.now() - last) };
      }
      return stats;
    },
  };
}
