/**
 * The server's request bodies (src/serve/body.ts readBody) and where a KServe v2 request's binary
 * tensor data ends up (src/serve/kserve.ts): a body is a buffer of its own placed so that the byte
 * the caller names is 4-byte aligned, with or without a Content-Length, and refused when it passes
 * the limit and never accepted when it ends early; binary tensor data that is aligned is read where it lies (no copy),
 * misaligned data is copied, and both give the same floats.
 */
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, request, type IncomingMessage } from 'node:http';
import { connect, type AddressInfo } from 'node:net';
import { test } from 'node:test';
import { bodyPad, readBody } from '../src/serve/body.js';
import { HttpError } from '../src/serve/http_error.js';
import { parseInferBody } from '../src/serve/kserve.js';
import { binaryTensorBody } from './helpers/serve.js';

/** A server whose every request body goes through readBody(req, limit, alignAt from a header). */
async function bodyServer(limit: number): Promise<{ url: string; bodies: Buffer[]; close(): void }> {
  const bodies: Buffer[] = [];
  const server = createServer((req: IncomingMessage, res) => {
    readBody(req, limit, Number(req.headers['x-align-at'] ?? 0)).then(
      (body) => {
        bodies.push(body);
        res.end(
          JSON.stringify({ length: body.length, offset: body.byteOffset, buffer: body.buffer.byteLength }),
        );
      },
      (e: unknown) => {
        res.statusCode = e instanceof HttpError ? e.status : 500;
        res.end(e instanceof Error ? e.message : String(e));
      },
    );
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, bodies, close: () => server.close() };
}

function post(
  url: string,
  body: Uint8Array[],
  headers: Record<string, string>,
): Promise<{ status: number; text: string }> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const req = request({ hostname, port, method: 'POST', path: '/', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString() }));
    });
    req.on('error', reject);
    for (const part of body) req.write(part);
    req.end();
  });
}

/** Writes `head` on a socket of its own (half-closing it when `end`) and returns what comes back before it closes. */
async function rawExchange(url: string, head: string, end: boolean): Promise<string> {
  const { port } = new URL(url);
  const socket = connect(Number(port), '127.0.0.1');
  await once(socket, 'connect');
  const answer: Buffer[] = [];
  socket.on('data', (c: Buffer) => {
    answer.push(c);
    if (!end) socket.destroy();
  });
  if (end) socket.end(head);
  else socket.write(head);
  await once(socket, 'close');
  return Buffer.concat(answer).toString();
}

test('bodyPad: 0 to 3 bytes that make the named byte 4-byte aligned', () => {
  assert.deepEqual(
    [0, 1, 2, 3, 4, 5, 1001].map((n) => bodyPad(n)),
    [0, 3, 2, 1, 0, 3, 3],
  );
  for (const odd of [Number.NaN, 1.5, -1, Number.MAX_VALUE]) {
    const pad = bodyPad(odd);
    assert.ok(Number.isInteger(pad) && pad >= 0 && pad <= 3, `${odd} → ${pad}`);
  }
});

test('readBody: the bytes sent, in a buffer of their own with the named byte aligned, with or without Content-Length', async () => {
  const s = await bodyServer(1 << 20);
  try {
    const bytes = Buffer.from(Array.from({ length: 70_001 }, (_, i) => (i * 7) & 0xff));
    for (const alignAt of [0, 1, 2, 3, 517]) {
      // In pieces with a Content-Length, then chunked (no length known until the end).
      const pieces = [bytes.subarray(0, 1000), bytes.subarray(1000, 40_000), bytes.subarray(40_000)];
      const framings: Record<string, string>[] = [
        { 'Content-Length': String(bytes.length) },
        { 'Transfer-Encoding': 'chunked' },
      ];
      for (const headers of framings) {
        const r = await post(s.url, pieces, { ...headers, 'X-Align-At': String(alignAt) });
        assert.equal(r.status, 200, r.text);
        const got = s.bodies.at(-1)!;
        assert.ok(got.equals(bytes), `alignAt ${alignAt}, ${JSON.stringify(headers)}: the same bytes`);
        assert.equal((got.byteOffset + alignAt) % 4, 0, `byte ${alignAt} aligned (offset ${got.byteOffset})`);
        assert.equal(got.byteOffset + got.length, got.buffer.byteLength, 'the body ends its buffer');
        assert.ok(got.buffer.byteLength > Buffer.poolSize, 'not the shared pool');
      }
    }
    const empty = await post(s.url, [], { 'Content-Length': '0' });
    assert.equal(empty.status, 200);
    assert.equal(s.bodies.at(-1)!.length, 0);
  } finally {
    s.close();
  }
});

test('readBody: 413 past the limit (declared or sent); a body that ends before its Content-Length is not accepted', async () => {
  const s = await bodyServer(1000);
  try {
    // Only the head, declaring more than the limit: the answer comes before any body byte.
    const declared = await rawExchange(
      s.url,
      'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 1001\r\n\r\n',
      false,
    );
    assert.match(declared, /^HTTP\/1\.1 413/, declared.slice(0, 80));
    const sent = await post(s.url, [Buffer.alloc(600), Buffer.alloc(600)], {
      'Transfer-Encoding': 'chunked',
    });
    assert.equal(sent.status, 413);
    assert.match(sent.text, /larger than the server's limit of 1000 bytes/);
    // A client that declares 100 bytes, sends 10 and half-closes: the body ends early.
    const text = await rawExchange(
      s.url,
      'POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 100\r\n\r\n0123456789',
      true,
    );
    assert.doesNotMatch(text, /^HTTP\/1\.1 200/, text.slice(0, 80));
    assert.equal(s.bodies.length, 0, 'no body was accepted');
  } finally {
    s.close();
  }
});

test('binary tensor data: aligned, read where it lies; misaligned, copied; the same floats', () => {
  const values = Float32Array.from({ length: 3 * 32 * 32 }, (_, i) => Math.sin(i) * 3);
  const limits = { maxImages: 4, maxValues: 1 << 20, outputSizes: { logits: 10, pool: 8 } };
  const { body, headers } = binaryTensorBody(
    {
      inputs: [
        {
          name: 'input',
          shape: [1, 3, 32, 32],
          datatype: 'FP32',
          parameters: { binary_data_size: values.length * 4 },
        },
      ],
    },
    [values],
  );
  const headerLength = Number(headers['Inference-Header-Content-Length']);
  for (const pad of [0, 1, 2, 3]) {
    const buffer = new ArrayBuffer(pad + body.length);
    const bytes = new Uint8Array(buffer, pad, body.length);
    bytes.set(body);
    const [image] = parseInferBody(bytes, limits, String(headerLength)).images;
    assert.deepEqual(Array.from(image!), Array.from(values), `pad ${pad}`);
    const aligned = (pad + headerLength) % 4 === 0;
    assert.equal(image!.buffer === buffer, aligned, `pad ${pad}: in place only when aligned`);
    if (aligned) assert.equal(image!.byteOffset, pad + headerLength);
  }
});
