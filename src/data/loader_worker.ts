/**
 * Worker thread of the DataLoader: re-opens the dataset described in `workerData.spec`, then answers
 * each WorkerRequest with the decoded, augmented batch (buffers transferred, not copied) or with the
 * error it raised.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { serializeError } from '../errors.js';
import {
  computeBatch,
  openDataset,
  type Dataset,
  type DatasetSpec,
  type WorkerRequest,
  type WorkerResponse,
} from './loader.js';

const port = parentPort;
if (!port) throw new Error('loader_worker.js must run in a worker thread.');
const spec = (workerData as { spec: DatasetSpec }).spec;
let dataset: Dataset | null = null;

port.on('message', (req: WorkerRequest) => {
  let res: WorkerResponse;
  try {
    dataset ??= openDataset(spec);
    res = { id: req.id, ok: true, ...computeBatch(dataset, req.indices, req.seed, req.epoch) };
  } catch (err) {
    port.postMessage({ id: req.id, ok: false, error: serializeError(err) } satisfies WorkerResponse);
    return;
  }
  port.postMessage(res, [res.data.buffer as ArrayBuffer, res.labels.buffer as ArrayBuffer]);
});
