/**
 * Request bodies: read up to a byte limit (413 beyond it, without buffering the rest), sizes like
 * `20mb`, and the image of a `multipart/form-data` upload (RFC 7578), parsed with limits on parts
 * and header sizes.
 */
import type { IncomingMessage } from 'node:http';
import { HttpError } from './http_error.js';

const UNITS: Readonly<Record<string, number>> = { b: 1, kb: 2 ** 10, mb: 2 ** 20, gb: 2 ** 30 };

/** `20mb`, `512kb`, `1048576` → bytes (binary units); null when it is not a size. */
export function parseByteSize(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?)\s*(b|kb|mb|gb)?\s*$/i.exec(text);
  if (m === null) return null;
  const bytes = Math.floor(Number(m[1]) * UNITS[(m[2] ?? 'b').toLowerCase()]);
  return bytes >= 1 && Number.isSafeInteger(bytes) ? bytes : null;
}

/** `bytes` as a person reads a limit: 20 MiB, 512 KiB, 100 bytes. */
export function formatBytes(bytes: number): string {
  if (bytes >= 2 ** 20 && bytes % 2 ** 20 === 0) return `${bytes / 2 ** 20} MiB`;
  if (bytes >= 2 ** 10 && bytes % 2 ** 10 === 0) return `${bytes / 2 ** 10} KiB`;
  return `${bytes} bytes`;
}

/**
 * Where readBody starts a body in its buffer so that the body's byte `alignAt` is 4-byte aligned:
 * 0 to 3 bytes in.
 */
export function bodyPad(alignAt: number): number {
  return Number.isSafeInteger(alignAt) ? (4 - (((alignAt % 4) + 4) % 4)) % 4 : 0;
}

/**
 * The whole body, or a 413 as soon as the declared length or the bytes received pass `limit`
 * (the rest is not read; the caller closes the connection after answering). The body is a view
 * into a buffer of its own (never Node's shared pool, so a worker thread can take it without a
 * copy), `bodyPad(alignAt)` bytes in: a KServe v2 request's binary tensor data starts at its
 * `alignAt` and can then be read as floats where it lies. Memory follows the bytes that arrived,
 * never a declared length.
 */
export async function readBody(req: IncomingMessage, limit: number, alignAt = 0): Promise<Buffer> {
  const tooLarge = (): HttpError =>
    new HttpError(413, `The request body is larger than the server's limit of ${formatBytes(limit)}.`);
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) throw tooLarge();
    chunks.push(chunk);
  }
  const pad = bodyPad(alignAt);
  const out = Buffer.allocUnsafeSlow(pad + size);
  let at = pad;
  for (const chunk of chunks) at += chunk.copy(out, at);
  return out.subarray(pad, pad + size);
}

/** One part of a multipart body. */
export interface FormPart {
  name: string | undefined;
  filename: string | undefined;
  contentType: string | undefined;
  data: Buffer;
}

/** At most this many parts in one form; a part's headers at most this many bytes. */
const MAX_PARTS = 32;
const MAX_PART_HEADER_BYTES = 8 * 1024;

/** The boundary of a `multipart/form-data` Content-Type, or null for any other type. */
export function multipartBoundary(contentType: string | undefined): string | null {
  if (contentType === undefined || !/^\s*multipart\/form-data\s*(;|$)/i.test(contentType)) return null;
  const m = /;\s*boundary=(?:"([^"]{1,70})"|([^\s;"]{1,70}))/i.exec(contentType);
  if (m === null) throw new HttpError(400, 'The multipart/form-data request has no boundary parameter.');
  return m[1] ?? m[2];
}

function headerParam(header: string, key: string): string | undefined {
  const m = new RegExp(`;\\s*${key}="([^"]*)"|;\\s*${key}=([^;\\s]+)`, 'i').exec(header);
  return m === null ? undefined : (m[1] ?? m[2]);
}

/** The parts of a multipart/form-data body; a 400 naming what is wrong when it is not well formed. */
export function parseMultipart(body: Buffer, boundary: string): FormPart[] {
  const bad = (what: string): HttpError => new HttpError(400, `The multipart/form-data body ${what}.`);
  const delimiter = Buffer.from(`--${boundary}`);
  let at = body.indexOf(delimiter);
  if (at < 0) throw bad('does not contain its boundary');
  const parts: FormPart[] = [];
  for (;;) {
    at += delimiter.length;
    if (body.subarray(at, at + 2).toString('latin1') === '--') return parts;
    if (body.subarray(at, at + 2).toString('latin1') !== '\r\n') throw bad('has a malformed boundary line');
    at += 2;
    const headerEnd = body.indexOf('\r\n\r\n', at);
    if (headerEnd < 0 || headerEnd - at > MAX_PART_HEADER_BYTES) throw bad('has a part without a header end');
    const headers = new Map<string, string>();
    for (const line of body.subarray(at, headerEnd).toString('utf8').split('\r\n')) {
      const colon = line.indexOf(':');
      if (colon <= 0) throw bad(`has a malformed part header '${line.slice(0, 60)}'`);
      headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
    }
    const next = body.indexOf(Buffer.concat([Buffer.from('\r\n'), delimiter]), headerEnd + 4);
    if (next < 0) throw bad('ends before its closing boundary');
    const disposition = headers.get('content-disposition') ?? '';
    if (!/^form-data\s*(;|$)/i.test(disposition)) throw bad('has a part that is not form-data');
    parts.push({
      name: headerParam(disposition, 'name'),
      filename: headerParam(disposition, 'filename'),
      contentType: headers.get('content-type'),
      data: body.subarray(headerEnd + 4, next),
    });
    if (parts.length > MAX_PARTS) throw bad(`has more than ${MAX_PARTS} parts`);
    at = next + 2;
  }
}

/** An uploaded image: its bytes and the name results and errors give it. */
export interface Upload {
  name: string;
  bytes: Uint8Array;
}

/**
 * The image of a request: the body itself, or with multipart/form-data the part named `image` or
 * `file`, else the first part with a file name. `fallbackName` names a body without a file name.
 */
export function imageUpload(body: Buffer, contentType: string | undefined, fallbackName: string): Upload {
  const boundary = multipartBoundary(contentType);
  if (boundary === null) {
    if (body.length === 0)
      throw new HttpError(400, 'The request body is empty; send an image (PNG or JPEG).');
    return { name: fallbackName, bytes: body };
  }
  const parts = parseMultipart(body, boundary);
  const part =
    parts.find((p) => p.name === 'image' || p.name === 'file') ?? parts.find((p) => p.filename !== undefined);
  if (part === undefined) {
    throw new HttpError(400, "The form has no image; send it in a part named 'image' or 'file'.");
  }
  if (part.data.length === 0) throw new HttpError(400, 'The uploaded image is empty.');
  return { name: part.filename || fallbackName, bytes: part.data };
}
