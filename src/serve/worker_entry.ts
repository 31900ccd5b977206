/**
 * A worker thread of the server (workers.ts): answers each WorkMessage in turn. `prepare` decodes
 * and preprocesses an upload (into the spare buffer sent with it when that fits; the tensor's buffer
 * is transferred back, not copied); `infer` parses
 * a KServe v2 JSON body into its images (one buffer, transferred); `cam` and
 * `detect` run on the model this thread loaded at its first such request (or at `loadDetector`,
 * which the server sends at start) and kept, and draw the PNG answer here when one was asked for.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { serializeError } from '../errors.js';
import { encodePng } from '../io/image.js';
import type { ResNet } from '../model/resnet.js';
import type { Detector } from '../tasks/detect.js';
import { imageTensor } from '../tasks/input.js';
import { parseInferBody } from './kserve.js';
import type { ModelWorkerData, ParsedInfer, WorkMessage, WorkReply, WorkRequest } from './workers.js';

const port = parentPort;
if (!port) throw new Error('worker_entry.js must run in a worker thread.');
const data = workerData as ModelWorkerData | null;
// Decoders run at the server's priority. They ran at nice 10 while a decode that preempted one of
// the engine's two threads stalled the other at the end of a step; since a thread without images
// left helps with the other's layers (native/src/shared_items.h), the lower priority only left the
// next batch's decodes unfinished when a pass ended (c16, paired runs: nice 10 mean batch 6.0-6.7,
// 35.7-37.7 img/s; nice 0 mean batch 7.8-8.0, 38.6-39.1 img/s).

let camModel: Promise<ResNet> | undefined;
let detector: Promise<Detector> | undefined;

function loadDetector(): Promise<Detector> {
  if (data?.detect == null) throw new Error('This worker has no detection weights.');
  const options = data.detect;
  return (detector ??= import('../tasks/detect.js').then((m) => m.loadDetector(options)));
}

/** The answer to one request and the buffers to transfer with it. */
async function answer(request: WorkRequest): Promise<[unknown, ArrayBuffer[]]> {
  const t0 = performance.now();
  switch (request.op) {
    case 'prepare': {
      const x = imageTensor(
        request.upload,
        request.preset,
        request.reuse === undefined ? undefined : new Float32Array(request.reuse),
      );
      return [{ data: x.data, shape: x.shape, ms: performance.now() - t0 }, [x.data.buffer as ArrayBuffer]];
    }
    case 'infer': {
      const { images, ...r } = parseInferBody(request.body, request.limits, request.headerLength);
      // The images are views of one buffer (parseInferRequest fills one Float32Array).
      const first = images[0];
      const data = new Float32Array(first.buffer, first.byteOffset, first.length * images.length);
      const parsed: ParsedInfer = { ...r, data, count: images.length };
      return [parsed, [data.buffer as ArrayBuffer]];
    }
    case 'cam': {
      if (data?.cam == null) throw new Error('This worker has no CAM model.');
      const { weights, arch, backend, preset, labels } = data.cam;
      const { camFiles, camOverlay } = await import('../tasks/cam.js');
      const model = await (camModel ??= import('../tasks/pretrained.js').then(
        async (m) => (await m.loadModel({ weights, arch })).model,
      ));
      const started = performance.now();
      let png: Uint8Array | undefined;
      const [result] = camFiles(model, [request.upload], {
        ...request.cam,
        backend,
        preprocess: preset,
        labels,
        onImage: request.png ? (_, image, r) => (png = encodePng(camOverlay(image, r))) : undefined,
      });
      return [{ result, png, ms: performance.now() - started }, []];
    }
    case 'detect': {
      const { detectFiles } = await import('../tasks/detect.js');
      const { drawDetections } = await import('../viz/boxes.js');
      const model = await loadDetector();
      const started = performance.now();
      let png: Uint8Array | undefined;
      const [result] = await detectFiles(model, [request.upload], {
        threshold: request.threshold,
        onImage: request.png
          ? (_, image, found) => (png = encodePng(drawDetections(image, found)))
          : undefined,
      });
      return [{ result, png, ms: performance.now() - started }, []];
    }
    case 'loadDetector':
      await loadDetector();
      return [null, []];
  }
}

port.on('message', ({ id, request }: WorkMessage) => {
  answer(request).then(
    ([result, transfer]) => port.postMessage({ id, ok: true, result } satisfies WorkReply, transfer),
    (e: unknown) => port.postMessage({ id, ok: false, error: serializeError(e) } satisfies WorkReply),
  );
});
