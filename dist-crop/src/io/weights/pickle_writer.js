/**
 * Minimal pickle protocol 2 emitter, just enough for torch.save-style checkpoints. It follows
 * CPython's pickler byte for byte for the values it supports: every memoizable object gets a
 * BINPUT/LONG_BINPUT right after it is built, and values the caller marks as shared (globals and
 * strings torch reuses, such as 'storage' and 'cpu') are written once and then fetched with
 * BINGET/LONG_BINGET.
 */
const OP = {
    PROTO: 0x80,
    GLOBAL: 0x63,
    BINPUT: 0x71,
    LONG_BINPUT: 0x72,
    BINGET: 0x68,
    LONG_BINGET: 0x6a,
    MARK: 0x28,
    TUPLE: 0x74,
    TUPLE1: 0x85,
    TUPLE2: 0x86,
    TUPLE3: 0x87,
    EMPTY_TUPLE: 0x29,
    BININT: 0x4a,
    BININT1: 0x4b,
    BININT2: 0x4d,
    LONG1: 0x8a,
    BINUNICODE: 0x58,
    NEWTRUE: 0x88,
    NEWFALSE: 0x89,
    REDUCE: 0x52,
    BINPERSID: 0x51,
    SETITEM: 0x73,
    SETITEMS: 0x75,
    STOP: 0x2e,
};
/** CPython's pickler writes dict items in SETITEMS batches of this many. */
export const PICKLE_BATCH_SIZE = 1000;
/** Appends pickle opcodes to a growing buffer; `finish()` adds STOP and returns the bytes. */
export class PickleWriter {
    buf = new Uint8Array(4096);
    len = 0;
    memoSize = 0;
    sharedMemo = new Map();
    constructor() {
        this.bytes([OP.PROTO, 2]);
    }
    reserve(n) {
        if (this.len + n <= this.buf.length)
            return;
        const next = new Uint8Array(Math.max(this.buf.length * 2, this.len + n));
        next.set(this.buf.subarray(0, this.len));
        this.buf = next;
    }
    bytes(b) {
        this.reserve(b.length);
        this.buf.set(b, this.len);
        this.len += b.length;
    }
    u32(op, v) {
        this.reserve(5);
        this.buf[this.len] = op;
        new DataView(this.buf.buffer).setUint32(this.len + 1, v, true);
        this.len += 5;
    }
    withIndex(shortOp, longOp, index) {
        if (index < 256)
            this.bytes([shortOp, index]);
        else
            this.u32(longOp, index);
    }
    /** Memoizes the object just built (BINPUT); returns its memo index. */
    put() {
        const index = this.memoSize++;
        this.withIndex(OP.BINPUT, OP.LONG_BINPUT, index);
        return index;
    }
    /**
     * Writes a value that may repeat: the first time via `write` (then memoized under `key`),
     * afterwards as a memo fetch.
     */
    shared(key, write) {
        const index = this.sharedMemo.get(key);
        if (index !== undefined) {
            this.withIndex(OP.BINGET, OP.LONG_BINGET, index);
            return;
        }
        write();
        this.sharedMemo.set(key, this.put());
    }
    /** `module.name` as GLOBAL, written once per pickle. */
    global(module, name) {
        this.shared(`global:${module}\n${name}`, () => {
            this.op(OP.GLOBAL);
            this.bytes(new TextEncoder().encode(`${module}\n${name}\n`));
        });
    }
    /** A str; `shareAs` makes repeated writes of the same Python object fetch it from the memo. */
    str(s, shareAs) {
        const write = () => {
            const utf8 = new TextEncoder().encode(s);
            this.u32(OP.BINUNICODE, utf8.length);
            this.bytes(utf8);
        };
        if (shareAs !== undefined) {
            this.shared(`str:${shareAs}`, write);
        }
        else {
            write();
            this.put();
        }
    }
    /** A Python int, encoded as CPython's protocol 2 pickler does. */
    int(n) {
        if (!Number.isSafeInteger(n))
            throw new RangeError(`cannot pickle ${n} as an int`);
        if (n >= 0 && n < 256)
            this.bytes([OP.BININT1, n]);
        else if (n >= 0 && n < 65536)
            this.bytes([OP.BININT2, n & 0xff, n >> 8]);
        else if (n >= -0x80000000 && n <= 0x7fffffff)
            this.u32(OP.BININT, n >>> 0);
        else {
            // LONG1: the shortest little-endian two's complement encoding.
            const v = BigInt(n);
            let width = 1;
            while (v < -(1n << BigInt(8 * width - 1)) || v >= 1n << BigInt(8 * width - 1))
                width++;
            const bits = BigInt.asUintN(8 * width, v);
            const out = Array.from({ length: width }, (_, i) => Number((bits >> BigInt(8 * i)) & 0xffn));
            this.bytes([OP.LONG1, width, ...out]);
        }
    }
    bool(b) {
        this.op(b ? OP.NEWTRUE : OP.NEWFALSE);
    }
    /** A tuple whose items `writeItems` writes; memoized unless empty. */
    tuple(count, writeItems) {
        if (count === 0) {
            this.op(OP.EMPTY_TUPLE);
            return;
        }
        if (count > 3)
            this.op(OP.MARK);
        writeItems();
        this.op(count > 3 ? OP.TUPLE : [OP.TUPLE1, OP.TUPLE2, OP.TUPLE3][count - 1]);
        this.put();
    }
    /** A tuple of ints (tensor sizes and strides). */
    intTuple(values) {
        this.tuple(values.length, () => values.forEach((v) => this.int(v)));
    }
    /** Calls the callable and arguments on the stack (REDUCE) and memoizes the result. */
    reduce() {
        this.op(OP.REDUCE);
        this.put();
    }
    /** Replaces the tuple on the stack with persistent_load(tuple). */
    persistentId() {
        this.op(OP.BINPERSID);
    }
    /** Adds items to the dict on the stack: `count` key/value pairs written by `writeItem(i)`. */
    setItems(count, writeItem) {
        for (let start = 0; start < count; start += PICKLE_BATCH_SIZE) {
            const end = Math.min(count, start + PICKLE_BATCH_SIZE);
            if (end - start > 1)
                this.op(OP.MARK);
            for (let i = start; i < end; i++)
                writeItem(i);
            this.op(end - start > 1 ? OP.SETITEMS : OP.SETITEM);
        }
    }
    finish() {
        this.op(OP.STOP);
        return this.buf.slice(0, this.len);
    }
    op(code) {
        this.bytes([code]);
    }
}
//# sourceMappingURL=pickle_writer.js.map