/**
 * The Open Inference Protocol (KServe v2, spoken by Triton), REST/JSON: server and model metadata,
 * and the mapping of an inference request (one FP32 input [N, 3, H, W], row-major, flat or nested)
 * to images and of the logits back to an output tensor. Binary tensor data is not supported.
 * Requests are parsed in a decoder thread (parseInferBody), so that megabytes of JSON never hold
 * the event loop; what does not fit is a UserError, which the server answers as a 400.
 */
import { checkInputSize } from '../limits.js';
import { MIN_INPUT_SIZE } from '../model/resnet.js';
import { UserError } from '../errors.js';

export const MODEL_NAME = 'resnet50';
export const MODEL_VERSION = '1';
export const INPUT_NAME = 'input';
/** The outputs a request may name: the logits (before softmax) or the pooled features. */
export const OUTPUT_NAMES = ['logits', 'pool'] as const;
export type OutputName = (typeof OUTPUT_NAMES)[number];

export interface ModelFacts {
  numClasses: number;
  /** Channels of the pooled features (2048 for ResNet-50). */
  poolChannels: number;
  platform: string;
}

/** GET /v2/models/resnet50 */
export function modelMetadata(facts: ModelFacts): object {
  return {
    name: MODEL_NAME,
    versions: [MODEL_VERSION],
    platform: facts.platform,
    inputs: [{ name: INPUT_NAME, datatype: 'FP32', shape: [-1, 3, -1, -1] }],
    outputs: [
      { name: 'logits', datatype: 'FP32', shape: [-1, facts.numClasses] },
      { name: 'pool', datatype: 'FP32', shape: [-1, facts.poolChannels] },
    ],
  };
}

/** GET /v2 */
export function serverMetadata(version: string): object {
  return { name: 'resnet50', version, extensions: [] };
}

export interface InferRequest {
  id?: string;
  /** Images of the batch, each [3, H, W] row-major. */
  images: Float32Array[];
  height: number;
  width: number;
  outputs: OutputName[];
}

const bad = (sentence: string): UserError => new UserError(sentence);
const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

/** Flattens `data` (flat or nested arrays of numbers) into `out` from `at`; returns the next index. */
function flatten(data: unknown, out: Float32Array, at: number): number {
  if (!Array.isArray(data)) throw bad(`Input '${INPUT_NAME}': data must be an array of numbers.`);
  for (const v of data) {
    if (typeof v === 'number') {
      if (!Number.isFinite(v)) throw bad(`Input '${INPUT_NAME}': data holds a value that is not finite.`);
      if (at >= out.length) throw bad(`Input '${INPUT_NAME}': data holds more values than its shape.`);
      out[at++] = v;
    } else {
      at = flatten(v, out, at);
    }
  }
  return at;
}

/** An inference request body as the bytes arrived: UTF-8 JSON, parsed and checked as parseInferRequest. */
export function parseInferBody(bytes: Uint8Array, maxImages: number, maxValues: number): InferRequest {
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder().decode(bytes));
  } catch {
    throw bad('The request body is not valid JSON.');
  }
  return parseInferRequest(body, maxImages, maxValues);
}

/**
 * A parsed inference request body, checked: a UserError with one sentence for anything that does not fit
 * the model (names, datatype, shape, data length, finiteness). `maxImages` bounds N; `maxValues` the
 * values the shape may claim (checked before any memory is set aside for them).
 */
export function parseInferRequest(body: unknown, maxImages: number, maxValues: number): InferRequest {
  if (!isObject(body)) throw bad('The inference request must be a JSON object.');
  const { id, inputs, outputs } = body;
  if (id !== undefined && typeof id !== 'string') throw bad("The request's 'id' must be a string.");
  if (!Array.isArray(inputs) || inputs.length !== 1) {
    throw bad(`The request must have 'inputs' with exactly one tensor, '${INPUT_NAME}'.`);
  }
  const input: unknown = inputs[0];
  if (!isObject(input)) throw bad('Each input must be a JSON object.');
  if (input.name !== INPUT_NAME) {
    throw bad(`Unknown input '${String(input.name)}'; the model's input is '${INPUT_NAME}'.`);
  }
  if (input.datatype !== 'FP32') {
    throw bad(`Input '${INPUT_NAME}' must have datatype FP32, got ${JSON.stringify(input.datatype)}.`);
  }
  const shape = input.shape;
  if (
    !Array.isArray(shape) ||
    shape.length !== 4 ||
    !shape.every((d): d is number => Number.isInteger(d) && (d as number) >= 1)
  ) {
    throw bad(`Input '${INPUT_NAME}' must have a shape [N, 3, H, W] of positive integers.`);
  }
  const [n, c, h, w] = shape;
  if (c !== 3) throw bad(`Input '${INPUT_NAME}' must have 3 channels, got shape [${shape.join(', ')}].`);
  if (n > maxImages)
    throw bad(`Input '${INPUT_NAME}' has ${n} images; this server takes at most ${maxImages} per request.`);
  checkInputSize(`Input '${INPUT_NAME}' height`, h, MIN_INPUT_SIZE);
  checkInputSize(`Input '${INPUT_NAME}' width`, w, MIN_INPUT_SIZE);
  if (n * c * h * w > maxValues) {
    throw bad(
      `Input '${INPUT_NAME}' has shape [${shape.join(', ')}], more values than a request body of this server can hold.`,
    );
  }
  const data = new Float32Array(n * c * h * w);
  if (flatten(input.data, data, 0) !== data.length) {
    throw bad(`Input '${INPUT_NAME}': data holds fewer values than its shape [${shape.join(', ')}] needs.`);
  }
  const per = c * h * w;
  const images = Array.from({ length: n }, (_, i) => data.subarray(i * per, (i + 1) * per));
  let wanted: OutputName[] = ['logits'];
  if (outputs !== undefined) {
    if (!Array.isArray(outputs) || outputs.length === 0)
      throw bad("The request's 'outputs' must be a non-empty array.");
    wanted = outputs.map((o: unknown) => {
      const name = isObject(o) ? o.name : undefined;
      if (!(OUTPUT_NAMES as readonly unknown[]).includes(name)) {
        throw bad(
          `Unknown output ${JSON.stringify(name)}; the model's outputs are ${OUTPUT_NAMES.join(', ')}.`,
        );
      }
      return name as OutputName;
    });
  }
  return { id, images, height: h, width: w, outputs: wanted };
}

/** The response body: each output asked for, [N, K] FP32, flat row-major. */
export function inferResponse(
  request: InferRequest,
  results: ReadonlyMap<OutputName, readonly Float32Array[]>,
): object {
  return {
    model_name: MODEL_NAME,
    model_version: MODEL_VERSION,
    ...(request.id === undefined ? {} : { id: request.id }),
    outputs: request.outputs.map((name) => {
      const rows = results.get(name)!;
      const k = rows[0].length;
      const data = new Array<number>(rows.length * k);
      rows.forEach((r, i) => {
        for (let j = 0; j < k; j++) data[i * k + j] = r[j];
      });
      return { name, datatype: 'FP32', shape: [rows.length, k], data };
    }),
  };
}
