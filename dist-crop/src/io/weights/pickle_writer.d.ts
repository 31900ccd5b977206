/**
 * Minimal pickle protocol 2 emitter, just enough for torch.save-style checkpoints. It follows
 * CPython's pickler byte for byte for the values it supports: every memoizable object gets a
 * BINPUT/LONG_BINPUT right after it is built, and values the caller marks as shared (globals and
 * strings torch reuses, such as 'storage' and 'cpu') are written once and then fetched with
 * BINGET/LONG_BINGET.
 */
/** CPython's pickler writes dict items in SETITEMS batches of this many. */
export declare const PICKLE_BATCH_SIZE = 1000;
/** Appends pickle opcodes to a growing buffer; `finish()` adds STOP and returns the bytes. */
export declare class PickleWriter {
    private buf;
    private len;
    private memoSize;
    private readonly sharedMemo;
    constructor();
    private reserve;
    private bytes;
    private u32;
    private withIndex;
    /** Memoizes the object just built (BINPUT); returns its memo index. */
    put(): number;
    /**
     * Writes a value that may repeat: the first time via `write` (then memoized under `key`),
     * afterwards as a memo fetch.
     */
    shared(key: string, write: () => void): void;
    /** `module.name` as GLOBAL, written once per pickle. */
    global(module: string, name: string): void;
    /** A str; `shareAs` makes repeated writes of the same Python object fetch it from the memo. */
    str(s: string, shareAs?: string): void;
    /** A Python int, encoded as CPython's protocol 2 pickler does. */
    int(n: number): void;
    bool(b: boolean): void;
    /** A tuple whose items `writeItems` writes; memoized unless empty. */
    tuple(count: number, writeItems: () => void): void;
    /** A tuple of ints (tensor sizes and strides). */
    intTuple(values: readonly number[]): void;
    /** Calls the callable and arguments on the stack (REDUCE) and memoizes the result. */
    reduce(): void;
    /** Replaces the tuple on the stack with persistent_load(tuple). */
    persistentId(): void;
    /** Adds items to the dict on the stack: `count` key/value pairs written by `writeItem(i)`. */
    setItems(count: number, writeItem: (i: number) => void): void;
    finish(): Uint8Array;
    private op;
}
