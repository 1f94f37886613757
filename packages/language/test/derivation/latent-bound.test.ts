/**
 * The derived bound of latent-variable models equals the definition E_q[log p(x, z) − log q(z | x)]
 * estimated directly from the declared factors, for random network parameters (random linear
 * maps), within 4 standard errors; every closed-form KL equals its Monte Carlo estimate.
 */
import { describe, expect, test } from 'vitest';
import { deriveBound } from '../../src/derivation/derive.js';
import type { Derivation } from '../../src/derivation/types.js';
import type { ModelIR } from '../../src/ir/types.js';
import { closedFormKl, sampleLatentBound } from './bound-eval.js';
import { draw, logDensity, meanSe, randomNetworks, Rng, size, type EvalContext } from './ir-eval.js';
import { lowerExample, lowerText } from './models.js';
import { rawLogWeight } from './raw-elbo.js';

function derive(model: ModelIR): Derivation {
    const r = deriveBound(model);
    if (!r.ok) throw new Error(JSON.stringify(r.failure.reasons));
    return r.derivation;
}

/** A random observed example matching its likelihood: binary for Bernoulli, uniform otherwise. */
function context(model: ModelIR, rng: Rng): EvalContext {
    const values = new Map<string, number[]>();
    for (const v of model.variables.filter(x => x.role === 'observed')) {
        const p = model.factors.find(f => f.kind === 'p' && f.target.name === v.name)!;
        values.set(
            v.name,
            Array.from({ length: size(v.shape) }, () => (p.distribution.family === 'Bernoulli' ? (rng.uniform() < 0.3 ? 1 : 0) : rng.uniform())),
        );
    }
    return { model, values, indices: {}, networks: randomNetworks(model, rng, () => 0) };
}

/** Derived vs definition: |difference| ≤ 4 combined standard errors. */
function compare(model: ModelIR, n: number, seed: number): { derived: { mean: number; se: number }; raw: { mean: number; se: number } } {
    const rng = new Rng(seed);
    const ctx = context(model, rng);
    const d = derive(model);
    const derived = meanSe(Array.from({ length: n }, () => sampleLatentBound(model, d, ctx, rng).elbo));
    const k = model.train.k;
    // The definition: log (1/k) Σ_i w_i with w_i = p(x, z_i)/q(z_i | x) (k = 1: the ELBO).
    const raw = meanSe(
        Array.from({ length: n }, () => {
            const lw = Array.from({ length: k }, () => rawLogWeight(model, ctx, rng));
            const m = Math.max(...lw);
            return m + Math.log(lw.reduce((s, w) => s + Math.exp(w - m), 0) / k);
        }),
    );
    expect(Math.abs(derived.mean - raw.mean)).toBeLessThanOrEqual(4 * Math.hypot(derived.se, raw.se));
    return { derived, raw };
}

describe('the derived bound equals the definition (examples, random parameters)', () => {
    test.each(['vae.gm', 'beta-vae.gm', 'vae-gaussian.gm', 'hvae.gm', 'iwae.gm'])('%s', async file => {
        const model = await lowerExample(file);
        for (const seed of [1, 2]) {
            const { derived } = compare(model, 600, seed);
            expect(Number.isFinite(derived.mean)).toBe(true);
        }
    });

    test('a Gaussian decoder keeps its constant: dropping −D/2 log 2πσ² would be detected', async () => {
        const model = await lowerExample('vae-gaussian.gm');
        const d = derive(model);
        const ell = d.terms.find(t => t.kind === 'expected-log-likelihood')!;
        const form = ell.computation.kind === 'log-likelihood' ? ell.computation.form : undefined;
        expect(form?.kind).toBe('normal-squared-error');
        if (form?.kind !== 'normal-squared-error') return;
        expect(form.scale).toBeCloseTo(1 / (2 * 0.01), 9);
        expect(form.constant).toBeCloseTo(-0.5 * 784 * Math.log(2 * Math.PI * 0.01), 9);
        const { derived } = compare(model, 300, 5);
        // The constant is 784/2 · log(2π · 0.01) ≈ 1084 nats: far more than 4 standard errors.
        expect(derived.se * 4).toBeLessThan(Math.abs(0.5 * 784 * Math.log(2 * Math.PI * 0.01)));
    });
});

