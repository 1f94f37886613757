/**
 * Deterministic seeds for exact resume. Every random draw of a training step takes its seed from
 * (run seed, step, stream), never from a generator that advances with the run: resuming at step N
 * then draws the same noise as an uninterrupted run, whatever happened before step N.
 */

/** 32-bit FNV-1a hash of a string: stable names for noise streams ('eps', 'timesteps', 'binarize'). */
export function hashString(text: string): number {
    let h = 0x811c9dc5;
    for (let i = 0; i < text.length; i++) {
        h ^= text.charCodeAt(i);
        h = Math.imul(h, 0x01000193);
    }
    return h >>> 0;
}

/** The 32-bit finalizer of MurmurHash3: spreads every input bit over the output. */
function fmix32(h: number): number {
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    return h >>> 0;
}

/**
 * The seed of one random draw: a hash of the run's seed, the step (or epoch) and the stream name.
 * Returns an integer in [1, 2^31), which tf.random* functions accept as `seed`.
 */
export function deriveSeed(seed: number, step: number, stream: string): number {
    let h = fmix32((seed | 0) ^ 0x9e3779b9);
    h = fmix32(h ^ Math.imul(step >>> 0, 0x27d4eb2f) ^ Math.floor(step / 0x100000000));
    h = fmix32(h ^ hashString(stream));
    // tfjs treats a seed of 0 as "no seed" (Math.random), so 0 is never returned.
    return h & 0x7fffffff || 1;
}
