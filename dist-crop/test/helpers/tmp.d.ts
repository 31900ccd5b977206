/** Returns a function that makes a fresh directory named `prefix…` each time it is called. */
export declare function tempDirs(prefix: string): () => string;
