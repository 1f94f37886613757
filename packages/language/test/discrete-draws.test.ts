/**
 * Draws of the discrete families in double precision: Gumbel-max draws of a Categorical follow its
 * probabilities, Gumbel-softmax (Concrete) draws approach one-hot draws as the temperature τ → 0 (Jang et al.
 * 2017, fig. 1; Maddison et al. 2017, prop. 1), and the binary Concrete does the same for a Bernoulli; the
 * values enumeration sums over are every value, once.
 */
import { describe, expect, test } from 'vitest';
import { familyOf } from '../src/distributions/registry.js';
import { vectorNoise, vectorOps, type Vec } from '../src/distributions/vector-ops.js';
import { Rng } from './derivation/ir-eval.js';

const LOGITS = [0.2, -1, 1.5];
const PROBS = (() => {
    const e = LOGITS.map(Math.exp);
    const s = e.reduce((a, b) => a + b, 0);
    return e.map(v => v / s);
})();
const categorical = familyOf({ family: 'Categorical' });
const bernoulli = familyOf({ family: 'Bernoulli' });
const c = categorical.canonical(vectorOps, { has: n => n === 'logits', get: () => LOGITS });

/** n draws of the Categorical, hard (Gumbel-max) or relaxed at temperature τ. */
function draws(n: number, seed: number, temperature?: number): Vec[] {
    const rng = new Rng(seed);
    const noise = vectorNoise(LOGITS.length, () => rng.uniform());
    return Array.from({ length: n }, () => (temperature === undefined ? categorical.sample(vectorOps, c, noise) : categorical.relaxedSample!(vectorOps, c, noise, temperature)));
}

describe('Categorical draws', () => {
    test('Gumbel-max draws are one-hot with the frequencies of softmax(logits)', () => {
        const n = 40_000;
        const xs = draws(n, 3);
        expect(xs.every(x => x.every(v => v === 0 || v === 1) && x.reduce<number>((a, b) => a + b, 0) === 1)).toBe(true);
        PROBS.forEach((p, k) => {
            const freq = xs.filter(x => x[k] === 1).length / n;
            expect(Math.abs(freq - p)).toBeLessThanOrEqual(5 * Math.sqrt((p * (1 - p)) / n));
        });
    });

    test('Gumbel-softmax draws lie on the simplex, and approach one-hot as τ → 0', () => {
        const largest = [2, 1, 0.5, 0.1, 0.01, 0.001].map(t => {
            const xs = draws(5000, 7, t);
            for (const x of xs) expect(x.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 9);
            return xs.reduce((s, x) => s + Math.max(...x), 0) / xs.length;
        });
        for (let i = 1; i < largest.length; i++) expect(largest[i]!).toBeGreaterThan(largest[i - 1]!);
        expect(largest.at(-1)!).toBeGreaterThan(0.999);
    });

    test('with the same noise, the relaxed draw at small τ is the Gumbel-max draw, and its arg-max follows softmax(logits) at any τ', () => {
        const hard = draws(4000, 11);
        const soft = draws(4000, 11, 0.01);
        hard.forEach((h, i) => expect(soft[i]!.map(Math.round)).toEqual(h));
        const atOne = draws(4000, 11, 1);
        atOne.forEach((x, i) => expect(x.indexOf(Math.max(...x))).toBe(hard[i]!.indexOf(1)));
    });

    test('enumeration visits every one-hot value of two independent rows once', () => {
        const values = categorical.values!([2, 3]);
        expect(values.length).toBe(9);
        expect(new Set(values.map(v => v.join())).size).toBe(9);
        for (const v of values) expect([v.slice(0, 3), v.slice(3)].map(r => r.reduce((a, b) => a + b, 0))).toEqual([1, 1]);
    });
});

describe('Bernoulli draws', () => {
    const b = bernoulli.canonical(vectorOps, { has: n => n === 'logits', get: () => [-0.7] });
    const p = 1 / (1 + Math.exp(0.7));

    test('the binary Concrete approaches {0, 1} as τ → 0, with P(x > ½) = π at any τ', () => {
        const rng = new Rng(5);
        const noise = vectorNoise(20_000, () => rng.uniform());
        for (const t of [1, 0.1, 0.01]) {
            const xs = bernoulli.relaxedSample!(vectorOps, b, noise, t);
            const freq = xs.filter(x => x > 0.5).length / xs.length;
            expect(Math.abs(freq - p)).toBeLessThanOrEqual(5 * Math.sqrt((p * (1 - p)) / xs.length));
            const distance = xs.reduce((s, x) => s + Math.min(x, 1 - x), 0) / xs.length;
            if (t === 0.01) expect(distance).toBeLessThan(0.01);
        }
    });

    test('enumeration visits the 2^n values of n bits once', () => {
        const values = bernoulli.values!([3]);
        expect(values.length).toBe(8);
        expect(new Set(values.map(v => v.join())).size).toBe(8);
    });
});
