/** Seeded pseudo-random numbers (mulberry32) for reproducible initialization. */
export class Rng {
    state;
    spare = null;
    constructor(seed) {
        this.state = seed >>> 0;
    }
    /** Uniform in [0, 1). */
    uniform() {
        let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    }
    /** Standard normal via Box–Muller. */
    normal() {
        if (this.spare !== null) {
            const v = this.spare;
            this.spare = null;
            return v;
        }
        const u = 1 - this.uniform();
        const v = this.uniform();
        const r = Math.sqrt(-2 * Math.log(u));
        this.spare = r * Math.sin(2 * Math.PI * v);
        return r * Math.cos(2 * Math.PI * v);
    }
}
//# sourceMappingURL=random.js.map