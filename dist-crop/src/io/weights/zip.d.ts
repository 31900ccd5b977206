export interface ZipEntry {
    readonly name: string;
    readonly method: number;
    readonly compressedSize: number;
    readonly size: number;
    readonly crc: number;
    readonly localHeaderOffset: number;
}
/** CRC-32 (IEEE 802.3, as zip uses), unsigned: zlib's when the runtime has it (Node ≥ 20.15), else a table. */
export declare function crc32(bytes: Uint8Array): number;
/** An opened archive: entry table plus on-demand reading of entry data. */
export declare class ZipArchive {
    readonly entries: ReadonlyMap<string, ZipEntry>;
    private readonly buf;
    private readonly dv;
    private readonly source;
    constructor(buf: Uint8Array, source: string);
    private fail;
    private u16;
    private u32;
    private u64;
    /** Throws unless [at, at + len) lies inside the file. */
    private need;
    private findEocd;
    private readCentralDirectory;
    private readCentralEntry;
    /** The entry's uncompressed bytes (a view into the file for stored entries). */
    read(name: string): Uint8Array;
}
/** Opens an in-memory zip archive; `source` names the file in error messages. */
export declare function openZip(buf: Uint8Array, source: string): ZipArchive;
