/**
 * Objective options change the derived result (β, KL warm-up, IWAE k, simple | vlb | hybrid),
 * models outside the rules are refused with a reason, and the JSON carries what the CLI promises.
 */
import { describe, expect, test } from 'vitest';
import { deriveBound } from '../../src/derivation/derive.js';
import { renderText, toJson } from '../../src/derivation/render.js';
import type { Derivation, DerivationResult } from '../../src/derivation/types.js';
import { lowerExample, lowerText } from './models.js';

function ok(r: DerivationResult): Derivation {
    if (!r.ok) throw new Error(JSON.stringify(r.failure.reasons));
    return r.derivation;
}

describe('latent-variable objectives', () => {
    test('β-VAE with warm-up: the KL weight is β after a linear warm-up, and it is not the bound', async () => {
        const d = ok(deriveBound(await lowerExample('beta-vae.gm')));
        const kl = d.terms.find(t => t.kind === 'kl')!;
        expect(kl.weight).toMatchObject({ value: 4, warmup: { steps: 5000 } });
        expect(d.terms.find(t => t.kind === 'expected-log-likelihood')!.weight).toEqual({ value: 1 });
        expect(d.objective).toMatchObject({ kind: 'beta-elbo', isBound: false });
        expect(renderText(d)).toContain('w(step) = 4 · min(1, step / 5000)');
    });

    test('β < 1 is not a bound, and the text says so', async () => {
        const d = ok(deriveBound(await lowerExample('vae.gm', t => t.replace('seed: 1 }', 'seed: 1, beta: 0.5 }'))));
        expect(d.objective.isBound).toBe(false);
        expect(d.objective.notes.join(' ')).toContain('β = 0.5 < 1: the objective is not a lower bound');
    });

    test('the plain VAE is the bound', async () => {
        const d = ok(deriveBound(await lowerExample('vae.gm')));
        expect(d.objective).toMatchObject({ kind: 'elbo', isBound: true });
        expect(d.terms.map(t => [t.kind, t.estimator, t.sign])).toEqual([
            ['expected-log-likelihood', 'monte-carlo', 1],
            ['kl', 'closed-form', -1],
        ]);
        expect(d.dimensions).toBe(784);
    });

    test('IWAE: one importance-weighted term with k samples per example', async () => {
        const d = ok(deriveBound(await lowerExample('iwae.gm')));
        expect(d.terms.map(t => t.kind)).toEqual(['iwae']);
        expect(d.terms[0]!.computation).toMatchObject({ kind: 'importance-weighted', k: 5 });
        expect(d.sampling[0]).toMatchObject({ kind: 'factor', samples: 5, reparameterized: true });
        expect(d.objective.kind).toBe('iwae');
    });

    test('hierarchy: z2 is drawn after z1 in q, so the KL over z1 is Monte Carlo and over z2 closed form', async () => {
        const d = ok(deriveBound(await lowerExample('hvae.gm')));
        expect(d.sampling.map(s => s.kind === 'factor' && s.variable.name)).toEqual(['z1', 'z2']);
        expect(d.terms.map(t => [t.id, t.estimator])).toEqual([
            ['ell(x)', 'monte-carlo'],
            ['kl(z2)', 'closed-form'],
            ['kl(z1)', 'monte-carlo'],
        ]);
    });
});

