/**
 * Training data loading: datasets described as plain data (IDX files or an ImageFolder tree plus a
 * TrainTransform), and a `DataLoader` that shuffles with a seeded Fisher–Yates per epoch, decodes
 * and augments in worker threads ahead of the consumer, and yields (N, 3, H, W) batches.
 *
 * Reproducibility: the order of epoch `e` depends only on (seed, e), and sample `i` of epoch `e` is
 * augmented with an Rng seeded from (seed, e, i), so batches are identical with 0 or N workers and an
 * interrupted epoch can be resumed from any batch.
 */
import { Worker } from 'node:worker_threads';
import { deserializeError, ShapeError, UserError, type SerializedError } from '../errors.js';
import { checkWorkers } from '../limits.js';
import { readImage } from '../io/image.js';
import { Rng } from '../tensor/random.js';
import { Tensor } from '../tensor/tensor.js';
import { applyTransform, grayToRgb, validateTransform, type TrainTransform } from './augment.js';
import { FASHION_MNIST_CLASSES, idxFilePath, readIdxDataset, readIdxLabels } from './idx.js';
import { scanImageFolder } from './image_folder.js';

/** One preprocessed sample: CHW float32 pixels (3·H·W values) and its class index. */
export interface Sample {
  data: Float32Array;
  label: number;
  /** Image height/width; when omitted the image is taken to be square. */
  height?: number;
  width?: number;
}

/** Anything indexable that produces samples; `rng` drives its random augmentation. */
export interface Dataset {
  readonly length: number;
  readonly classes?: readonly string[];
  get(index: number, rng: Rng): Sample;
}

/**
 * A dataset as plain data, so that worker threads can re-open it. `indices` restricts it to a
 * subset (sample `k` is the underlying sample `indices[k]`).
 */
export type DatasetSpec =
  | {
      kind: 'idx';
      dir: string;
      split: 'train' | 'test';
      transform: TrainTransform;
      classes?: readonly string[];
      indices?: readonly number[];
    }
  | { kind: 'folder'; root: string; transform: TrainTransform; indices?: readonly number[] };

function isDataset(d: Dataset | DatasetSpec): d is Dataset {
  return typeof (d as Dataset).get === 'function';
}

function checkIndex(index: number, length: number): void {
  if (!Number.isInteger(index) || index < 0 || index >= length) {
    throw new UserError(`Sample index ${index} is out of range for a dataset of ${length} samples.`);
  }
}

function subset(base: Dataset, indices: readonly number[]): Dataset {
  for (const i of indices) checkIndex(i, base.length);
  return {
    length: indices.length,
    classes: base.classes,
    get(index: number, rng: Rng): Sample {
      checkIndex(index, indices.length);
      return base.get(indices[index], rng);
    },
  };
}

/** Opens a described dataset (reads the IDX files or scans the folder). */
export function openDataset(spec: DatasetSpec): Dataset {
  validateTransform(spec.transform);
  let base: Dataset;
  if (spec.kind === 'idx') {
    const { images, labels, count, height, width } = readIdxDataset(spec.dir, spec.split);
    const transform = spec.transform;
    const plane = height * width;
    base = {
      length: count,
      classes: spec.classes ?? FASHION_MNIST_CLASSES,
      get(index: number, rng: Rng): Sample {
        checkIndex(index, count);
        const img = grayToRgb(images.subarray(index * plane, (index + 1) * plane), width, height);
        return { ...applyTransform(img, transform, rng), label: labels[index] };
      },
    };
  } else if (spec.kind === 'folder') {
    const { classes, samples } = scanImageFolder(spec.root);
    const transform = spec.transform;
    base = {
      length: samples.length,
      classes,
      get(index: number, rng: Rng): Sample {
        checkIndex(index, samples.length);
        const [path, label] = samples[index];
        return { ...applyTransform(readImage(path), transform, rng), label };
      },
    };
  } else {
    throw new UserError(
      `Unknown dataset kind "${(spec as { kind: string }).kind}" (expected idx or folder).`,
    );
  }
  return spec.indices ? subset(base, spec.indices) : base;
}

