/**
 * The messages between a page's classifier client (client.ts) and the worker that owns the model
 * (serve.ts), typed on both sides. Every request carries an id; the worker answers it with one
 * `result` or one `error` (a serialized user error keeps its class and sentence), and a load request
 * may first get `progress` events. An `abort` names a request the client gave up on: a load's
 * download stops, a request not yet started is skipped (neither is answered). Pixel and weight
 * buffers are transferred, not copied.
 */
import type { SerializedError } from '../errors.js';
import type { Preset, PresetName } from '../data/transforms.js';
import type { DownloadProgress } from './fetch_weights.js';
import type {
  AnalyzeRequest,
  AnalyzeResult,
  CamAnswer,
  CamRequest,
  ClassifyResult,
  EmbedResult,
  SessionInfo,
} from './session.js';
import type { EmbedLayer } from '../tasks/results.js';

/** Weights as they cross to the worker: a URL it downloads itself, or bytes. */
export type WeightsTransfer =
  | { kind: 'url'; url: string; sha256?: string; cache?: string | false }
  | { kind: 'bytes'; name: string; bytes: ArrayBuffer; sha256?: string }
  | { kind: 'blob'; name: string; blob: Blob; sha256?: string };

/** An image as it crosses to the worker. */
export type ImageTransfer =
  | { kind: 'rgba'; name: string; width: number; height: number; data: ArrayBuffer }
  | { kind: 'rgb'; name: string; width: number; height: number; data: ArrayBuffer }
  | { kind: 'blob'; name: string; blob: Blob }
  | { kind: 'bitmap'; name: string; bitmap: ImageBitmap };

export interface LoadOptions {
  backend?: string;
  arch?: string;
  /** Class names, or the URL of a JSON array of them. */
  labels?: readonly string[] | string;
  preprocess?: PresetName | Preset;
  allowNonFinite?: boolean;
  /**
   * Threads of the WebAssembly backend, 1 to 64; default navigator.hardwareConcurrency capped at 8.
   * A page that is not cross-origin isolated runs one thread whatever is asked (SessionInfo.threads).
   */
  threads?: number;
}

export type Request =
  | { id: number; type: 'load'; weights: WeightsTransfer; options: LoadOptions }
  | { id: number; type: 'classify'; image: ImageTransfer; topK?: number }
  | { id: number; type: 'embed'; image: ImageTransfer; layer?: EmbedLayer }
  | { id: number; type: 'cam'; image: ImageTransfer; options: CamRequest }
  | { id: number; type: 'analyze'; image: ImageTransfer; options: AnalyzeRequest }
  | { id: number; type: 'dispose' }
  | { id: number; type: 'abort'; target: number };

/** A request of type K as the client writes it (the id is added when it is sent). */
export type RequestBody<K extends Exclude<Request['type'], 'abort'>> = Omit<
  Extract<Request, { type: K }>,
  'id'
>;

/** What each request type answers. */
export interface Results {
  load: SessionInfo;
  classify: ClassifyResult;
  embed: EmbedResult;
  cam: CamAnswer;
  analyze: AnalyzeResult;
  dispose: null;
}

export type Response =
  | { id: number; type: 'progress'; progress: DownloadProgress }
  | { [K in keyof Results]: { id: number; type: 'result'; request: K; result: Results[K] } }[keyof Results]
  | { id: number; type: 'error'; error: SerializedError };

/** The side of a Worker or MessagePort both ends use (a Node MessagePort in tests). */
export interface Endpoint {
  postMessage(message: unknown, transfer: Transferable[]): void;
  addEventListener(type: 'message', listener: (event: MessageEvent) => void): void;
}
