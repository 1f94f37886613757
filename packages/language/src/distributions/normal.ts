/** The Normal (Gaussian) distribution with diagonal covariance. */
import type { DistributionIR, IRExpr } from '../ir/types.js';
import { parameterTable, type Canonical, type DistributionSpec, type ExprRenderer, type Notation } from './family.js';
import type { TensorOps } from './ops.js';

/** 𝒩(0, 1) written as Normal(0, 1), Normal(0, var: 1) or Normal(0, logvar: 0). */
export function isStandardNormal(d: DistributionIR, known: (e: IRExpr) => number | undefined): boolean {
    if (d.family !== 'Normal') return false;
    const p = d.params;
    const is = (e: IRExpr | undefined, v: number) => e !== undefined && known(e) === v;
    const unitScale = p['std'] ? is(p['std'], 1) : p['var'] ? is(p['var'], 1) : p['logvar'] ? is(p['logvar'], 0) : true;
    return (p['mean'] === undefined || is(p['mean'], 0)) && unitScale;
}

/** The variance of a Normal as a number known before training (per `known`), or undefined if learned. */
export function normalVariance(d: DistributionIR, known: (e: IRExpr) => number | undefined): number | undefined {
    const p = d.params;
    const expr = p['var'] ?? p['std'] ?? p['logvar'];
    if (!expr) return 1;
    const v = known(expr);
    if (v === undefined || !Number.isFinite(v)) return undefined;
    return p['var'] ? v : p['std'] ? v * v : Math.exp(v);
}

/** The mean and the variance of a Normal, in words: "μ = …, log σ² = …". */
export function describeNormal(d: DistributionIR, n: Notation, ns: string, r: ExprRenderer): string {
    const p = d.params;
    const mu = n === 'text' ? 'μ' : '\\mu';
    const parts = [`${mu} = ${p['mean'] ? r(p['mean'], n, ns) : '0'}`];
    if (p['logvar']) parts.push(`${n === 'text' ? 'log σ²' : '\\log\\sigma^2'} = ${r(p['logvar'], n, ns)}`);
    else if (p['std']) parts.push(`${n === 'text' ? 'σ' : '\\sigma'} = ${r(p['std'], n, ns)}`);
    else if (p['var']) parts.push(`${n === 'text' ? 'σ²' : '\\sigma^2'} = ${r(p['var'], n, ns)}`);
    return parts.join(', ');
}

/** ½ [log σ_p² − log σ_q² + (σ_q² + (μ_q − μ_p)²) / σ_p² − 1] per value. */
export function klNormalNormal<T>(o: TensorOps<T>, q: Canonical<T>, p: Canonical<T>): T {
    const ratio = o.div(o.add(q['variance']!, o.square(o.sub(q['mean']!, p['mean']!))), p['variance']!);
    const inner = o.sub(o.add(o.sub(p['logVariance']!, q['logVariance']!), ratio), o.constant(1));
    return o.mul(o.constant(0.5), inner);
}