/** Length and class names of a described dataset without decoding its images. */
export function describeDataset(spec: DatasetSpec): { length: number; classes: readonly string[] } {
  validateTransform(spec.transform);
  let length: number;
  let classes: readonly string[];
  if (spec.kind === 'idx') {
    idxFilePath(spec.dir, spec.split, 'images');
    length = readIdxLabels(idxFilePath(spec.dir, spec.split, 'labels')).length;
    classes = spec.classes ?? FASHION_MNIST_CLASSES;
  } else if (spec.kind === 'folder') {
    const index = scanImageFolder(spec.root);
    length = index.samples.length;
    classes = index.classes;
  } else {
    throw new UserError(
      `Unknown dataset kind "${(spec as { kind: string }).kind}" (expected idx or folder).`,
    );
  }
  if (spec.indices) {
    for (const i of spec.indices) checkIndex(i, length);
    length = spec.indices.length;
  }
  return { length, classes };
}

function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** A 32-bit seed mixed from integers (each folded to its low and high 32 bits). */
export function mixSeed(...parts: number[]): number {
  let h = 0x2545f491;
  for (const p of parts) {
    const lo = p >>> 0;
    const hi = Math.floor(p / 4294967296) >>> 0;
    h = fmix32((h ^ lo) + 0x9e3779b9);
    h = fmix32((h ^ hi) + 0x7f4a7c15);
  }
  return h;
}

const SHUFFLE_TAG = 0x5348;
const SAMPLE_TAG = 0x534d;

/** The Rng that augments dataset sample `index` in `epoch`. */
export function sampleRng(seed: number, epoch: number, index: number): Rng {
  return new Rng(mixSeed(seed, epoch, index, SAMPLE_TAG));
}

/** Visiting order of an epoch: identity, or a Fisher–Yates shuffle seeded from (seed, epoch). */
export function epochOrder(length: number, seed: number, epoch: number, shuffle: boolean): Int32Array {
  const order = new Int32Array(length);
  for (let i = 0; i < length; i++) order[i] = i;
  if (!shuffle) return order;
  const rng = new Rng(mixSeed(seed, epoch, SHUFFLE_TAG));
  for (let i = length - 1; i > 0; i--) {
    const j = Math.floor(rng.uniform() * (i + 1));
    const t = order[i];
    order[i] = order[j];
    order[j] = t;
  }
  return order;
}

/** Samples of one batch, stacked: `data` is N·3·H·W float32, `labels` N int32. */
export interface BatchData {
  data: Float32Array;
  labels: Int32Array;
  height: number;
  width: number;
}

/** Builds one batch in the calling thread (used in-process and by the workers). */
export function computeBatch(
  dataset: Dataset,
  indices: ArrayLike<number>,
  seed: number,
  epoch: number,
): BatchData {
  const n = indices.length;
  const labels = new Int32Array(n);
  let data = new Float32Array(0);
  let height = 0;
  let width = 0;
  for (let k = 0; k < n; k++) {
    const index = indices[k];
    const s = dataset.get(index, sampleRng(seed, epoch, index));
    if (k === 0) {
      const side = Math.round(Math.sqrt(s.data.length / 3));
      height = s.height ?? side;
      width = s.width ?? side;
      if (3 * height * width !== s.data.length) {
        throw new ShapeError(
          `Sample ${index} has ${s.data.length} values, not 3x${height}x${width}; give its height and width.`,
        );
      }
      data = new Float32Array(n * s.data.length);
    } else if (s.data.length !== 3 * height * width) {
      throw new ShapeError(
        `Cannot batch sample ${index} (${s.data.length} values) with 3x${height}x${width} samples; ` +
          'use a transform with a fixed output size.',
      );
    }
    if (!Number.isInteger(s.label))
      throw new UserError(`Sample ${index} has a non-integer label ${s.label}.`);
    data.set(s.data, k * s.data.length);
    labels[k] = s.label;
  }
  return { data, labels, height, width };
}

/** A request to a loader worker: the batch's dataset indices and the epoch's seed. */
export interface WorkerRequest {
  id: number;
  indices: Int32Array;
  seed: number;
  epoch: number;
}

