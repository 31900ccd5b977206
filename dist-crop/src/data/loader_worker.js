/**
 * Worker thread of the DataLoader: re-opens the dataset described in `workerData.spec`, then answers
 * each WorkerRequest with the decoded, augmented batch (buffers transferred, not copied) or with the
 * error it raised.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { serializeError } from '../errors.js';
import { computeBatch, openDataset, } from './loader.js';
const port = parentPort;
if (!port)
    throw new Error('loader_worker.js must run in a worker thread.');
const spec = workerData.spec;
let dataset = null;
port.on('message', (req) => {
    let res;
    try {
        dataset ??= openDataset(spec);
        res = { id: req.id, ok: true, ...computeBatch(dataset, req.indices, req.seed, req.epoch) };
    }
    catch (err) {
        port.postMessage({ id: req.id, ok: false, error: serializeError(err) });
        return;
    }
    port.postMessage(res, [res.data.buffer, res.labels.buffer]);
});
//# sourceMappingURL=loader_worker.js.map