describe('every closed-form KL equals its Monte Carlo estimate', () => {
    test.each(['vae.gm', 'beta-vae.gm', 'vae-gaussian.gm', 'hvae.gm'])('%s', async file => {
        const model = await lowerExample(file);
        const d = derive(model);
        const rng = new Rng(11);
        const ctx = context(model, rng);
        // Parents drawn once from q, in the plan's order; then the KL over the latent alone.
        for (const s of d.sampling)
            if (s.kind === 'factor') ctx.values.set(s.variable.name, draw(s.distribution, ctx, size(model.variables.find(v => v.name === s.variable.name)!.shape), rng));
        const closed = d.terms.filter(t => t.computation.kind === 'kl-closed-form');
        expect(closed.length).toBeGreaterThan(0);
        for (const t of closed) {
            if (t.computation.kind !== 'kl-closed-form') continue;
            const { q, p, formula, variable } = t.computation;
            const n = size(model.variables.find(v => v.name === variable.name)!.shape);
            const kl = closedFormKl(formula, q, p, ctx, n);
            const mc = meanSe(
                Array.from({ length: 4000 }, () => {
                    const z = draw(q, ctx, n, rng);
                    return logDensity(q, z, ctx) - logDensity(p, z, ctx);
                }),
            );
            expect(Math.abs(kl - mc.mean)).toBeLessThanOrEqual(4 * mc.se);
            expect(kl).toBeGreaterThan(0);
        }
    });
});

describe('a linear-Gaussian model: bound ≤ log p(x), equal for the exact posterior', () => {
    // p(z) = 𝒩(0, 1), p(x | z) = 𝒩(a z, s²): p(x) = 𝒩(0, a² + s²), p(z | x) = 𝒩(a x/(a² + s²), s²/(a² + s²)).
    const a = 0.8,
        s = 0.5,
        D = 6;
    const postMean = a / (a * a + s * s),
        postVar = (s * s) / (a * a + s * s);
    const source = (qMean: number, qVar: number) => `
model LinearGaussian {
  data d = images("toy.idx")
  observed x : Real[${D}] from d
  latent z : Real[${D}]
  p(z) = Normal(0, 1)
  p(x | z) = Normal(${a} * z, std: ${s})
  q(z | x) = Normal(${qMean} * x, var: ${qVar})
  train { optimizer: Adam(lr: 1e-3), batch: 1, epochs: 1, seed: 0, samples: 1 }
}`;
    const x = [0.3, -1.2, 0.7, 2.0, -0.4, 0.1];
    const logpx = x.reduce((acc, xi) => acc - 0.5 * Math.log(2 * Math.PI * (a * a + s * s)) - (xi * xi) / (2 * (a * a + s * s)), 0);

    async function bound(qMean: number, qVar: number) {
        const [model] = await lowerText(source(qMean, qVar));
        const d = derive(model!);
        const rng = new Rng(3);
        const ctx: EvalContext = { model: model!, values: new Map([['x', x]]), indices: {}, networks: new Map() };
        return meanSe(Array.from({ length: 4000 }, () => sampleLatentBound(model!, d, ctx, rng).elbo));
    }

    test('the exact posterior gives log p(x)', async () => {
        const b = await bound(postMean, postVar);
        expect(Math.abs(b.mean - logpx)).toBeLessThanOrEqual(4 * b.se + 1e-9);
    });

    test('another q gives log p(x) − KL(q ‖ p(z | x)), strictly below', async () => {
        const qMean = 0.4,
            qVar = 0.5;
        const b = await bound(qMean, qVar);
        const gap = x.reduce((acc, xi) => acc + 0.5 * (Math.log(postVar / qVar) + (qVar + (qMean * xi - postMean * xi) ** 2) / postVar - 1), 0);
        expect(gap).toBeGreaterThan(0.5);
        expect(Math.abs(b.mean - (logpx - gap))).toBeLessThanOrEqual(4 * b.se);
        expect(b.mean + 4 * b.se).toBeLessThan(logpx);
    });
});

