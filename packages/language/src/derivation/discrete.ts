/**
 * Discrete latents (Bernoulli, Categorical q-factors): which estimator the bound uses for each, and the
 * terms and notes it adds. E_q[f(c)] is computed
 * - by enumeration, Σ_k q(c = k | …) f(k): exact, batched over the K values (Pyro's TraceEnum_ELBO);
 * - by the score-function estimator, ∇ E_q[f(c)] = E_q[(f(c) − b) ∇ log q(c | …)] with a learned baseline
 *   b(x) (NVIL, Mnih & Gregor 2014, eq. 5–7), through a surrogate whose value is 0;
 * - or with c relaxed to a Gumbel-softmax / Concrete draw at a temperature τ (Jang et al. 2017; Maddison
 *   et al. 2017): a low-variance but biased gradient of an objective that is not a bound on log p(x).
 */
import type { DiscreteEstimatorIR, DistributionIR, FactorIR, ModelIR } from '../ir/types.js';
import { familyOf } from '../distributions/registry.js';
import { factorRef } from './distributions.js';
import { factorHead, renderExpr, variableName } from './render-expr.js';
import type { BoundTerm, DiscreteEstimator } from './types.js';

/** The most values enumeration sums over per example (each is a replica of the batch). */
export const ENUMERATION_LIMIT = 1024;

/** How many values a discrete variable of this shape takes: 2^n bits, K^(n/K) one-hot rows. */
export function valueCount(d: Pick<DistributionIR, 'family'>, shape: number[]): number {
    const size = shape.reduce((a, b) => a * b, 1);
    const f = familyOf(d);
    if (f.support === 'binary') return 2 ** size;
    if (f.support === 'categorical') {
        const k = shape[shape.length - 1] ?? 1;
        return k ** (size / k);
    }
    return Infinity;
}

/** The estimator the user chose (`train { estimator: … }`), or enumeration when it is small enough, else score. */
export function chooseEstimator(model: ModelIR, q: FactorIR, shape: number[]): DiscreteEstimator {
    const chosen: DiscreteEstimatorIR = model.train.estimator ?? { kind: valueCount(q.distribution, shape) <= ENUMERATION_LIMIT ? 'enumerate' : 'score' };
    if (chosen.kind === 'enumerate') return { kind: 'enumerate', values: valueCount(q.distribution, shape) };
    return chosen;
}

/** The estimator in words, for the sampling plan, the detail lines and the notes. */
export function estimatorWords(name: string, e: DiscreteEstimator): string {
    const c = variableName(name, 'text');
    switch (e.kind) {
        case 'enumerate':
            return `${c} is enumerated: E_q[f(${c})] = Σ_k q(${c} = k | …) f(k) over its ${e.values} values, exactly (batched over the values, as Pyro's TraceEnum_ELBO)`;
        case 'score':
            return `${c} ~ q by Gumbel-max; gradient by the score-function estimator E_q[(f(${c}) − b) ∇ log q(${c} | …)]${e.baseline ? ` with the learned baseline b = ${renderExpr(e.baseline, 'text', 'ψ')}` : ' without a baseline'} (NVIL, Mnih & Gregor 2014)`;
        case 'relaxed':
            return `${c} is relaxed to a Gumbel-softmax (Concrete) draw at temperature τ = ${e.temperature} (Jang et al. 2017; Maddison et al. 2017): a biased gradient, and the objective is not a bound on log p(x)`;
    }
}

/** The estimator in a few words, for the detail line of a term whose expectation runs over the latent. */
export function estimatorShort(name: string, e: DiscreteEstimator): string {
    const c = variableName(name, 'text');
    if (e.kind === 'enumerate') return `${c} enumerated over its ${e.values} values`;
    if (e.kind === 'score') return `${c} sampled by Gumbel-max, gradient by the score-function estimator`;
    return `${c} relaxed to a Gumbel-softmax draw at τ = ${e.temperature}`;
}

/**
 * The score-function surrogate of latent `name`, and the fit of its baseline: `signal` are the terms whose
 * expectation runs over the latent (the learning signal f(c) of NVIL).
 */
export function scoreTerms(name: string, q: FactorIR, e: Extract<DiscreteEstimator, { kind: 'score' }>, signal: BoundTerm[]): BoundTerm[] {
    const c = variableName(name, 'text'),
        cl = variableName(name, 'latex');
    const head = factorHead(q, 'text'),
        headL = factorHead(q, 'latex');
    const f = signal.map(t => t.id).join(' + ');
    const b = e.baseline ? renderExpr(e.baseline, 'text', 'ψ') : '0';
    const common = { sign: 1 as const, inBound: false, weight: { value: 1 }, learned: true, variable: { name }, factors: [factorRef(q)] };
    const surrogate: BoundTerm = {
        id: `score(${name})`,
        kind: 'score-surrogate',
        estimator: 'score-function',
        ...common,
        computation: { kind: 'score-surrogate', variable: { name }, q: q.distribution, signal: signal.map(t => t.id), ...(e.baseline ? { baseline: e.baseline } : {}) },
        text: `sg(f(${c}) − b) · log ${head}`,
        latex: `\\mathrm{sg}\\left(f(${cl}) - b\\right) \\log ${headL}`,
        detail: [
            {
                text: `score-function surrogate (NVIL, Mnih & Gregor 2014, eq. 5): value 0, gradient (f(${c}) − b) ∇ log ${head}, an unbiased estimate of ∇ E_q[f(${c})]`,
                latex: '\\nabla_\\phi \\mathbb{E}_q[f] = \\mathbb{E}_q[(f - b) \\nabla_\\phi \\log q]',
            },
            {
                text: `f(${c}) = ${f} at the sampled ${c} (with their weights); b = ${b}; sg = stop-gradient`,
                latex: `f(${cl}) = ${signal.map(t => `\\mathrm{${t.id}}`).join(' + ')}`,
            },
        ],
    };
    if (!e.baseline) return [surrogate];
    const fit: BoundTerm = {
        id: `baseline(${name})`,
        kind: 'baseline-fit',
        estimator: 'score-function',
        ...common,
        sign: -1,
        computation: { kind: 'baseline-fit', variable: { name }, signal: signal.map(t => t.id), baseline: e.baseline },
        text: `−(sg(f(${c})) − ${b})²`,
        latex: `-\\left(\\mathrm{sg}(f(${cl})) - b_\\psi\\right)^2`,
        detail: [
            {
                text: `fits the baseline to the learning signal: the loss adds the squared error (NVIL §3.1) with value 0 and a gradient for ψ only`,
                latex: '\\min_\\psi (f - b_\\psi)^2',
            },
        ],
    };
    return [surrogate, fit];
}
