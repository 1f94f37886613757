/**
 * Chains: the decomposed bound L_T + Σ L_{t−1} + L_0 (Ho et al. eq. 5) equals the raw bound
 * E_q[log p(x_0:T) − log q(x_1:T | x_0)] with x_1:T drawn by running the declared forward process,
 * for T = 5 and random network parameters; the derived coefficients equal Ho et al.'s closed forms;
 * the posterior satisfies Bayes' rule; the weighted ‖·‖² form of L_{t−1} (eq. 12) equals the KL.
 */
import { describe, expect, test } from 'vitest';
import { discretizedGaussianLogLikelihood } from '../../src/derivation/closed-forms.js';
import { deriveBound } from '../../src/derivation/derive.js';
import type { Derivation } from '../../src/derivation/types.js';
import type { ModelIR } from '../../src/ir/types.js';
import { chainKlAt, sampleChainBound } from './bound-eval.js';
import { ev, logDensity, meanSe, randomNetworks, Rng, size, type EvalContext, type Vec } from './ir-eval.js';
import { lowerExample, lowerText } from './models.js';
import { rawChainLogWeight } from './raw-elbo.js';

const MEANS = {
    epsilon: '(x[t] - beta[t] / sqrt(1 - alphabar[t]) * eps(x[t], t)) / sqrt(alpha[t])',
    x0: 'sqrt(alphabar[t - 1]) * beta[t] / (1 - alphabar[t]) * eps(x[t], t) + sqrt(alpha[t]) * (1 - alphabar[t - 1]) / (1 - alphabar[t]) * x[t]',
    mean: 'eps(x[t], t)',
    general: '0.9 * x[t] + 0.1 * eps(x[t], t)',
};

function source(opts: { mean: string; variance?: string; schedule?: string; objective?: string; D?: number; extra?: string; out?: number }): string {
    const D = opts.D ?? 6;
    return `
model Chain {
  const T = 5
  schedule beta[t in 1..T] = ${opts.schedule ?? 'linear(0.05, 0.3)'}
  let alpha[t] = 1 - beta[t]
  let alphabar[t] = prod(alpha[1..t])
  let betatilde[t] = (1 - alphabar[t - 1]) / (1 - alphabar[t]) * beta[t]
  data d = images("toy.idx", range: [-1, 1])
  observed x0 : Real[${D}] from d
  chain x[t in 0..T] starts x0
  let logbetatilde[t] = log(max(betatilde[t], betatilde[2]))
  net eps = MLP(${D} -> 8 -> ${opts.out ?? D}, activation: relu, time_embedding: 4)
  ${opts.extra ?? ''}
  q(x[t] | x[t-1]) = Normal(sqrt(1 - beta[t]) * x[t-1], var: beta[t])
  p(x[T]) = Normal(0, 1)
  p(x[t-1] | x[t]) = Normal(${opts.mean}, var: ${opts.variance ?? 'beta[t]'})
  train { objective: ${opts.objective ?? 'vlb'}, optimizer: Adam(lr: 1e-3), batch: 1, steps: 1, seed: 0 }
}`;
}

function derive(model: ModelIR): Derivation {
    const r = deriveBound(model);
    if (!r.ok) throw new Error(JSON.stringify(r.failure.reasons));
    return r.derivation;
}

function setup(model: ModelIR, seed: number): { rng: Rng; ctx: EvalContext; x0: Vec } {
    const rng = new Rng(seed);
    const D = size(model.chains[0]!.shape);
    const ctx: EvalContext = { model, values: new Map(), indices: {}, networks: randomNetworks(model, rng, () => D) };
    return { rng, ctx, x0: Array.from({ length: D }, () => 2 * rng.uniform() - 1) };
}

/** Decomposed vs raw, within 4 combined standard errors. */
function compareChain(model: ModelIR, n: number, seed: number) {
    const d = derive(model);
    const { rng, ctx, x0 } = setup(model, seed);
    const decomposed = meanSe(Array.from({ length: n }, () => sampleChainBound(model, d, ctx, x0, rng).elbo));
    const raw = meanSe(Array.from({ length: n }, () => rawChainLogWeight(model, ctx, x0, rng)));
    expect(Math.abs(decomposed.mean - raw.mean)).toBeLessThanOrEqual(4 * Math.hypot(decomposed.se, raw.se));
    return { d, decomposed, raw };
}

