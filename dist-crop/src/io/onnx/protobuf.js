/**
 * A minimal protocol-buffers writer: just what ONNX's ModelProto needs (varints, 64-bit ints, floats,
 * strings, bytes, packed repeated ints and floats, nested messages). Small fields collect in a byte
 * list; big payloads (raw tensor data, nested messages) are kept as chunks and copied once in `finish`.
 */
const WIRE_VARINT = 0;
const WIRE_LENGTH_DELIMITED = 2;
const WIRE_FIXED32 = 5;
const TWO_POW_64 = 1n << 64n;
const textEncoder = new TextEncoder();
export class ProtoWriter {
    chunks = [];
    pending = [];
    chunkBytes = 0;
    /** Bytes written so far. */
    get length() {
        return this.chunkBytes + this.pending.length;
    }
    flush() {
        if (this.pending.length === 0)
            return;
        this.chunks.push(Uint8Array.from(this.pending));
        this.chunkBytes += this.pending.length;
        this.pending = [];
    }
    append(bytes) {
        if (bytes.length < 64) {
            for (const b of bytes)
                this.pending.push(b);
            return;
        }
        this.flush();
        this.chunks.push(bytes);
        this.chunkBytes += bytes.length;
    }
    /** A raw varint: non-negative integers, or any int64 (negatives take ten bytes, two's complement). */
    varint(value) {
        if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) {
            let v = value;
            while (v >= 0x80) {
                this.pending.push((v % 0x80) | 0x80);
                v = Math.floor(v / 0x80);
            }
            this.pending.push(v);
            return;
        }
        let v = BigInt(value);
        if (v < -(1n << 63n) || v >= TWO_POW_64)
            throw new RangeError(`${value} does not fit in 64 bits`);
        if (v < 0n)
            v += TWO_POW_64;
        while (v >= 0x80n) {
            this.pending.push(Number(v & 0x7fn) | 0x80);
            v >>= 7n;
        }
        this.pending.push(Number(v));
    }
    tag(field, wireType) {
        this.varint(field * 8 + wireType);
    }
    /** int32/int64/uint64/enum/bool field (varint encoding). */
    int(field, value) {
        this.tag(field, WIRE_VARINT);
        this.varint(value);
        return this;
    }
    /** float field (fixed32, little-endian). */
    float(field, value) {
        this.tag(field, WIRE_FIXED32);
        const bytes = new Uint8Array(4);
        new DataView(bytes.buffer).setFloat32(0, value, true);
        this.append(bytes);
        return this;
    }
    /** bytes field. The array is referenced, not copied, until `finish`. */
    bytes(field, value) {
        this.tag(field, WIRE_LENGTH_DELIMITED);
        this.varint(value.length);
        this.append(value);
        return this;
    }
    /** string field (UTF-8). */
    string(field, value) {
        return this.bytes(field, textEncoder.encode(value));
    }
    /** Embedded message field. */
    message(field, value) {
        this.tag(field, WIRE_LENGTH_DELIMITED);
        this.varint(value.length);
        value.flush();
        this.flush();
        for (const chunk of value.chunks)
            this.chunks.push(chunk);
        this.chunkBytes += value.length;
        return this;
    }
    /** Packed repeated int32/int64 field. */
    packedInts(field, values) {
        const inner = new ProtoWriter();
        for (const v of values)
            inner.varint(v);
        inner.flush();
        return this.bytes(field, inner.length === 0 ? new Uint8Array(0) : concat(inner.chunks, inner.length));
    }
    /** Packed repeated float field. */
    packedFloats(field, values) {
        const bytes = new Uint8Array(4 * values.length);
        const view = new DataView(bytes.buffer);
        values.forEach((v, i) => view.setFloat32(4 * i, v, true));
        return this.bytes(field, bytes);
    }
    /** The encoded message as one contiguous array. */
    finish() {
        this.flush();
        return concat(this.chunks, this.chunkBytes);
    }
}
function concat(chunks, total) {
    if (chunks.length === 1)
        return chunks[0];
    const out = new Uint8Array(total);
    let offset = 0;
    for (const chunk of chunks) {
        out.set(chunk, offset);
        offset += chunk.length;
    }
    return out;
}
//# sourceMappingURL=protobuf.js.map