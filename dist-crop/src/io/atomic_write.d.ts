export declare function writeFileAtomic(path: string, chunks: Iterable<Uint8Array>): void;
/** Copies `from` over `path` with the same guarantee. */
export declare function copyFileAtomic(from: string, path: string): void;
