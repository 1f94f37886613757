import { describe, expect, it } from 'vitest';
import { deriveSeed, hashString, Random } from '../src/rng/index.js';

describe('derived seeds', () => {
    it('depend on seed, step and stream, and on nothing else', () => {
        expect(deriveSeed(1, 10, 'eps/z')).toBe(deriveSeed(1, 10, 'eps/z'));
        const seeds = new Set<number>();
        for (const seed of [0, 1, 2]) for (let step = 0; step < 200; step++) for (const stream of ['eps/z', 't/x', 'shuffle']) seeds.add(deriveSeed(seed, step, stream));
        expect(seeds.size).toBe(3 * 200 * 3);
        for (const s of seeds) {
            expect(Number.isInteger(s)).toBe(true);
            expect(s).toBeGreaterThanOrEqual(1); // tfjs ignores a seed of 0
            expect(s).toBeLessThan(2 ** 31);
        }
        expect(deriveSeed(1, 2 ** 32 + 5, 'a')).not.toBe(deriveSeed(1, 5, 'a'));
        expect(hashString('eps/z')).not.toBe(hashString('eps/x'));
    });
});

describe('Random', () => {
    it('is uniform on [0, 1), restartable from its state, and its normals have mean 0 and variance 1', () => {
        const r = new Random(7);
        for (let i = 0; i < 100; i++) r.next();
        const copy = Random.fromState(r.state);
        expect(Array.from({ length: 5 }, () => copy.next())).toEqual(Array.from({ length: 5 }, () => r.next()));
        const n = 20000;
        let sum = 0;
        let sq = 0;
        let lo = 1;
        let hi = 0;
        const g = new Random(3);
        for (let i = 0; i < n; i++) {
            const u = g.next();
            lo = Math.min(lo, u);
            hi = Math.max(hi, u);
            const z = g.normal();
            sum += z;
            sq += z * z;
        }
        expect(lo).toBeGreaterThanOrEqual(0);
        expect(hi).toBeLessThan(1);
        expect(Math.abs(sum / n)).toBeLessThan(0.03);
        expect(Math.abs(sq / n - 1)).toBeLessThan(0.04);
    });

    it('permutations contain every index once', () => {
        const p = new Random(1).permutation(1000);
        expect(new Set(p).size).toBe(1000);
        expect(Array.from(p)).not.toEqual(Array.from({ length: 1000 }, (_, i) => i));
    });
});
