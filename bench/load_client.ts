/**
 * The load generator of serve_load.ts: keep-alive HTTP/1.1 connections on plain sockets, each
 * sending one request at a time, every request written once in advance (head and body in one
 * buffer) and every answer framed by its Content-Length, as autocannon does. Node's http client
 * spent about 1 ms of CPU per request here, on the two cores the server under test also runs on;
 * this one spends a fraction of that, so the load it puts beside the server is mostly the server's
 * own work.
 */
import { connect, type Socket } from 'node:net';

/** A request written out: the bytes of its head and body. */
export type RawRequest = Buffer;

/** POST `path` with `body` and `headers`, as the bytes sent on the wire. */
export function rawPost(
  host: string,
  path: string,
  body: Uint8Array,
  headers: Record<string, string>,
): RawRequest {
  const head = [
    `POST ${path} HTTP/1.1`,
    `Host: ${host}`,
    `Content-Length: ${body.length}`,
    ...Object.entries(headers).map(([k, v]) => `${k}: ${v}`),
    '',
    '',
  ].join('\r\n');
  return Buffer.concat([Buffer.from(head, 'latin1'), body]);
}

const HEAD_END = Buffer.from('\r\n\r\n');

/** One keep-alive connection: `send` writes a request and resolves to the answer's status code. */
export class LoadConnection {
  private readonly socket: Socket;
  private received: Buffer[] = [];
  private size = 0;
  /** The answer's total length once its head has been read. */
  private expected = -1;
  private status = 0;
  private waiting: { resolve(status: number): void; reject(e: Error): void } | null = null;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => this.onData(chunk));
    const fail = (e: Error): void => {
      const w = this.waiting;
      this.waiting = null;
      w?.reject(e);
    };
    socket.on('error', fail);
    socket.on('close', () => fail(new Error('the server closed the connection')));
  }

  static open(host: string, port: number): Promise<LoadConnection> {
    return new Promise((resolve, reject) => {
      const socket = connect({ host, port }, () => {
        socket.off('error', reject);
        resolve(new LoadConnection(socket));
      });
      socket.once('error', reject);
    });
  }

  send(request: RawRequest): Promise<number> {
    if (this.waiting !== null) throw new Error('LoadConnection.send: one request at a time');
    return new Promise((resolve, reject) => {
      this.waiting = { resolve, reject };
      this.socket.write(request);
    });
  }

  close(): void {
    this.socket.destroy();
  }

  private onData(chunk: Buffer): void {
    this.received.push(chunk);
    this.size += chunk.length;
    if (this.expected < 0) {
      const all = this.received.length === 1 ? chunk : Buffer.concat(this.received, this.size);
      this.received = [all];
      const end = all.indexOf(HEAD_END);
      if (end < 0) return;
      const head = all.toString('latin1', 0, end);
      this.status = Number(head.slice(9, 12));
      const length = /\r\ncontent-length:\s*(\d+)/i.exec(head);
      if (length === null) {
        this.socket.destroy(new Error(`an answer without Content-Length: ${head.split('\r\n')[0]}`));
        return;
      }
      this.expected = end + HEAD_END.length + Number(length[1]);
    }
    if (this.size < this.expected) return;
    if (this.size > this.expected) {
      this.socket.destroy(new Error('bytes after the answer to a request not yet sent'));
      return;
    }
    this.received = [];
    this.size = 0;
    this.expected = -1;
    const w = this.waiting;
    this.waiting = null;
    w?.resolve(this.status);
  }
}
