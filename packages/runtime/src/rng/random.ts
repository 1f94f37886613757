/**
 * A small seeded generator for host-side randomness (shuffles, stochastic binarization):
 * mulberry32, whose whole state is one 32-bit integer, so it can be checkpointed exactly.
 */
export class Random {
    private s: number;

    constructor(seed: number) {
        this.s = seed >>> 0;
    }

    /** The state, to save in a checkpoint; `Random.fromState` restores it. */
    get state(): number {
        return this.s;
    }

    static fromState(state: number): Random {
        return new Random(state);
    }

    /** A uniform float in [0, 1). */
    next(): number {
        this.s = (this.s + 0x6d2b79f5) >>> 0;
        let t = this.s;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    }

    /** A uniform integer in [0, n). */
    int(n: number): number {
        return Math.floor(this.next() * n);
    }

    /** A standard normal draw (Box–Muller). */
    normal(): number {
        let u = this.next();
        while (u === 0) u = this.next();
        return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * this.next());
    }

    /** A random permutation of 0..n-1 (Fisher–Yates). */
    permutation(n: number): Uint32Array {
        const p = new Uint32Array(n);
        for (let i = 0; i < n; i++) p[i] = i;
        for (let i = n - 1; i > 0; i--) {
            const j = this.int(i + 1);
            const t = p[i];
            p[i] = p[j];
            p[j] = t;
        }
        return p;
    }
}
