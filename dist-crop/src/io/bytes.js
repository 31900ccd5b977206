/** Byte-order helpers shared by the file writers: every format this library writes is little-endian. */
import { endianness } from 'node:os';
export const HOST_IS_LE = endianness() === 'LE';
/** `bytes` (elements of `width` bytes in host order) in little-endian order; no copy on LE hosts. */
export function littleEndian(bytes, width) {
    if (HOST_IS_LE)
        return bytes;
    const out = new Uint8Array(bytes.length);
    for (let i = 0; i < bytes.length; i += width) {
        for (let j = 0; j < width; j++)
            out[i + j] = bytes[i + width - 1 - j];
    }
    return out;
}
/** The little-endian bytes of float32 values (a view on LE hosts). */
export function float32Bytes(data) {
    return littleEndian(new Uint8Array(data.buffer, data.byteOffset, data.byteLength), 4);
}
//# sourceMappingURL=bytes.js.map