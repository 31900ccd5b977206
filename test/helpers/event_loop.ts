/** Watches the event loop with a 5 ms timer: how often it fired and the longest gap between firings. */
export interface LoopStats {
  ticks: number;
  maxGapMs: number;
}

/** Runs `run` while a 5 ms timer watches the event loop; returns its value and the timer's counts. */
export async function watchEventLoop<T>(run: () => Promise<T>): Promise<{ value: T; loop: LoopStats }> {
  let ticks = 0;
  let last = performance.now();
  let maxGapMs = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    maxGapMs = Math.max(maxGapMs, now - last);
    last = now;
    ticks++;
  }, 5);
  try {
    const value = await run();
    return { value, loop: { ticks, maxGapMs: Math.max(maxGapMs, performance.now() - last) } };
  } finally {
    clearInterval(timer);
  }
}
