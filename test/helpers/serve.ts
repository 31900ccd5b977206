/** What the service tests share: small rule weights, distinct test images, raw HTTP requests. */
import { request } from 'node:http';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeImage, encodePng } from '../../src/io/image.js';
import { saveWeightsFile } from '../../src/io/weights/index.js';
import { resnet } from '../../src/model/resnet.js';
import { IMAGES } from './cli.js';
import { ruleStateDict } from './rule_weights.js';

/** A resnet18 with 10 classes and rule weights, written to `dir`; returns its path. */
export function smallWeights(dir: string): string {
  const path = join(dir, 'r18-10.safetensors');
  saveWeightsFile(path, ruleStateDict(resnet('resnet18', { init: 'none', numClasses: 10 })));
  return path;
}

/** `count` distinct PNGs cut from the chelsea photo at different offsets, `width`×`height` each. */
export function distinctPngs(
  count: number,
  width: number,
  height: number,
  first = 0,
): Uint8Array<ArrayBuffer>[] {
  const photo = decodeImage(readFileSync(join(IMAGES, 'chelsea.png')), 'chelsea.png');
  return Array.from({ length: count }, (_, k) => {
    const i = k + first;
    const x0 = (i * 37) % (photo.width - width);
    const y0 = (i * 23) % (photo.height - height);
    const data = new Uint8Array(width * height * 3);
    for (let y = 0; y < height; y++) {
      const from = ((y0 + y) * photo.width + x0) * 3;
      data.set(photo.data.subarray(from, from + width * 3), y * width * 3);
    }
    return new Uint8Array(encodePng({ width, height, data }));
  });
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
}

/** One HTTP request with full control over method, path, headers and body (no fetch normalisation). */
export function rawRequest(
  url: string,
  method: string,
  path: string,
  body?: Uint8Array | string,
  headers: Record<string, string> = {},
): Promise<RawResponse> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, method, path, headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks) }),
      );
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/** A multipart/form-data body with the given parts. */
export function multipart(
  boundary: string,
  parts: { name: string; filename?: string; type?: string; data: Uint8Array | string }[],
): Uint8Array<ArrayBuffer> {
  const chunks: Buffer[] = [];
  for (const p of parts) {
    const disposition = `form-data; name="${p.name}"${p.filename === undefined ? '' : `; filename="${p.filename}"`}`;
    const type = p.type === undefined ? '' : `\r\nContent-Type: ${p.type}`;
    chunks.push(Buffer.from(`--${boundary}\r\nContent-Disposition: ${disposition}${type}\r\n\r\n`));
    chunks.push(Buffer.from(p.data));
    chunks.push(Buffer.from('\r\n'));
  }
  chunks.push(Buffer.from(`--${boundary}--\r\n`));
  return new Uint8Array(Buffer.concat(chunks));
}

/** Samples of the Prometheus text format: `name{labels} value` lines, comments checked for shape. */
export function parsePrometheus(
  text: string,
): { name: string; labels: Record<string, string>; value: number }[] {
  const samples: { name: string; labels: Record<string, string>; value: number }[] = [];
  for (const line of text.split('\n')) {
    if (line === '') continue;
    if (line.startsWith('#')) {
      if (!/^# (HELP|TYPE) [a-zA-Z_:][a-zA-Z0-9_:]* .+$/.test(line))
        throw new Error(`bad comment line: ${line}`);
      continue;
    }
    const m = /^([a-zA-Z_:][a-zA-Z0-9_:]*)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (m === null) throw new Error(`bad sample line: ${line}`);
    const labels: Record<string, string> = {};
    for (const [, k, v] of (m[2] ?? '').matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\]|\\.)*)"/g))
      labels[k] = v;
    const value = m[3] === '+Inf' ? Infinity : Number(m[3]);
    if (Number.isNaN(value)) throw new Error(`bad value: ${line}`);
    samples.push({ name: m[1], labels, value });
  }
  return samples;
}

/**
 * A request body of the binary tensor data extension, as its specification writes it: the JSON
 * header, then each tensor's values as little-endian FP32, in order; with the header that says where
 * the JSON ends.
 */
export function binaryTensorBody(
  json: unknown,
  tensors: readonly ArrayLike<number>[],
): { body: Buffer; headers: Record<string, string> } {
  const head = Buffer.from(JSON.stringify(json));
  const tails = tensors.map((t) => {
    const bytes = Buffer.alloc(t.length * 4);
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.length);
    for (let i = 0; i < t.length; i++) view.setFloat32(i * 4, t[i], true);
    return bytes;
  });
  return {
    body: Buffer.concat([head, ...tails]),
    headers: { 'Inference-Header-Content-Length': String(head.length) },
  };
}

/** A response body of the binary tensor data extension split into its JSON header and the bytes after it. */
export function splitBinaryResponse(response: RawResponse): { json: unknown; tail: Buffer } {
  const length = Number(response.headers['inference-header-content-length']);
  if (!Number.isInteger(length))
    throw new Error('The response has no Inference-Header-Content-Length header.');
  return {
    json: JSON.parse(response.body.subarray(0, length).toString('utf8')),
    tail: response.body.subarray(length),
  };
}

/** Little-endian FP32 values of `bytes` from `offset`, `count` of them. */
export function float32LE(bytes: Buffer, offset: number, count: number): Float32Array {
  return Float32Array.from({ length: count }, (_, i) => bytes.readFloatLE(offset + i * 4));
}
