/**
 * The Open Inference Protocol (KServe v2, spoken by Triton), REST/JSON: server and model metadata,
 * the model configuration, and the mapping of an inference request (one FP32 input [N, 3, H, W],
 * row-major, flat or nested) to images and of the outputs back to tensors. Two of Triton's
 * extensions: binary tensor data (the JSON header is `Inference-Header-Content-Length` bytes long
 * and the input's raw little-endian FP32 values follow it; outputs asked for with `binary_data`
 * come back the same way) and classification (an output with `"classification": K` comes back as
 * BYTES [N, K], the strings "<value>:<index>[:<label>]" of its K highest values). Requests are
 * parsed in a decoder thread (parseInferBody), so that megabytes of JSON never hold the event loop;
 * what does not fit is a UserError, which the server answers as a 400.
 */
import { checkInputSize } from '../limits.js';
import { MIN_INPUT_SIZE } from '../model/resnet.js';
import { UserError } from '../errors.js';
import { topK } from '../tasks/results.js';

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

/**
 * GET /v2/models/resnet50/config (the model configuration extension): the model's configuration as
 * Triton gives it, in JSON: what `resnet50 export --format triton` writes as config.pbtxt, with this
 * server's batching.
 */
export function modelConfig(facts: ModelFacts, batching: { maxBatch: number; maxDelayMs: number }): object {
  return {
    name: MODEL_NAME,
    platform: facts.platform,
    max_batch_size: batching.maxBatch,
    input: [{ name: INPUT_NAME, data_type: 'TYPE_FP32', format: 'FORMAT_NCHW', dims: [3, -1, -1] }],
    output: [
      { name: 'logits', data_type: 'TYPE_FP32', dims: [facts.numClasses] },
      { name: 'pool', data_type: 'TYPE_FP32', dims: [facts.poolChannels] },
    ],
    dynamic_batching: {
      preferred_batch_size: [batching.maxBatch],
      max_queue_delay_microseconds: Math.round(batching.maxDelayMs * 1000),
    },
    instance_group: [{ count: 1, kind: 'KIND_CPU' }],
  };
}

/** GET /v2 */
export function serverMetadata(version: string): object {
  return {
    name: 'resnet50',
    version,
    extensions: ['binary_tensor_data', 'classification', 'model_configuration', 'statistics'],
  };
}

export interface InferRequest {
  id?: string;
  /** Images of the batch, each [3, H, W] row-major. */
  images: Float32Array[];
  height: number;
  width: number;
  outputs: OutputName[];
  /** Per output: answered as binary data after the JSON (true) or as JSON numbers. */
  binary: boolean[];
  /** Per output: how many top classes the classification extension returns (0: the raw tensor). */
  classes: number[];
}

/** What a request may ask for: images per request, values in its tensor, and each output's size. */
export interface InferLimits {
  maxImages: number;
  maxValues: number;
  outputSizes: Readonly<Record<OutputName, number>>;
}

/** Whether this machine stores floats little-endian, as the binary tensor data is sent. */
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

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

/**
 * An inference request body as the bytes arrived: UTF-8 JSON, parsed and checked as parseInferRequest.
 * `headerLength` is the request's `Inference-Header-Content-Length` (undefined when it has none): the
 * JSON is that many bytes and the binary tensor data follows it (the images may then be views into
 * `bytes`' buffer).
 */
export function parseInferBody(bytes: Uint8Array, limits: InferLimits, headerLength?: string): InferRequest {
  let jsonEnd = bytes.length;
  if (headerLength !== undefined) {
    jsonEnd = /^\s*\d{1,15}\s*$/.test(headerLength) ? Number(headerLength) : NaN;
    if (!(jsonEnd <= bytes.length)) {
      throw bad(
        `The Inference-Header-Content-Length header must be a byte count no larger than the body (${bytes.length} bytes), got ${JSON.stringify(headerLength.slice(0, 40))}.`,
      );
    }
  }
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder().decode(bytes.subarray(0, jsonEnd)));
  } catch {
    throw bad(
      headerLength === undefined
        ? 'The request body is not valid JSON.'
        : `The first ${jsonEnd} bytes of the request body (its Inference-Header-Content-Length) are not valid JSON.`,
    );
  }
  return parseInferRequest(body, limits, headerLength === undefined ? undefined : bytes.subarray(jsonEnd));
}