/** A worker's answer to a WorkerRequest. */
export type WorkerResponse =
  ({ id: number; ok: true } & BatchData) | { id: number; ok: false; error: SerializedError };

interface Pending {
  resolve: (b: BatchData) => void;
  reject: (e: Error) => void;
}

interface PoolWorker {
  worker: Worker;
  pending: Map<number, Pending>;
}

/** A fixed number of loader workers, each holding its own copy of the dataset. */
class WorkerPool {
  private readonly workers: PoolWorker[] = [];
  private nextId = 0;

  constructor(
    private readonly spec: DatasetSpec,
    private readonly size: number,
  ) {}

  private spawn(): PoolWorker {
    const worker = new Worker(new URL('./loader_worker.js', import.meta.url), {
      workerData: { spec: this.spec },
    });
    const entry: PoolWorker = { worker, pending: new Map() };
    worker.unref();
    const fail = (err: Error): void => {
      const i = this.workers.indexOf(entry);
      if (i >= 0) this.workers.splice(i, 1);
      for (const p of entry.pending.values()) p.reject(err);
      entry.pending.clear();
    };
    worker.on('message', (msg: WorkerResponse) => {
      const p = entry.pending.get(msg.id);
      if (!p) return;
      entry.pending.delete(msg.id);
      if (entry.pending.size === 0) worker.unref();
      if (msg.ok) p.resolve({ data: msg.data, labels: msg.labels, height: msg.height, width: msg.width });
      else p.reject(deserializeError(msg.error, 'Data loader worker'));
    });
    worker.on('error', (err) => fail(err));
    worker.on('exit', (code) => fail(new Error(`Data loader worker exited with code ${code}.`)));
    this.workers.push(entry);
    return entry;
  }

  run(indices: Int32Array, seed: number, epoch: number): Promise<BatchData> {
    while (this.workers.length < this.size) this.spawn();
    const entry = this.workers.reduce((a, b) => (b.pending.size < a.pending.size ? b : a));
    const id = this.nextId++;
    return new Promise<BatchData>((resolve, reject) => {
      entry.pending.set(id, { resolve, reject });
      entry.worker.ref();
      const req: WorkerRequest = { id, indices, seed, epoch };
      entry.worker.postMessage(req);
    });
  }

  async close(): Promise<void> {
    const all = this.workers.splice(0);
    // terminate() refs the worker until it has exited; a reply still queued (a batch prefetched for a
    // step that never ran) must not unref it again, or the loop may end before the exit arrives.
    for (const w of all) w.worker.removeAllListeners('message');
    await Promise.all(all.map((w) => w.worker.terminate()));
  }
}

export interface DataLoaderOptions {
  batchSize: number;
  /** Reshuffle every epoch (seeded by `seed` and the epoch number). Default false. */
  shuffle?: boolean;
  /** Drop the last, smaller batch. Default false. */
  dropLast?: boolean;
  /** Seed of the shuffles and augmentations. Default 0. */
  seed?: number;
  /**
   * Worker threads that decode and augment (0 = in the calling thread). Default 1 for a
   * DatasetSpec; a Dataset object can only be used in-process.
   */
  workers?: number;
  /** Batches prepared ahead of the one being consumed (with workers). Default 2. */
  prefetch?: number;
}

/** One training batch: `x` is (N, 3, H, W), `y` the labels, `indices` the dataset indices. */
export interface Batch {
  x: Tensor;
  y: Int32Array;
  indices: Int32Array;
  /** Position of this batch in its epoch. */
  batch: number;
}

function checkCount(name: string, v: number, min: number): void {
  if (!Number.isInteger(v) || v < min)
    throw new UserError(`Invalid ${name} ${v}: expected an integer >= ${min}.`);
}

/** Batches over a dataset, one epoch at a time; call `close()` when done to stop the workers. */
export class DataLoader {
  readonly length: number;
  readonly classes: readonly string[] | undefined;
  readonly batchSize: number;
  readonly shuffle: boolean;
  readonly dropLast: boolean;
  readonly seed: number;
  readonly workers: number;
  readonly prefetch: number;
  private dataset: Dataset | null;
  private readonly spec: DatasetSpec | null;
  private pool: WorkerPool | null = null;