describe('chain objectives', () => {
    test('vlb: every term of the bound has weight 1 and there is no surrogate', async () => {
        const d = ok(deriveBound(await lowerExample('ddpm.gm', t => t.replace('objective: simple', 'objective: vlb'))));
        expect(d.terms.map(t => [t.id, t.weight.value, t.inBound])).toEqual([
            ['L_T', 1, true],
            ['L_t-1', 1, true],
            ['L_0', 1, true],
        ]);
        expect(d.objective).toMatchObject({ kind: 'vlb', isBound: true });
    });

    test('simple: the bound is kept for evaluation, L_simple is trained', async () => {
        const d = ok(deriveBound(await lowerExample('ddpm.gm')));
        expect(d.terms.map(t => [t.id, t.weight.value, t.inBound])).toEqual([
            ['L_T', 0, true],
            ['L_t-1', 0, true],
            ['L_0', 0, true],
            ['L_simple', 1, false],
        ]);
        expect(d.terms.find(t => t.id === 'L_simple')!.computation).toMatchObject({
            kind: 'chain-simple',
            chain: 'x',
            from: 1,
            to: 1000,
            network: 'eps',
            target: 'epsilon',
            call: {
                kind: 'network',
                name: 'eps',
                args: [
                    { kind: 'variable', name: 'x', index: { kind: 'index', name: 't' } },
                    { kind: 'index', name: 't' },
                ],
            },
        });
        expect(d.terms.find(t => t.id === 'L_T')!.estimator).toBe('constant');
        // The plan names every draw the terms read: x_t for L_{t−1} (t ≥ 2), x_1 for L_0, x_t for L_simple (t ≥ 1).
        const marginal = (from: number, to: number) => ({ kind: 'chain-marginal', chain: 'x', from, to, mean: 'marginalMean', variance: 'marginalVar', reparameterized: true });
        expect(d.sampling).toEqual([marginal(2, 1000), marginal(1, 1), marginal(1, 1000)]);
    });

    test('a forward process with a learned coefficient is refused with the reason', async () => {
        const model = await lowerExample('ddpm-mlp.gm');
        const q = model.factors.find(f => f.kind === 'q')!;
        const learned = {
            ...model,
            factors: model.factors.map(f =>
                f === q ? { ...q, distribution: { ...q.distribution, params: { ...q.distribution.params, mean: { kind: 'network' as const, name: 'eps', args: [] } } } } : f,
            ),
        };
        const r = deriveBound(learned);
        expect(r.ok).toBe(false);
        expect(!r.ok && r.failure.reasons[0]!.message).toContain('learned coefficients');
    });

    test('objective simple with a reverse mean of no known parameterization is refused', async () => {
        const model = await lowerExample('ddpm-mlp.gm', t =>
            t.replace(/p\(x\[t-1\] \| x\[t\]\) = Normal\([^\n]*/, 'p(x[t-1] | x[t]) = Normal(0.9 * x[t] + 0.1 * eps(x[t], t), var: beta[t])'),
        );
        const r = deriveBound(model);
        expect(!r.ok && r.failure.reasons[0]!.message).toContain('objective simple needs');
    });
});

describe('JSON for gm elbo --format json', () => {
    test('every term has kind, estimator, weight, text and latex; steps are there; it round-trips', async () => {
        for (const file of ['vae.gm', 'ddpm.gm']) {
            const json = JSON.parse(JSON.stringify(toJson(deriveBound(await lowerExample(file))))) as {
                terms: { kind: string; estimator: string; weight: { value: number }; text: string; latex: string }[];
                steps: unknown[];
            };
            expect(json.terms.length).toBeGreaterThan(1);
            for (const t of json.terms) {
                expect(typeof t.kind).toBe('string');
                expect(['closed-form', 'monte-carlo', 'constant']).toContain(t.estimator);
                expect(typeof t.weight.value).toBe('number');
                expect(t.text.length).toBeGreaterThan(0);
                expect(t.latex.length).toBeGreaterThan(0);
            }
            expect(json.steps.length).toBeGreaterThanOrEqual(5);
        }
    });

    test('a refused model gives ok: false and its reasons', async () => {
        const [model] = await lowerText(`
model NoLatent {
  data d = images("toy.idx")
  observed x : Real[3] from d
  p(x) = Normal(0, 1)
  train { optimizer: Adam(lr: 1e-3), batch: 1, epochs: 1, seed: 0 }
}`);
        expect(toJson(deriveBound(model!))).toMatchObject({ model: 'NoLatent', ok: false, reasons: [{ message: expect.stringContaining('no latent') }] });
    });
});
