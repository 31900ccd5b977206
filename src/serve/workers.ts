/**
 * The server's worker threads, started once and kept for its life: decoders turn uploads into
 * network inputs off the event loop (the PNG/JPEG decoders and the resize are synchronous
 * JavaScript), and one model worker holds the CAM model and the detector, each loaded once (the
 * detector at start, the CAM model at the first CAM request) and reused by every request; it also
 * draws the PNG answers. What each request runs is worker_entry.ts's; here are the threads: requests
 * matched to answers by id, errors back with their class (a user error stays a 400), and a worker
 * that died replaced at the next request.
 */
import { Worker } from 'node:worker_threads';
import { deserializeError, type SerializedError } from '../errors.js';
import type { Preset } from '../data/transforms.js';
import type { FasterRCNNOptions } from '../model/detection/faster_rcnn.js';
import type { CamFileResult, CamLayer, CamMethod } from '../tasks/cam.js';
import type { FileDetections } from '../tasks/detect.js';
import type { Upload } from './body.js';
import type { InferLimits, InferRequest } from './kserve.js';

/** What the model worker loads (once) when a request needs it. */
export interface ModelWorkerData {
  /** The classification weights as a local file, for CAM's module tree. */
  cam: { weights: string; arch: string; backend: string; preset: Preset; labels: readonly string[] } | null;
  /** Faster R-CNN weights (a file or registry name) and the detector's options. */
  detect: (Omit<FasterRCNNOptions, 'numClasses'> & { weights: string; backend: string }) | null;
}

/** A CAM request, as /v1/cam's parameters give it. */
export interface CamWork {
  method: CamMethod;
  layer: CamLayer;
  classIndex: number | undefined;
  threshold: number;
  size: number | undefined;
}

export type WorkRequest =
  | { op: 'prepare'; upload: Upload; preset: Preset; reuse: ArrayBuffer | undefined }
  | { op: 'infer'; body: Uint8Array; limits: InferLimits; headerLength: string | undefined }
  | { op: 'cam'; upload: Upload; cam: CamWork; png: boolean }
  | { op: 'detect'; upload: Upload; threshold: number; png: boolean }
  | { op: 'loadDetector' };

/** An input ready for the batcher: (1, 3, H, W) float32. */
export interface Prepared {
  data: Float32Array;
  shape: number[];
  /** Decoding and preprocessing, in the worker. */
  ms: number;
}

/** A KServe v2 request parsed in a decoder thread: InferRequest with its N images in one buffer. */
export type ParsedInfer = Omit<InferRequest, 'images'> & { data: Float32Array; count: number };

/** A CAM or detection answer: the result, the PNG when one was asked for, the worker's time. */
export interface ModelAnswer<R> {
  result: R;
  png: Uint8Array | undefined;
  ms: number;
}

export interface WorkAnswers {
  prepare: Prepared;
  infer: ParsedInfer;
  cam: ModelAnswer<CamFileResult>;
  detect: ModelAnswer<FileDetections>;
  loadDetector: null;
}

/** worker → server */
export type WorkReply =
  { id: number; ok: true; result: unknown } | { id: number; ok: false; error: SerializedError };

/** server → worker */
export interface WorkMessage {
  id: number;
  request: WorkRequest;
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: unknown): void;
}

/** One worker thread answering requests in order; a new thread replaces it once it has died. */
class ServeWorker {
  private worker: Worker | null = null;
  private readonly pending = new Map<number, Pending>();
  private nextId = 0;

  constructor(
    private readonly name: string,
    private readonly workerData: ModelWorkerData | null,
  ) {}

  get load(): number {
    return this.pending.size;
  }

  start(): Worker {
    if (this.worker !== null) return this.worker;
    const worker = new Worker(new URL('./worker_entry.js', import.meta.url), { workerData: this.workerData });
    const fail = (error: Error): void => {
      if (this.worker !== worker) return;
      this.worker = null;
      for (const p of this.pending.values()) p.reject(error);
      this.pending.clear();
    };
    worker.on('message', (reply: WorkReply) => {
      const p = this.pending.get(reply.id);
      if (p === undefined) return;
      this.pending.delete(reply.id);
      if (reply.ok) p.resolve(reply.result);
      else p.reject(deserializeError(reply.error, this.name));
    });
    worker.on('error', (e) => fail(new Error(`${this.name} failed: ${e.message}`, { cause: e })));
    worker.on('exit', (code) => fail(new Error(`${this.name} exited with code ${code}.`)));
    this.worker = worker;
    return worker;
  }