describe('families without a closed-form KL', () => {
    test('Normal q against a Laplace prior: a Monte Carlo term that still equals the definition', async () => {
        const [model] = await lowerText(`
model LaplacePrior {
  data d = images("toy.idx")
  observed x : Real[10] from d
  latent z : Real[4]
  net enc = MLP(10 -> 8 -> 8, activation: tanh)
  net dec = MLP(4 -> 8 -> 10, activation: tanh)
  p(z) = Laplace(0, 1)
  p(x | z) = Normal(dec(z), std: 0.5)
  q(z | x) = Normal(mean: enc(x)[0:4], logvar: enc(x)[4:8])
  train { optimizer: Adam(lr: 1e-3), batch: 1, epochs: 1, seed: 0 }
}`);
        const d = derive(model!);
        const kl = d.terms.find(t => t.id === 'kl(z)')!;
        expect([kl.kind, kl.estimator, kl.computation.kind]).toEqual(['monte-carlo', 'monte-carlo', 'log-ratio']);
        expect(kl.detail[0]!.text).toContain('no closed form for KL(Normal ‖ Laplace)');
        compare(model!, 2000, 13);
    });
});

describe('discrete latents', () => {
    const source = `
model BinaryLatent {
  data d = images("toy.idx", binarize: fixed)
  observed x : Real[12] from d
  latent z : Binary[5]
  net enc = MLP(12 -> 8 -> 5, activation: tanh)
  net dec = MLP(5 -> 8 -> 12, activation: tanh)
  p(z) = Bernoulli(probs: 0.3)
  p(x | z) = Bernoulli(logits: dec(z))
  q(z | x) = Bernoulli(logits: enc(x))
  train { optimizer: Adam(lr: 1e-3), batch: 1, epochs: 1, seed: 0 }
}`;
    test('Bernoulli ‖ Bernoulli KL in closed form; 32 values, so the bound enumerates them by default', async () => {
        const [model] = await lowerText(source);
        const d = derive(model!);
        const kl = d.terms.find(t => t.id === 'kl(z)')!;
        expect(kl.estimator).toBe('closed-form');
        expect(kl.computation.kind === 'kl-closed-form' && kl.computation.formula).toBe('bernoulli-bernoulli');
        const step = d.sampling[0]!;
        expect(step.kind === 'factor' && [step.reparameterized, step.gradient, step.estimator]).toEqual([false, 'enumeration', { kind: 'enumerate', values: 32 }]);
        expect(d.objective.notes.join(' ')).toContain('z is enumerated');
        expect(d.terms.find(t => t.id === 'ell(x)')!.detail.map(x => x.text)).toContain('exact sum over the 32 values of z');
        compare(model!, 1500, 9);
    });

    test('score(baseline: b(x)): the surrogate and the baseline fit, outside the bound, over the terms that read z', async () => {
        const [model] = await lowerText(
            source.replace('net dec', 'net b = MLP(12 -> 4 -> 1, activation: tanh)\n  net dec').replace('seed: 0 }', 'seed: 0, estimator: score(baseline: b(x)) }'),
        );
        const d = derive(model!);
        const step = d.sampling[0]!;
        expect(step.kind === 'factor' && step.gradient).toBe('score-function');
        const surrogate = d.terms.find(t => t.id === 'score(z)')!;
        expect([surrogate.kind, surrogate.inBound, surrogate.estimator]).toEqual(['score-surrogate', false, 'score-function']);
        // kl(z) is a closed form in q's parameters: it is differentiated exactly, so it is no part of f(z).
        expect(surrogate.computation.kind === 'score-surrogate' && surrogate.computation.signal).toEqual(['ell(x)']);
        expect(d.terms.find(t => t.id === 'baseline(z)')!.computation.kind).toBe('baseline-fit');
        expect(d.objective.isBound).toBe(true);
        compare(model!, 1500, 9);
    });

    test('relaxed(temperature: 0.5): marked not a bound', async () => {
        const [model] = await lowerText(source.replace('seed: 0 }', 'seed: 0, estimator: relaxed(temperature: 0.5) }'));
        const d = derive(model!);
        const step = d.sampling[0]!;
        expect(step.kind === 'factor' && [step.gradient, step.estimator]).toEqual(['relaxation', { kind: 'relaxed', temperature: 0.5 }]);
        expect(d.objective.isBound).toBe(false);
        expect(d.objective.notes.join(' ')).toContain('not a bound');
    });
});
