/**
 * Byte helpers shared by the file readers and writers: byte order (every format this library writes
 * is little-endian) and the CRC-32 that zip and PNG use.
 */
import { endianness } from 'node:os';
import * as zlib from 'node:zlib';

export const HOST_IS_LE = endianness() === 'LE';

/** `bytes` (elements of `width` bytes in host order) in little-endian order; no copy on LE hosts. */
export function littleEndian(bytes: Uint8Array, width: number): Uint8Array {
  if (HOST_IS_LE) return bytes;
  const out = new Uint8Array(bytes.length);
  for (let i = 0; i < bytes.length; i += width) {
    for (let j = 0; j < width; j++) out[i + j] = bytes[i + width - 1 - j];
  }
  return out;
}

/** The little-endian bytes of float32 values (a view on LE hosts). */
export function float32Bytes(data: Float32Array): Uint8Array {
  return littleEndian(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 4);
}

const CRC_TABLE = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

/** CRC-32 (IEEE 802.3, as zip and PNG use), unsigned: zlib's when the runtime has it (Node ≥ 20.15), else a table. */
export function crc32(bytes: Uint8Array): number {
  if (typeof zlib.crc32 === 'function') return zlib.crc32(bytes) >>> 0;
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
