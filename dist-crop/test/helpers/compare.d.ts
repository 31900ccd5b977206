export interface ErrorStats {
    maxAbs: number;
    maxRef: number;
    /** maxAbs / max|reference|. */
    rel: number;
}
export declare function errorStats(actual: ArrayLike<number>, expected: ArrayLike<number>): ErrorStats;
/** Asserts max|a − e| ≤ rtol · max|e| (and returns the stats for the test log). */
export declare function assertClose(actual: ArrayLike<number>, expected: ArrayLike<number>, rtol: number, what: string): ErrorStats;