describe('T = 5: the decomposed bound equals the raw one', () => {
    test.each([
        ['ε-prediction, σ² = β', { mean: MEANS.epsilon }],
        ['ε-prediction, σ² = max(β̃, 0.001)', { mean: MEANS.epsilon, variance: 'max(betatilde[t], 0.001)' }],
        ['x0-prediction', { mean: MEANS.x0 }],
        ['mean prediction', { mean: MEANS.mean }],
        ['a general reverse mean', { mean: MEANS.general }],
        ['cosine schedule', { mean: MEANS.epsilon, schedule: 'cosine(s: 0.008)' }],
        [
            'a learned variance σ_t² = softplus(v(x_t, t))',
            { mean: MEANS.epsilon, variance: 'softplus(v(x[t], t))', extra: 'net v = MLP(6 -> 8 -> 6, activation: relu, time_embedding: 4)' },
        ],
        [
            // Nichol & Dhariwal (2021, eq. 15): one net outputs ε and v, Σ_θ = exp(v log β_t + (1 − v) log β̃_t), v = (out + 1)/2.
            'the learned Σ_θ of Nichol & Dhariwal, ε and v from one net',
            {
                mean: MEANS.epsilon.replace('eps(x[t], t)', 'eps(x[t], t)[0:6]'),
                variance: 'exp((eps(x[t], t)[6:12] + 1) / 2 * log(beta[t]) + (1 - eps(x[t], t)[6:12]) / 2 * logbetatilde[t])',
                out: 12,
            },
        ],
    ])('%s', async (_name, opts) => {
        const [model] = await lowerText(source(opts));
        const { d, raw } = compareChain(model!, 3000, 7);
        expect(Number.isFinite(raw.mean)).toBe(true);
        const mean = opts.mean.replace('[0:6]', '');
        const expected = mean === MEANS.epsilon ? 'epsilon' : mean === MEANS.x0 ? 'x0' : mean === MEANS.mean ? 'mean' : 'general';
        expect(d.chains[0]!.parameterization).toBe(expected);
        expect(d.chains[0]!.learnedVariance).toBe('variance' in opts && /v\(|eps\(/.test(opts.variance));
        if ('out' in opts) expect(d.chains[0]!.varianceForm).toEqual({ form: 'interpolation', output: 'eps[6:12]' });
    });

    test.each(['ddpm.gm', 'ddpm-mlp.gm'])('%s with T = 5 and 16 dimensions', async file => {
        const model = await lowerExample(file, text =>
            text
                .replace(/const T = \d+/, 'const T = 5')
                .replace(/images\("mnist", split: train, range: \[-1, 1\]\)/, 'images("toy.idx", range: [-1, 1])')
                .replace('Real[1, 28, 28]', 'Real[1, 4, 4]')
                .replace('Real[784]', 'Real[16]')
                .replace('MLP(784 -> 1024 -> 1024 -> 784', 'MLP(16 -> 8 -> 16')
                .replace(/linear\(1e-4, 0\.0[25]\)/, 'linear(0.05, 0.3)')
                .replace('steps: 50,', 'steps: 5,'),
        );
        expect(model.chains[0]!.upper).toBe(5);
        compareChain(model, 3000, 3);
    });
});

describe('the weighted squared-error form of L_{t−1} equals the Normal ‖ Normal KL', () => {
    test.each(['epsilon', 'x0', 'mean'] as const)('%s', async kind => {
        const [model] = await lowerText(source({ mean: MEANS[kind], variance: 'max(betatilde[t], 0.001)' }));
        const d = derive(model!);
        const c = d.chains[0]!;
        const k = c.coefficients;
        const { rng, ctx, x0 } = setup(model!, 5);
        const term = d.terms.find(t => t.kind === 'chain-kl')!;
        for (let t = 2; t <= 5; t++) {
            const e = rng.normals(x0.length);
            const xt = x0.map((v, j) => k.marginalMean[t]! * v + Math.sqrt(k.marginalVar[t]!) * e[j]!);
            const kl = chainKlAt(term, c.index, t, xt, x0, ctx, new Map([[c.start, x0]]), d);
            const net = ev(
                {
                    kind: 'network',
                    name: 'eps',
                    args: [
                        { kind: 'variable', name: 'x', index: { kind: 'number', value: t } },
                        { kind: 'index', name: 't' },
                    ],
                },
                { ...ctx, values: new Map([[`x[${t}]`, xt]]), indices: { t } },
            );
            const muTilde = x0.map((v, j) => k.posteriorMeanX0[t]! * v + k.posteriorMeanXt[t]! * xt[j]!);
            const target = kind === 'epsilon' ? e : kind === 'x0' ? x0 : muTilde;
            const sq = target.reduce((s, v, j) => s + (v - net[j]!) ** 2, 0);
            expect(k.mseWeight![t]! * sq + k.klConstant![t]!).toBeCloseTo(kl, 9);
        }
    });
});

describe("derived coefficients of the DDPM example equal Ho et al.'s closed forms", () => {
    test('marginal, posterior, eq. 12 weights, ε recognized', async () => {
        const model = await lowerExample('ddpm.gm');
        const d = derive(model);
        const c = d.chains[0]!,
            k = c.coefficients;
        const beta = model.sequences.find(s => s.name === 'beta')!.values!;
        expect(c.parameterization).toBe('epsilon');
        let abar = 1;
        for (let t = 1; t <= 1000; t++) {
            const b = beta[t - 1]!,
                a = 1 - b,
                prev = abar;
            abar *= a;
            expect(k.marginalMean[t]).toBeCloseTo(Math.sqrt(abar), 12);
            expect(k.marginalVar[t]).toBeCloseTo(1 - abar, 12);
            // Ho et al. eq. 7
            expect(k.posteriorVar[t]).toBeCloseTo(((1 - prev) / (1 - abar)) * b, 12);
            expect(k.posteriorMeanX0[t]).toBeCloseTo((Math.sqrt(prev) * b) / (1 - abar), 12);
            expect(k.posteriorMeanXt[t]).toBeCloseTo((Math.sqrt(a) * (1 - prev)) / (1 - abar), 12);
            // Ho et al. eq. 12 with σ_t² = β_t
            if (t >= 2) expect(k.mseWeight![t]! / ((b * b) / (2 * b * a * (1 - abar)))).toBeCloseTo(1, 10);
        }
        expect(k.posteriorVar[1]).toBe(0);
        const simple = d.terms.find(t => t.kind === 'chain-simple')!;
        expect(simple.inBound).toBe(false);
        expect(d.terms.filter(t => t.inBound).map(t => t.weight.value)).toEqual([0, 0, 0]);
        expect(d.objective.isBound).toBe(false);
    });

    test('ddpm-cosine.gm: the learned Σ_θ of Nichol & Dhariwal, read at every t; L_0 at t = 1 takes the declared clip β̃_2', async () => {
        const model = await lowerExample('ddpm-cosine.gm');
        const d = derive(model);
        const c = d.chains[0]!;
        expect(c.parameterization).toBe('epsilon');
        expect(c.learnedVariance).toBe(true);
        expect(c.varianceForm).toEqual({ form: 'interpolation', output: 'eps[1:2]' });
        // log σ_t² = c_t + d_t · out with v = (out + 1)/2: v = 1 gives β_t, v = 0 gives β̃_t (β̃_2 at t = 1).
        const k = c.coefficients;
        for (let t = 1; t <= 1000; t++) {
            expect(Math.exp(k.reverseLogVarConst![t]! + k.reverseLogVarNet![t]!) / k.forwardVar[t]!).toBeCloseTo(1, 6);
            expect(Math.exp(k.reverseLogVarConst![t]! - k.reverseLogVarNet![t]!) / k.posteriorVar[Math.max(t, 2)]!).toBeCloseTo(1, 6);
        }
        expect(d.objective.kind).toBe('hybrid');
        expect(d.terms.filter(t => t.inBound).map(t => t.weight.value)).toEqual([0.001 / 784, 0.001 / 784, 0.001 / 784]);
        // L_vlb sees μ_θ without its gradient (§3.1): the terms with a network in them say so.
        for (const t of d.terms.filter(t => t.kind === 'chain-kl' || t.kind === 'chain-decoder')) {
            expect('stopGradient' in t.computation && t.computation.stopGradient).toBe('reverse-mean');
        }
    });

    test('an unclipped log β̃_t is refused at t = 1, where β̃_1 = 0', async () => {
        const model = await lowerExample('ddpm-cosine.gm', text => text.replace('/ 2 * logbetatilde[t])', '/ 2 * log(betatilde[t]))'));
        const r = deriveBound(model);
        expect(r.ok).toBe(false);
        expect(!r.ok && r.failure.reasons[0]!.message).toMatch(/not finite at t = 1 .*clip it as Nichol & Dhariwal do/);
    });

    test('cosine schedule with σ_t² = β̃_t: β̃_1 = 0 is clipped to β̃_2 for L_0 (Nichol & Dhariwal 2021)', async () => {
        // ddpm-cosine.gm with the fixed posterior variance in place of the learned one.
        const model = await lowerExample('ddpm-cosine.gm', text =>
            text
                .replace('out: 2, ', '')
                .replace('eps(x[t], t)[0:1]', 'eps(x[t], t)')
                .replace(/logvar: .*$/m, 'var: betatilde[t])'),
        );
        const d = derive(model);
        const c = d.chains[0]!;
        expect(c.parameterization).toBe('epsilon');
        for (let t = 2; t <= 1000; t++) expect(c.coefficients.reverseVar![t]! / c.coefficients.posteriorVar[t]!).toBeCloseTo(1, 9);
        // σ² = β̃ makes every C_t zero: the KL is the weighted squared error alone.
        expect(Math.max(...c.coefficients.klConstant!.slice(2).map(Math.abs))).toBeLessThan(1e-6);
        const decoder = d.terms.find(t => t.kind === 'chain-decoder')!;
        expect(decoder.computation.kind === 'chain-decoder' && decoder.computation.distribution.params['var']).toEqual({ kind: 'number', value: c.coefficients.posteriorVar[2] });
        expect(c.notes.join(' ')).toContain('Nichol & Dhariwal');
        expect(d.objective.kind).toBe('hybrid');
        // λ on L_vlb per dimension, L_simple being a per-dimension mean.
        expect(d.terms.filter(t => t.inBound).map(t => t.weight.value)).toEqual([0.001 / 784, 0.001 / 784, 0.001 / 784]);
    });
});

describe("the derived posterior satisfies Bayes' rule", () => {
    test('q(x_{t−1} | x_t, x_0) = q(x_t | x_{t−1}) q(x_{t−1} | x_0) / q(x_t | x_0) at random points', async () => {
        const [model] = await lowerText(source({ mean: MEANS.epsilon, schedule: 'cosine(s: 0.008)' }));
        const d = derive(model!);
        const k = d.chains[0]!.coefficients;
        const forward = model!.factors.find(f => f.kind === 'q')!;
        const rng = new Rng(4);
        const normal = (x: Vec, mean: Vec, v: number) => x.reduce((s, xi, j) => s - 0.5 * Math.log(2 * Math.PI * v) - (xi - mean[j]!) ** 2 / (2 * v), 0);
        for (let t = 2; t <= 5; t++) {
            const [x0, xPrev, xt] = [rng.normals(6), rng.normals(6), rng.normals(6)];
            const ctx: EvalContext = { model: model!, values: new Map([[`x[${t - 1}]`, xPrev]]), indices: { t }, networks: new Map() };
            const lhs = normal(
                xPrev,
                x0.map((v, j) => k.posteriorMeanX0[t]! * v + k.posteriorMeanXt[t]! * xt[j]!),
                k.posteriorVar[t]!,
            );
            const rhs =
                logDensity(forward.distribution, xt, ctx) +
                normal(
                    xPrev,
                    x0.map(v => k.marginalMean[t - 1]! * v),
                    k.marginalVar[t - 1]!,
                ) -
                normal(
                    xt,
                    x0.map(v => k.marginalMean[t]! * v),
                    k.marginalVar[t]!,
                );
            expect(lhs).toBeCloseTo(rhs, 9);
        }
    });
});

describe('the discretized decoder of Ho et al. eq. 13', () => {
    const levels = Array.from({ length: 256 }, (_, i) => -1 + (2 * i) / 255);

    test('probabilities of the 256 levels sum to 1 for any mean and variance', () => {
        for (const [m, v] of [
            [0, 1],
            [0.3, 0.01],
            [-0.99, 1e-4],
            [2, 0.5],
        ] as const) {
            const total = levels.reduce((s, x) => s + Math.exp(discretizedGaussianLogLikelihood([x], [m], [v], -1, 1, 256)), 0);
            expect(total).toBeCloseTo(1, 6);
        }
    });

    test('a narrow Normal puts nearly all mass on its level; a wide one ≈ density × bin width', () => {
        expect(discretizedGaussianLogLikelihood([levels[100]!], [levels[100]!], [1e-8], -1, 1, 256)).toBeCloseTo(0, 6);
        const x = levels[128]!,
            v = 0.25;
        const density = Math.exp(-(x * x) / (2 * v)) / Math.sqrt(2 * Math.PI * v);
        expect(discretizedGaussianLogLikelihood([x], [0], [v], -1, 1, 256)).toBeCloseTo(Math.log((density * 2) / 255), 4);
    });

    test('the DDPM example offers it for its [-1, 1] image data', async () => {
        const d = derive(await lowerExample('ddpm.gm'));
        const decoder = d.terms.find(t => t.kind === 'chain-decoder')!.computation;
        expect(decoder.kind === 'chain-decoder' && decoder.discretized).toEqual({ bins: 256, low: -1, high: 1 });
    });
});
