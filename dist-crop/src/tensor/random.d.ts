/** Seeded pseudo-random numbers (mulberry32) for reproducible initialization. */
export declare class Rng {
    private state;
    private spare;
    constructor(seed: number);
    /** Uniform in [0, 1). */
    uniform(): number;
    /** Standard normal via Box–Muller. */
    normal(): number;
}