export const normal: DistributionSpec = {
    name: 'Normal',
    doc: 'Normal (Gaussian) distribution with diagonal covariance. Give the mean and one of std, var or logvar.',
    parameters: parameterTable`
        mean    positional  real      the mean μ
        std     positional  positive  the standard deviation σ
        var                 positive  the variance σ²
        logvar              real      the log-variance`,
    alternatives: [{ names: ['mean'] }, { names: ['std', 'var', 'logvar'], default: { name: 'std', value: 1 } }],
    support: 'real',
    reparameterized: () => true,
    reparameterization: z => `${z} = μ + σ ⊙ ε, ε ~ 𝒩(0, I)`,
    canonical(o, p) {
        const mean = p.get('mean');
        if (p.has('logvar')) {
            const logVariance = p.get('logvar');
            return { mean, logVariance, variance: o.exp(logVariance) };
        }
        if (p.has('var')) {
            const variance = p.get('var');
            return { mean, variance, logVariance: o.log(variance) };
        }
        const std = p.has('std') ? p.get('std') : o.constant(1);
        return { mean, variance: o.square(std), logVariance: o.mul(o.constant(2), o.log(std)) };
    },
    // log 𝒩(x; μ, σ²) = −½ [log 2π + log σ² + (x − μ)² / σ²]
    logDensity(o, c, x) {
        const sq = o.div(o.square(o.sub(x, c['mean']!)), c['variance']!);
        return o.mul(o.constant(-0.5), o.add(o.add(o.constant(Math.log(2 * Math.PI)), c['logVariance']!), sq));
    },
    // σ = exp(½ log σ²): a learned log-variance is differentiated through exp only.
    sample: (o, c, noise) => o.add(c['mean']!, o.mul(o.exp(o.mul(o.constant(0.5), c['logVariance']!)), noise.normal())),
    mean: (_o, c) => c['mean']!,
    // ½ log(2πe σ²)
    entropy: (o, c) => o.mul(o.constant(0.5), o.add(o.constant(Math.log(2 * Math.PI) + 1), c['logVariance']!)),
    kl: [
        {
            formula: 'normal-standard-normal',
            p: 'Normal',
            applies: isStandardNormal,
            // ½ (μ² + σ² − 1 − log σ²) (Kingma & Welling 2013, appendix B)
            compute: (o, q) => o.mul(o.constant(0.5), o.sub(o.sub(o.add(o.square(q['mean']!), q['variance']!), o.constant(1)), q['logVariance']!)),
            detail: (q, _p, cond, r) => [
                {
                    text: `closed form (diagonal Normal ‖ standard Normal)${cond}: −½ Σ_j (1 + log σ_j² − μ_j² − σ_j²)`,
                    latex: '-\\tfrac{1}{2} \\sum_j \\left(1 + \\log\\sigma_j^2 - \\mu_j^2 - \\sigma_j^2\\right)',
                },
                { text: `where ${describeNormal(q, 'text', 'φ', r)}`, latex: describeNormal(q, 'latex', 'φ', r) },
            ],
        },
        {
            formula: 'normal-normal',
            p: 'Normal',
            compute: klNormalNormal,
            detail: (q, p, cond, r) => [
                {
                    text: `closed form (diagonal Normal ‖ Normal)${cond}: ½ Σ_j [log σ_p,j²/σ_q,j² + (σ_q,j² + (μ_q,j − μ_p,j)²)/σ_p,j² − 1]`,
                    latex: '\\tfrac{1}{2} \\sum_j \\left[\\log\\frac{\\sigma_{p,j}^2}{\\sigma_{q,j}^2} + \\frac{\\sigma_{q,j}^2 + (\\mu_{q,j} - \\mu_{p,j})^2}{\\sigma_{p,j}^2} - 1\\right]',
                },
                {
                    text: `q: ${describeNormal(q, 'text', 'φ', r)};  p: ${describeNormal(p, 'text', 'θ', r)}`,
                    latex: `q: ${describeNormal(q, 'latex', 'φ', r)};\\; p: ${describeNormal(p, 'latex', 'θ', r)}`,
                },
            ],
        },
    ],
    likelihoodForm(d, dimensions, known) {
        const v = normalVariance(d, known);
        if (v === undefined || !(v > 0)) return { kind: 'normal' };
        // log 𝒩(x; μ, σ²I) = −‖x − μ‖²/(2σ²) − D/2 · log(2πσ²)
        return { kind: 'normal-squared-error', scale: 1 / (2 * v), constant: -0.5 * dimensions * Math.log(2 * Math.PI * v) };
    },
    render(d, n, r) {
        const p = d.params;
        const mean = p['mean'] ? r(p['mean']) : '0';
        const std = p['std'];
        const variance = p['var']
            ? r(p['var'])
            : std
              ? std.kind === 'number' && std.value === 1
                  ? '1'
                  : `${r(std).includes(' ') ? `(${r(std)})` : r(std)}${n === 'text' ? '²' : '^2'}`
              : p['logvar']
                ? n === 'text'
                    ? `exp(${r(p['logvar'])})`
                    : `\\exp(${r(p['logvar'])})`
                : '1';
        return `${n === 'text' ? '𝒩' : '\\mathcal{N}'}(${mean}, ${variance})`;
    },
};