/** A `parameters` object (absent: empty), or a UserError naming where it is. */
function parametersOf(holder: Record<string, unknown>, where: string): Record<string, unknown> {
  const p = holder.parameters;
  if (p === undefined) return {};
  if (!isObject(p)) throw bad(`The 'parameters' of ${where} must be a JSON object.`);
  return p;
}

/** A boolean parameter, or `fallback` when absent. */
function booleanParameter(
  p: Record<string, unknown>,
  key: string,
  where: string,
  fallback: boolean,
): boolean {
  const v = p[key];
  if (v === undefined) return fallback;
  if (typeof v !== 'boolean') throw bad(`The '${key}' parameter of ${where} must be true or false.`);
  return v;
}

/** The classification parameter of an output: 0 when absent, else 1 … the output's size. */
function classCount(value: unknown, where: string, size: number): number {
  if (value === undefined) return 0;
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > size) {
    throw bad(`The 'classification' parameter of ${where} must be a whole number from 1 to ${size}.`);
  }
  return value;
}

/**
 * The input's values from its binary data: little-endian FP32, exactly the shape's `count` values.
 * On a little-endian machine with the data 4-byte aligned (readBody places a body so that it is)
 * they are read where they lie: the result is a view into the request body's buffer.
 */
function binaryValues(
  size: unknown,
  binary: Uint8Array | undefined,
  count: number,
  shape: number[],
): Float32Array {
  const where = `Input '${INPUT_NAME}'`;
  if (typeof size !== 'number' || !Number.isSafeInteger(size) || size < 0) {
    throw bad(`${where}: binary_data_size must be a whole number of bytes.`);
  }
  if (binary === undefined) {
    throw bad(
      `${where} has binary_data_size, but the request has no Inference-Header-Content-Length header saying where its JSON ends.`,
    );
  }
  if (size !== count * 4) {
    throw bad(
      `${where}: binary_data_size is ${size} bytes; shape [${shape.join(', ')}] in FP32 needs ${count * 4}.`,
    );
  }
  if (binary.length !== size) {
    throw bad(
      `The request body holds ${binary.length} bytes after its JSON header; the inputs' binary_data_size adds up to ${size}.`,
    );
  }
  let out: Float32Array;
  if (LITTLE_ENDIAN && binary.byteOffset % 4 === 0) {
    out = new Float32Array(binary.buffer, binary.byteOffset, count);
  } else if (LITTLE_ENDIAN) {
    out = new Float32Array(count);
    new Uint8Array(out.buffer).set(binary);
  } else {
    out = new Float32Array(count);
    const view = new DataView(binary.buffer, binary.byteOffset, binary.byteLength);
    for (let i = 0; i < count; i++) out[i] = view.getFloat32(i * 4, true);
  }
  for (let i = 0; i < count; i++) {
    if (!Number.isFinite(out[i])) throw bad(`${where}: the binary data holds a value that is not finite.`);
  }
  return out;
}

/**
 * A parsed inference request body, checked: a UserError with one sentence for anything that does not fit
 * the model (names, datatype, shape, data length, finiteness). `maxImages` bounds N; `maxValues` the
 * values the shape may claim (checked before any memory is set aside for them). Images from
 * `binary` may be views into its buffer.
 */
