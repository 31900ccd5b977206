export declare const HOST_IS_LE: boolean;
/** `bytes` (elements of `width` bytes in host order) in little-endian order; no copy on LE hosts. */
export declare function littleEndian(bytes: Uint8Array, width: number): Uint8Array;
/** The little-endian bytes of float32 values (a view on LE hosts). */
export declare function float32Bytes(data: Float32Array): Uint8Array;
