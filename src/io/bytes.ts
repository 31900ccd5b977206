/**
 * Byte helpers shared by the file readers and writers: byte order (every format this library writes
 * is little-endian) and the CRC-32 that zip and PNG use.
 */
export const HOST_IS_LE = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

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

/**
 * CRC-32 tables for slicing by 8 (eight bytes per step): table k maps a byte to the CRC of that byte
 * followed by k zero bytes; table 0 is the classic byte-at-a-time table.
 */
const CRC_TABLES = (() => {
  const t = new Int32Array(8 * 256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c;
  }
  for (let k = 1; k < 8; k++) {
    for (let n = 0; n < 256; n++) {
      const prev = t[(k - 1) * 256 + n];
      t[k * 256 + n] = (prev >>> 8) ^ t[prev & 0xff];
    }
  }
  return t;
})();

/** CRC-32 (IEEE 802.3, as zip and PNG use), unsigned. */
export function crc32(bytes: Uint8Array): number {
  const t = CRC_TABLES;
  let c = -1;
  let i = 0;
  for (const end = bytes.length - (bytes.length % 8); i < end; i += 8) {
    const lo = c ^ (bytes[i] | (bytes[i + 1] << 8) | (bytes[i + 2] << 16) | (bytes[i + 3] << 24));
    c =
      t[1792 + (lo & 0xff)] ^
      t[1536 + ((lo >>> 8) & 0xff)] ^
      t[1280 + ((lo >>> 16) & 0xff)] ^
      t[1024 + (lo >>> 24)] ^
      t[768 + bytes[i + 4]] ^
      t[512 + bytes[i + 5]] ^
      t[256 + bytes[i + 6]] ^
      t[bytes[i + 7]];
  }
  for (; i < bytes.length; i++) c = t[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ -1) >>> 0;
}
