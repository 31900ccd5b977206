/** A worker of the WebAssembly engine in Node (a worker_threads worker started by platform_node.ts). */
import { closeSync, openSync, readSync } from 'node:fs';
import { parentPort } from 'node:worker_threads';
import { FileFormatError } from '../../errors.js';
import type { FileTensor } from '../../plan/plan.js';
import { serve } from './serve.js';

/** `length` little-endian float32 values at byte `offset` of `file`. */
function readTensor(t: FileTensor): Float32Array {
  const out = new Float32Array(t.length);
  const bytes = new Uint8Array(out.buffer);
  const fd = openSync(t.file, 'r');
  try {
    for (let done = 0; done < bytes.length;) {
      const n = readSync(fd, bytes, done, bytes.length - done, t.offset + done);
      if (n === 0) {
        throw new FileFormatError(
          `${t.file}: cannot read ${t.length} float32 values at byte ${t.offset} (the file changed or is truncated).`,
        );
      }
      done += n;
    }
  } finally {
    closeSync(fd);
  }
  return out;
}

const port = parentPort;
if (port === null) throw new Error('worker_node.js runs as a worker thread');
serve(
  { post: (message, transfer) => port.postMessage(message, transfer), listen: (h) => port.on('message', h) },
  readTensor,
);
