/**
 * How responsive the page's main thread stays while work runs elsewhere: the longest task Chromium
 * reports (PerformanceObserver 'longtask', tasks of 50 ms or more; 0 when there was none) and the
 * longest gap between animation frames (what a user would see as a stall).
 */
export interface Responsiveness {
  /** Longest main-thread task in the window, in ms (0 when no task reached 50 ms). */
  longestTaskMs: number;
  /** Longest gap between two animation frames, in ms (about 16.7 at 60 Hz when smooth). */
  longestFrameGapMs: number;
  /** Length of the window, in ms. */
  windowMs: number;
}

/** Starts watching; stop() ends the window and returns what it saw (later calls return the same). */
export function responsiveness(): { stop(): Responsiveness } {
  const start = performance.now();
  let longestTaskMs = 0;
  let longestFrameGapMs = 0;
  let observer: PerformanceObserver | null = null;
  if (PerformanceObserver.supportedEntryTypes?.includes('longtask')) {
    observer = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        if (e.startTime + e.duration >= start) longestTaskMs = Math.max(longestTaskMs, e.duration);
      }
    });
    observer.observe({ type: 'longtask' });
  }
  let last = start;
  let frame = requestAnimationFrame(function tick(now) {
    longestFrameGapMs = Math.max(longestFrameGapMs, now - last);
    last = now;
    frame = requestAnimationFrame(tick);
  });
  let result: Responsiveness | null = null;
  return {
    stop() {
      if (result !== null) return result;
      cancelAnimationFrame(frame);
      for (const e of observer?.takeRecords() ?? []) {
        if (e.startTime + e.duration >= start) longestTaskMs = Math.max(longestTaskMs, e.duration);
      }
      observer?.disconnect();
      const end = performance.now();
      longestFrameGapMs = Math.max(longestFrameGapMs, end - last);
      result = { longestTaskMs, longestFrameGapMs, windowMs: end - start };
      return result;
    },
  };
}
