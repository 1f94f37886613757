/**
 * Every family of the distribution registry, checked against the definitions of what it declares:
 * the density integrates (or the mass sums) to 1, draws follow the density, each closed-form KL
 * and entropy equals a Monte Carlo estimate (or the exact sum) of its definition. A new family is
 * covered by adding its parameter cases below.
 */
import { describe, expect, test } from 'vitest';
import { FAMILIES, familyOf } from '../src/distributions/registry.js';
import type { Canonical, DistributionSpec } from '../src/distributions/family.js';
import { lgamma } from '../src/distributions/ops.js';
import { vectorNoise, vectorOps, type Vec } from '../src/distributions/vector-ops.js';
import { Rng, meanSe } from './derivation/ir-eval.js';

/** Parameter values (scalars) each family is checked at. */
const CASES: Record<string, Array<Record<string, number>>> = {
    Normal: [
        { mean: 0.3, std: 1.7 },
        { mean: -1, logvar: -0.5 },
        { mean: 2, var: 0.25 },
    ],
    Bernoulli: [{ probs: 0.3 }, { logits: -1.2 }],
    Categorical: [{ logits: NaN }],
    Laplace: [{ mean: 0.5, scale: 0.8 }],
    StudentT: [
        { df: 5, mean: 0.2, scale: 1.3 },
        { df: 1.5, mean: -1, scale: 0.5 },
    ],
    DiscretizedLogistic: [
        { mean: 0.1, scale: 0.2, bins: 16, low: -1, high: 1 },
        { mean: 0.95, logscale: -3, bins: 256, low: -1, high: 1 },
    ],
};

/** Categorical parameters are over three categories. */
const CATEGORICAL_LOGITS = [0.2, -1, 1.5];

function canonicalAt(f: DistributionSpec, params: Record<string, number>): Canonical<Vec> {
    const value = (name: string) => (f.name === 'Categorical' && name === 'logits' ? CATEGORICAL_LOGITS : [params[name]!]);
    return f.canonical(vectorOps, { has: name => params[name] !== undefined, get: value });
}

const logP = (f: DistributionSpec, c: Canonical<Vec>, x: Vec) => f.logDensity(vectorOps, c, x).reduce((a, b) => a + b, 0);

/** The values of a discrete family's support, each as the variable's value. */
function supportOf(f: DistributionSpec, params: Record<string, number>): Vec[] | undefined {
    switch (f.support) {
        case 'binary':
            return [[0], [1]];
        case 'categorical':
            return CATEGORICAL_LOGITS.map((_, k) => CATEGORICAL_LOGITS.map((__, j) => (j === k ? 1 : 0)));
        case 'grid':
            return Array.from({ length: params['bins']! }, (_, k) => [params['low']! + (k * (params['high']! - params['low']!)) / (params['bins']! - 1)]);
        default:
            return undefined;
    }
}

/** ∫ exp(log p(x)) dx over [lo, hi] (±∞ allowed): Simpson's rule in θ = atan x, which makes the line finite. */
function integrate(f: DistributionSpec, c: Canonical<Vec>, lo: number, hi: number, n = 20_000): number {
    const a = Math.atan(lo),
        b = Math.atan(hi),
        h = (b - a) / n;
    const g = (t: number) => (Math.abs(Math.cos(t)) < 1e-12 ? 0 : Math.exp(logP(f, c, [Math.tan(t)])) / Math.cos(t) ** 2);
    let s = g(a) + g(b);
    for (let i = 1; i < n; i++) s += (i % 2 ? 4 : 2) * g(a + i * h);
    return (s * h) / 3;
}

const cases = FAMILIES.flatMap(f => (CASES[f.name] ?? []).map(params => [f.name, params] as const));

