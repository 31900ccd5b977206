/** What the page shows, as data on `window.resnet50Page`, for tests and benchmarks. */
import type { CamAnswer, ClassifyResult, RequestTimings, SessionInfo } from '../../src/browser.js';
import type { Responsiveness } from './responsiveness.js';

export interface PageState {
  /** browser: the model runs in a worker here; server: `resnet50 serve` sent the page and runs it. */
  mode: 'browser' | 'server';
  /** idle (no weights), loading, ready (weights, no image yet), running, done, error. */
  phase: 'idle' | 'loading' | 'ready' | 'running' | 'done' | 'error';
  message: string;
  /** The last download progress event of URL weights (cached: served from the Cache Storage). */
  download: { loaded: number; total: number | null; cached: boolean } | null;
  backend: string | null;
  /** Where the loaded model runs. */
  engine: Pick<SessionInfo, 'backend' | 'build' | 'threads'> | null;
  /**
   * The last image's classification: logits as numbers, the top-5, the round trip in milliseconds
   * and the times the worker (server mode: the server) measured.
   */
  result: { top: ClassifyResult['top']; logits: number[]; ms: number; timings: RequestTimings } | null;
  cam: { classIndex: number; box: CamAnswer['box']; timings: RequestTimings } | null;
  /** The page's main thread while the last image ran in the worker. */
  mainThread: Responsiveness | null;
  /** performance.now() when the first result was shown (ms since the page started loading). */
  firstResultAt: number | null;
  /** Counts finished images (classify and CAM both drawn). */
  images: number;
}

declare global {
  interface Window {
    resnet50Page: PageState;
  }
}
