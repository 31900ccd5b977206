/**
 * `resnet50 serve --weights W`: the HTTP inference service (src/serve/) until SIGTERM or SIGINT,
 * which stop accepting connections, let requests in flight finish (up to --timeout-ms) and exit 0.
 */
import { parseByteSize } from '../serve/body.js';
import { SERVE_TASKS, startServer, type CloseResult, type ServeTask } from '../serve/server.js';
import { readLabelsFile } from '../tasks/labels.js';
import { intFlag, stringFlag, UsageError, type Command } from './args.js';
import { MODEL_FLAGS, MODEL_HELP, precisionFlag, presetFlag } from './common.js';

export const serveCommand: Command = {
  name: 'serve',
  summary: 'HTTP inference service: dynamic batching, Open Inference Protocol (KServe v2), metrics',
  help: `Usage: resnet50 serve --weights W [--host 127.0.0.1] [--port 8080] [--max-batch 8]
                      [--max-delay-ms 5] [--queue 64] [--timeout-ms 30000] [--max-body 20mb]
                      [--tasks classify,embed,cam,detect] [--detect-weights D] [--token T]
                      [--web DIR]

Loads the weights once and answers HTTP requests until SIGTERM or SIGINT (then it stops accepting,
finishes the requests in flight within --timeout-ms and exits 0; 1 when some were still unanswered
and cut off). Errors are JSON {"error": "<one sentence>"}.

  POST /v1/classify   image body (PNG/JPEG) or multipart form (part 'image' or 'file');
                      ?top=5&logits=true; the JSON of classify --json
  POST /v1/embed      ?layer=pool|stem|layer1…layer4; the JSON of embed --json
  POST /v1/cam        ?method=&layer=&class=&threshold=&size=; JSON as cam --json, or the
                      overlay PNG with 'Accept: image/png'
  POST /v1/detect     ?threshold=0.5 (needs --detect-weights); JSON as detect --json, or PNG
  GET  /v2/health/live, /v2/health/ready, /v2/models/resnet50[/ready]
  POST /v2/models/resnet50/infer   Open Inference Protocol (KServe v2, as Triton): input 'input'
                      FP32 [N,3,H,W] (preprocessed), outputs 'logits' [N,classes] and 'pool'
  GET  /metrics       Prometheus text: requests, latency, batch sizes, queue depth, images/s
  GET  /              the web page, sending images to this server (the npm package ships it;
                      in a checkout: npm run build:web); without it, a small upload page

${MODEL_HELP}
  --host H          address to bind (default 127.0.0.1: this machine only; 0.0.0.0 for all)
  --port P          default 8080; 0 picks a free port
  --max-batch N     images per forward pass (default 8; 1 turns batching off)
  --max-delay-ms D  how long a request waits for others to share its pass (default 5)
  --queue Q         images that may wait; beyond, 503 with Retry-After (default 64)
  --timeout-ms T    per request, then 504 (default 30000); also the drain time on shutdown
  --max-body S      largest request body, e.g. 20mb, 512kb (default 20mb); beyond, 413
  --tasks LIST      endpoints to offer, from ${SERVE_TASKS.join(',')} (default: all but
                    detect, and detect with --detect-weights)
  --detect-weights D  Faster R-CNN weights (a file, or fasterrcnn_resnet50_fpn_coco …)
  --labels FILE     class names (default: the weights')
  --token T         require 'Authorization: Bearer T' (also $RESNET50_SERVE_TOKEN); health
                    checks and the page stay open
  --web DIR         serve this folder at / instead (its index.html gets the server-mode tag)`,
  flags: {
    ...MODEL_FLAGS,
    host: { type: 'string' },
    port: { type: 'string' },
    'max-batch': { type: 'string' },
    'max-delay-ms': { type: 'string' },
    queue: { type: 'string' },
    'timeout-ms': { type: 'string' },
    'max-body': { type: 'string' },
    tasks: { type: 'string' },
    'detect-weights': { type: 'string' },
    labels: { type: 'string' },
    token: { type: 'string' },
    web: { type: 'string' },
  },
  async run(values, positionals) {
    if (positionals.length > 0) {
      throw new UsageError(`serve: unexpected argument '${positionals[0]}' (see 'resnet50 serve --help').`);
    }
    const maxBodyFlag = stringFlag(values, 'max-body');
    const maxBodyBytes = maxBodyFlag === undefined ? undefined : parseByteSize(maxBodyFlag);
    if (maxBodyBytes === null) {
      throw new UsageError(`--max-body must be a size like 20mb, 512kb or 1048576, got '${maxBodyFlag}'.`);
    }
    const tasksFlag = stringFlag(values, 'tasks');
    const tasks = tasksFlag?.split(',').map((t) => {
      if (!(SERVE_TASKS as readonly string[]).includes(t.trim())) {
        throw new UsageError(`--tasks must list some of ${SERVE_TASKS.join(', ')}, got '${t}'.`);
      }
      return t.trim() as ServeTask;
    });
    const port = intFlag(values, 'port', 8080, 0);
    if (port > 65535) throw new UsageError(`--port must be an integer from 0 to 65535, got '${port}'.`);
    const labelsPath = stringFlag(values, 'labels');
    const server = await startServer({
      weights: stringFlag(values, 'weights'),
      arch: stringFlag(values, 'arch'),
      preset: presetFlag(values),
      backend: stringFlag(values, 'backend'),
      precision: precisionFlag(values),
      allowNonFinite: values['allow-nonfinite'] === true,
      labels: labelsPath === undefined ? undefined : readLabelsFile(labelsPath),
      detectWeights: stringFlag(values, 'detect-weights'),
      host: stringFlag(values, 'host'),
      port,
      maxBatch: intFlag(values, 'max-batch', 8),
      maxDelayMs: intFlag(values, 'max-delay-ms', 5, 0),
      maxQueue: intFlag(values, 'queue', 64),
      timeoutMs: intFlag(values, 'timeout-ms', 30_000),
      maxBodyBytes,
      tasks,
      token: stringFlag(values, 'token') ?? process.env.RESNET50_SERVE_TOKEN,
      webRoot: stringFlag(values, 'web'),
    });
    const left = await new Promise<CloseResult>((resolve) => {
      const stop = (signal: string): void => {
        process.off('SIGTERM', onTerm);
        process.off('SIGINT', onInt);
        process.stderr.write(`resnet50 serve: ${signal}, finishing requests in flight\n`);
        void server.close().then(resolve);
      };
      const onTerm = (): void => stop('SIGTERM');
      const onInt = (): void => stop('SIGINT');
      process.on('SIGTERM', onTerm);
      process.on('SIGINT', onInt);
    });
    if (left.unanswered > 0) {
      process.stderr.write(
        `resnet50 serve: ${left.unanswered} request${left.unanswered === 1 ? ' was' : 's were'} still unanswered after the drain time (--timeout-ms) and cut off\n`,
      );
    }
    if (left.passRunning) process.stderr.write('resnet50 serve: the model pass still running was stopped\n');
    process.stderr.write('resnet50 serve: stopped\n');
    return left.unanswered > 0 ? 1 : 0;
  },
};