  /** Sends `request` (moving the `transfer` buffers to the thread) and resolves to its answer. */
  call<K extends WorkRequest['op']>(
    request: Extract<WorkRequest, { op: K }>,
    transfer: ArrayBuffer[] = [],
  ): Promise<WorkAnswers[K]> {
    const worker = this.start();
    const id = this.nextId++;
    return new Promise<WorkAnswers[K]>((resolve, reject) => {
      this.pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      worker.postMessage({ id, request } satisfies WorkMessage, transfer);
    });
  }

  async stop(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    if (worker === null) return;
    worker.removeAllListeners('message');
    await worker.terminate();
    for (const p of this.pending.values()) p.reject(new Error(`${this.name} was stopped.`));
    this.pending.clear();
  }
}

/**
 * The buffer behind `bytes` when it is a request body of its own, to be moved to the thread instead
 * of copied; the caller reads `bytes` no more after sending it. readBody's bodies qualify: they run
 * to the end of a buffer of their own and start at most 3 bytes in (bodyPad); Node's shared pool
 * of small buffers (never larger than Buffer.poolSize) is never moved.
 */
function ownBuffer(bytes: Uint8Array): ArrayBuffer[] {
  const buffer = bytes.buffer;
  const whole = bytes.byteOffset === 0 && bytes.byteLength === buffer.byteLength;
  const padded =
    bytes.byteOffset <= 3 &&
    bytes.byteOffset + bytes.byteLength === buffer.byteLength &&
    buffer.byteLength > Buffer.poolSize;
  return buffer instanceof ArrayBuffer && (whole || padded) ? [buffer] : [];
}

/** Input buffers kept for the decoders to fill again (enough for a full batch and the next one). */
const SPARE_INPUTS = 16;

/** The decoders (`count` threads, each request to the least busy) and the model worker. */
export class ServeWorkers {
  private readonly decoders: ServeWorker[];
  /** Buffers of inputs already batched, sent back with the next uploads (no allocation, no GC). */
  private readonly spare: ArrayBuffer[] = [];
  private readonly model: ServeWorker | null;

  constructor(decoders: number, model: ModelWorkerData) {
    this.decoders = Array.from({ length: decoders }, () => new ServeWorker('Image decoder', null));
    this.model = model.cam === null && model.detect === null ? null : new ServeWorker('Model worker', model);
    for (const w of [...this.decoders, ...(this.model === null ? [] : [this.model])]) w.start();
  }

  /**
   * An upload decoded and preprocessed with `preset` (a user error names the upload), into a spare
   * buffer when one has the input's size. A body of its own moves to the thread: `upload.bytes`
   * is empty here afterwards.
   */
  prepare(upload: Upload, preset: Preset): Promise<Prepared> {
    const worker = this.decoders.reduce((a, b) => (b.load < a.load ? b : a));
    const reuse = this.spare.pop();
    return worker.call({ op: 'prepare', upload, preset, reuse }, [
      ...(reuse === undefined ? [] : [reuse]),
      ...ownBuffer(upload.bytes),
    ]);
  }

  /**
   * Gives back a prepared input that nothing reads any more (it was copied into a batch); its buffer
   * moves to a decoder with a later upload.
   */
  recycle(data: Float32Array): void {
    const buffer = data.buffer;
    if (!(buffer instanceof ArrayBuffer) || data.byteOffset !== 0 || data.byteLength !== buffer.byteLength)
      return;
    if (this.spare.length < SPARE_INPUTS) this.spare.push(buffer);
  }

  /**
   * A KServe v2 inference body (UTF-8 JSON, and the binary tensor data after it when `headerLength`,
   * the request's Inference-Header-Content-Length, is given) parsed and checked in a decoder thread
   * (a UserError with one sentence when it does not fit; see kserve.ts), so a large body never holds
   * the event loop. The body moves to the thread when it is a buffer of its own (empty here afterwards).
   */
  async parseInfer(
    body: Uint8Array,
    limits: InferLimits,
    headerLength: string | undefined,
  ): Promise<InferRequest> {
    const worker = this.decoders.reduce((a, b) => (b.load < a.load ? b : a));
    const r = await worker.call({ op: 'infer', body, limits, headerLength }, ownBuffer(body));
    const { data, count, ...request } = r;
    const per = data.length / count;
    return {
      ...request,
      images: Array.from({ length: count }, (_, i) => data.subarray(i * per, (i + 1) * per)),
    };
  }

  /** Work for the model worker (cam, detect, loadDetector). */
  run<K extends 'cam' | 'detect' | 'loadDetector'>(
    request: Extract<WorkRequest, { op: K }>,
  ): Promise<WorkAnswers[K]> {
    if (this.model === null) throw new Error('The server has no model worker (no cam or detect task).');
    return this.model.call(request);
  }

  async stop(): Promise<void> {
    await Promise.all([...this.decoders, ...(this.model === null ? [] : [this.model])].map((w) => w.stop()));
  }
}
