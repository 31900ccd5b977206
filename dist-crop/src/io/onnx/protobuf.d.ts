/**
 * A minimal protocol-buffers writer: just what ONNX's ModelProto needs (varints, 64-bit ints, floats,
 * strings, bytes, packed repeated ints and floats, nested messages). Small fields collect in a byte
 * list; big payloads (raw tensor data, nested messages) are kept as chunks and copied once in `finish`.
 */
export declare class ProtoWriter {
    private readonly chunks;
    private pending;
    private chunkBytes;
    /** Bytes written so far. */
    get length(): number;
    private flush;
    private append;
    /** A raw varint: non-negative integers, or any int64 (negatives take ten bytes, two's complement). */
    private varint;
    private tag;
    /** int32/int64/uint64/enum/bool field (varint encoding). */
    int(field: number, value: number | bigint): this;
    /** float field (fixed32, little-endian). */
    float(field: number, value: number): this;
    /** bytes field. The array is referenced, not copied, until `finish`. */
    bytes(field: number, value: Uint8Array): this;
    /** string field (UTF-8). */
    string(field: number, value: string): this;
    /** Embedded message field. */
    message(field: number, value: ProtoWriter): this;
    /** Packed repeated int32/int64 field. */
    packedInts(field: number, values: readonly (number | bigint)[]): this;
    /** Packed repeated float field. */
    packedFloats(field: number, values: readonly number[]): this;
    /** The encoded message as one contiguous array. */
    finish(): Uint8Array;
}