  constructor(dataset: Dataset | DatasetSpec, options: DataLoaderOptions) {
    checkCount('batch size', options.batchSize, 1);
    const seed = options.seed ?? 0;
    if (!Number.isSafeInteger(seed)) throw new UserError(`Invalid seed ${seed}: expected an integer.`);
    const spec = isDataset(dataset) ? null : dataset;
    const workers = options.workers ?? (spec ? 1 : 0);
    checkWorkers('workers', workers);
    const prefetch = options.prefetch ?? 2;
    checkCount('prefetch', prefetch, 0);
    if (!spec && workers > 0) {
      throw new UserError(
        'Loader workers need a dataset description ({ kind: "idx" | "folder", ... }), not an object.',
      );
    }
    this.batchSize = options.batchSize;
    this.shuffle = options.shuffle ?? false;
    this.dropLast = options.dropLast ?? false;
    this.seed = seed;
    this.workers = workers;
    this.prefetch = prefetch;
    this.spec = spec;
    if (isDataset(dataset)) {
      this.dataset = dataset;
      this.length = dataset.length;
      this.classes = dataset.classes;
    } else if (workers === 0) {
      this.dataset = openDataset(dataset);
      this.length = this.dataset.length;
      this.classes = this.dataset.classes;
    } else {
      this.dataset = null;
      const info = describeDataset(dataset);
      this.length = info.length;
      this.classes = info.classes;
    }
  }

  /** Number of batches in an epoch. */
  get batchesPerEpoch(): number {
    return this.dropLast ? Math.floor(this.length / this.batchSize) : Math.ceil(this.length / this.batchSize);
  }

  /** Dataset indices in the order epoch `epoch` visits them. */
  order(epoch: number): Int32Array {
    checkCount('epoch', epoch, 0);
    return epochOrder(this.length, this.seed, epoch, this.shuffle);
  }

  private assemble(b: BatchData, indices: Int32Array, batch: number): Batch {
    return { x: new Tensor(b.data, [indices.length, 3, b.height, b.width]), y: b.labels, indices, batch };
  }

  /** The batches of epoch `epoch`, starting at batch `startBatch` (to resume an interrupted epoch). */
  async *batches(epoch: number, startBatch = 0): AsyncGenerator<Batch, void, undefined> {
    const order = this.order(epoch);
    const count = this.batchesPerEpoch;
    checkCount('start batch', startBatch, 0);
    const slice = (b: number): Int32Array =>
      order.slice(b * this.batchSize, Math.min((b + 1) * this.batchSize, order.length));
    if (this.workers === 0) {
      const dataset = (this.dataset ??= openDataset(this.spec as DatasetSpec));
      for (let b = startBatch; b < count; b++) {
        const indices = slice(b);
        yield this.assemble(computeBatch(dataset, indices, this.seed, epoch), indices, b);
      }
      return;
    }
    this.pool ??= new WorkerPool(this.spec as DatasetSpec, this.workers);
    const pool = this.pool;
    const inFlight: { indices: Int32Array; result: Promise<BatchData> }[] = [];
    let next = startBatch;
    for (let b = startBatch; b < count; b++) {
      while (next < count && next <= b + this.prefetch) {
        const indices = slice(next++);
        const result = pool.run(indices, this.seed, epoch);
        // A batch that fails while the caller is still busy with an earlier one is not an
        // unhandled rejection (which ends a worker thread): it is thrown when its turn comes.
        result.catch(() => undefined);
        inFlight.push({ indices, result });
      }
      const head = inFlight.shift() as { indices: Int32Array; result: Promise<BatchData> };
      yield this.assemble(await head.result, head.indices, b);
    }
  }

  /** Stops the worker threads (they are restarted if the loader is used again). */
  async close(): Promise<void> {
    const pool = this.pool;
    this.pool = null;
    if (pool) await pool.close();
  }
}