describe('the distribution registry', () => {
    test('every family has parameter cases here', () => {
        for (const f of FAMILIES) expect(CASES[f.name], f.name).toBeDefined();
    });

    test.each(cases)('%s %o: the density integrates to 1 (the mass sums to 1)', (name, params) => {
        const f = familyOf({ family: name });
        const c = canonicalAt(f, params);
        const support = supportOf(f, params);
        const total = support ? support.reduce((s, x) => s + Math.exp(logP(f, c, x)), 0) : integrate(f, c, -Infinity, Infinity);
        expect(total).toBeCloseTo(1, 4);
    });

    test.each(cases.filter(([name]) => name !== 'Categorical'))('%s %o: draws follow the density', (name, params) => {
        const f = familyOf({ family: name });
        const c = canonicalAt(f, params);
        const rng = new Rng(11);
        const n = 40_000;
        const xs = f.sample(
            vectorOps,
            c,
            vectorNoise(n, () => rng.uniform()),
        );
        const support = supportOf(f, params);
        // The fraction of draws in each of a few sets against the probability of that set.
        const sets: Array<{ contains: (x: number) => boolean; p: number }> = support
            ? support.slice(0, 6).map(([v]) => ({ contains: (x: number) => Math.abs(x - v!) < 1e-9, p: Math.exp(logP(f, c, [v!])) }))
            : [
                  [-Infinity, -1],
                  [-1, 0],
                  [0, 0.5],
                  [0.5, 2],
                  [2, Infinity],
              ].map(([a, b]) => ({
                  contains: (x: number) => x > a! && x <= b!,
                  p: integrate(f, c, a!, b!),
              }));
        for (const set of sets) {
            const freq = xs.filter(set.contains).length / n;
            expect(Math.abs(freq - set.p), `P = ${set.p}`).toBeLessThanOrEqual(5 * Math.sqrt((set.p * (1 - set.p)) / n) + 1e-4);
        }
    });

    const klCases = cases.flatMap(([name, params]) => familyOf({ family: name }).kl.map(k => [name, k.formula, params] as const));
    test.each(klCases)('%s %s %o: the closed-form KL equals its definition', (name, formula, params) => {
        const f = familyOf({ family: name });
        const spec = f.kl.find(k => k.formula === formula)!;
        const q = canonicalAt(f, params);
        // p: the standard Normal for the formula that assumes it, else other parameters of the family.
        const pParams = formula === 'normal-standard-normal' ? { mean: 0, std: 1 } : Object.fromEntries(Object.entries(params).map(([k, v]) => [k, v * 0.6 - 0.1]));
        const p = canonicalAt(f, pParams);
        const closed = spec.compute(vectorOps, q, p).reduce((a, b) => a + b, 0);
        const support = supportOf(f, params);
        if (support) {
            const exact = support.reduce((s, x) => s + Math.exp(logP(f, q, x)) * (logP(f, q, x) - logP(f, p, x)), 0);
            expect(closed).toBeCloseTo(exact, 10);
            return;
        }
        const rng = new Rng(5);
        const xs = f.sample(
            vectorOps,
            q,
            vectorNoise(20_000, () => rng.uniform()),
        );
        const mc = meanSe(xs.map(x => logP(f, q, [x]) - logP(f, p, [x])));
        expect(Math.abs(closed - mc.mean)).toBeLessThanOrEqual(4 * mc.se);
    });

    test.each(cases.filter(([name]) => familyOf({ family: name }).entropy))('%s %o: the entropy equals −E[log p]', (name, params) => {
        const f = familyOf({ family: name });
        const c = canonicalAt(f, params);
        const h = f.entropy!(vectorOps, c).reduce((a, b) => a + b, 0);
        const support = supportOf(f, params);
        if (support) {
            expect(h).toBeCloseTo(-support.reduce((s, x) => s + Math.exp(logP(f, c, x)) * logP(f, c, x), 0), 10);
            return;
        }
        const rng = new Rng(3);
        const mc = meanSe(
            f
                .sample(
                    vectorOps,
                    c,
                    vectorNoise(20_000, () => rng.uniform()),
                )
                .map(x => -logP(f, c, [x])),
        );
        expect(Math.abs(h - mc.mean)).toBeLessThanOrEqual(4 * mc.se);
    });

    test('log Γ from elementwise operations matches known values', () => {
        const at = (x: number) => lgamma(vectorOps, [x])[0]!;
        expect(at(1)).toBeCloseTo(0, 12);
        expect(at(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 12);
        expect(at(10)).toBeCloseTo(Math.log(362880), 10);
        expect(at(0.1)).toBeCloseTo(2.252712651734206, 10);
    });
});