export function parseInferRequest(body: unknown, limits: InferLimits, binary?: Uint8Array): InferRequest {
  const { maxImages, maxValues } = limits;
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
  const binarySize = parametersOf(input, `input '${INPUT_NAME}'`).binary_data_size;
  let data: Float32Array;
  if (binarySize !== undefined) {
    if (input.data !== undefined) {
      throw bad(`Input '${INPUT_NAME}' has both data and binary_data_size; send its values one way.`);
    }
    data = binaryValues(binarySize, binary, n * c * h * w, shape);
  } else {
    data = new Float32Array(n * c * h * w);
    if (binary !== undefined && binary.length > 0) {
      throw bad(
        `The request body has ${binary.length} bytes after its JSON header, but no input claims them with binary_data_size.`,
      );
    }
    if (flatten(input.data, data, 0) !== data.length) {
      throw bad(`Input '${INPUT_NAME}': data holds fewer values than its shape [${shape.join(', ')}] needs.`);
    }
  }
  const per = c * h * w;
  const images = Array.from({ length: n }, (_, i) => data.subarray(i * per, (i + 1) * per));
  const allBinary = booleanParameter(
    parametersOf(body, 'the request'),
    'binary_data_output',
    'the request',
    false,
  );
  let wanted: OutputName[] = ['logits'];
  let binaryOut = [allBinary];
  let classes = [0];
  if (outputs !== undefined) {
    if (!Array.isArray(outputs) || outputs.length === 0)
      throw bad("The request's 'outputs' must be a non-empty array.");
    wanted = [];
    binaryOut = [];
    classes = [];
    for (const o of outputs as unknown[]) {
      const name = isObject(o) ? o.name : undefined;
      if (!isObject(o) || !(OUTPUT_NAMES as readonly unknown[]).includes(name)) {
        throw bad(
          `Unknown output ${JSON.stringify(name)}; the model's outputs are ${OUTPUT_NAMES.join(', ')}.`,
        );
      }
      const where = `output '${String(name)}'`;
      const parameters = parametersOf(o, where);
      wanted.push(name as OutputName);
      binaryOut.push(booleanParameter(parameters, 'binary_data', where, allBinary));
      classes.push(classCount(parameters.classification, where, limits.outputSizes[name as OutputName]));
    }
  }
  return { id, images, height: h, width: w, outputs: wanted, binary: binaryOut, classes };
}

/** An encoded response: the body, and the JSON header's length when binary data follows it. */
export interface EncodedInferResponse {
  body: Buffer;
  headerLength: number | undefined;
}

/** The `k` highest values of `row` as the classification extension's strings, highest first. */
function classStrings(row: Float32Array, k: number, labels: readonly string[]): string[] {
  // Six decimals, as Triton prints a value (std::to_string); no label where there is none (pool).
  return topK(row, k, labels).map(
    ({ classIndex, label, score }) =>
      `${score.toFixed(6)}:${classIndex}${label === undefined ? '' : `:${label}`}`,
  );
}

/** BYTES elements as binary data: each a 4-byte little-endian length, then its UTF-8 bytes. */
function bytesTensor(strings: readonly string[]): Buffer {
  return Buffer.concat(
    strings.flatMap((text) => {
      const bytes = Buffer.from(text, 'utf8');
      const length = Buffer.alloc(4);
      length.writeUInt32LE(bytes.length);
      return [length, bytes];
    }),
  );
}

/** FP32 values as binary data, little-endian. */
function fp32Tensor(rows: readonly Float32Array[], k: number): Buffer {
  const tail = Buffer.alloc(rows.length * k * 4);
  rows.forEach((r, i) => {
    for (let j = 0; j < k; j++) tail.writeFloatLE(r[j], (i * k + j) * 4);
  });
  return tail;
}

/**
 * The response: each output asked for, [N, K] FP32 flat row-major, or with `classification` the
 * BYTES [N, count] of its top classes (the logits' labels after the index); outputs asked for as
 * binary data carry `binary_data_size` and their bytes follow the JSON, in the outputs' order.
 */
export function encodeInferResponse(
  request: InferRequest,
  results: ReadonlyMap<OutputName, readonly Float32Array[]>,
  labels: readonly string[],
): EncodedInferResponse {
  const tails: Buffer[] = [];
  const outputs = request.outputs.map((name, o) => {
    const rows = results.get(name)!;
    const count = request.classes[o];
    const k = count > 0 ? count : rows[0].length;
    const head = { name, datatype: count > 0 ? 'BYTES' : 'FP32', shape: [rows.length, k] };
    const strings =
      count > 0 ? rows.flatMap((r) => classStrings(r, count, name === 'logits' ? labels : [])) : null;
    if (request.binary[o]) {
      const tail = strings === null ? fp32Tensor(rows, k) : bytesTensor(strings);
      tails.push(tail);
      return { ...head, parameters: { binary_data_size: tail.length } };
    }
    if (strings !== null) return { ...head, data: strings };
    const data = new Array<number>(rows.length * k);
    rows.forEach((r, i) => {
      for (let j = 0; j < k; j++) data[i * k + j] = r[j];
    });
    return { ...head, data };
  });
  const json = Buffer.from(
    JSON.stringify({
      model_name: MODEL_NAME,
      model_version: MODEL_VERSION,
      ...(request.id === undefined ? {} : { id: request.id }),
      outputs,
    }),
  );
  if (tails.length === 0) return { body: json, headerLength: undefined };
  return { body: Buffer.concat([json, ...tails]), headerLength: json.length };
}
