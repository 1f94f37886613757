import { describe, expect, it } from 'vitest';
import { normalQuantile } from '../src/session/draw.js';

/** Φ(x) by the error function's series-free approximation in double precision (Abramowitz & Stegun 7.1.26 is too coarse). */
function normalCdf(x: number): number {
    // Φ(x) = ½ erfc(−x/√2), erfc by its continued fraction for |x| large and the Taylor series otherwise.
    const z = Math.abs(x) / Math.SQRT2;
    let erfc: number;
    if (z < 3) {
        let sum = 0,
            term = z;
        for (let n = 0; n < 200; n++) {
            sum += term / (2 * n + 1);
            term *= (-z * z) / (n + 1);
        }
        erfc = 1 - (2 / Math.sqrt(Math.PI)) * sum;
    } else {
        let f = 0;
        for (let n = 60; n >= 1; n--) f = n / 2 / (z + f);
        erfc = Math.exp(-z * z) / Math.sqrt(Math.PI) / (z + f);
    }
    return x >= 0 ? 1 - erfc / 2 : erfc / 2;
}

describe('the standard normal quantile used for latent-space grids', () => {
    it('inverts Φ to 1e-8 across (0, 1), tails included', () => {
        for (const p of [1e-6, 0.001, 0.0242, 0.025, 0.1, 0.3, 0.5, 0.7, 0.9, 0.975, 0.9758, 0.999, 1 - 1e-6]) {
            expect(normalCdf(normalQuantile(p))).toBeCloseTo(p, 8);
        }
    });

    it('knows the textbook values', () => {
        expect(normalQuantile(0.5)).toBe(0);
        expect(normalQuantile(0.975)).toBeCloseTo(1.959964, 5);
        expect(normalQuantile(0.025)).toBeCloseTo(-1.959964, 5);
    });
});
