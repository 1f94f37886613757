/**
 * Facts about declared distributions that the derivation rules need: which pairs have a
 * closed-form KL, which can be reparameterized, whether a variance is known before training.
 */
import type { DistributionIR, FactorIR, FactorVarIR, IRExpr } from '../ir/types.js';
import type { FactorRef, KlFamily, KlFormula, LikelihoodForm } from './types.js';
import { isStochastic } from './affine.js';
import { evaluate, type EvaluationEnv } from '../ir/expressions.js';
import { renderExpr } from './render-expr.js';

export function factorRef(f: FactorIR): FactorRef {
    return { id: f.id, kind: f.kind, range: f.range };
}

function isNumber(e: IRExpr | undefined, value: number): boolean {
    return e !== undefined && !isStochastic(e) && evaluate(e, {}) === value;
}

/** 𝒩(0, 1) written as Normal(0, 1), Normal(0, var: 1) or Normal(0, logvar: 0). */
export function isStandardNormal(d: DistributionIR): boolean {
    if (d.family !== 'Normal') return false;
    const p = d.params;
    const unitScale = p['std'] ? isNumber(p['std'], 1) : p['var'] ? isNumber(p['var'], 1) : p['logvar'] ? isNumber(p['logvar'], 0) : true;
    return (p['mean'] === undefined || isNumber(p['mean'], 0)) && unitScale;
}

/** The closed-form KL between two families, if there is one (diagonal covariances). */
export function klFormula(q: DistributionIR, p: DistributionIR): { family: KlFamily; formula: KlFormula } | undefined {
    if (q.family === 'Normal' && p.family === 'Normal') {
        return { family: 'Normal', formula: isStandardNormal(p) ? 'normal-standard-normal' : 'normal-normal' };
    }
    if (q.family === 'Bernoulli' && p.family === 'Bernoulli') return { family: 'Bernoulli', formula: 'bernoulli-bernoulli' };
    if (q.family === 'Categorical' && p.family === 'Categorical') return { family: 'Categorical', formula: 'categorical-categorical' };
    return undefined;
}

/** Location-scale families are reparameterized (z = μ + σ ⊙ ε); discrete ones are not. */
export function isReparameterizable(d: DistributionIR): boolean {
    return d.family === 'Normal' || d.family === 'Laplace';
}

/** The variance of a Normal as a number known before training (per the env), or undefined if learned. */
export function fixedVariance(d: DistributionIR, env: EvaluationEnv = {}): number | undefined {
    const p = d.params;
    const expr = p['var'] ?? p['std'] ?? p['logvar'];
    if (!expr) return 1;
    if (isStochastic(expr)) return undefined;
    const v = evaluate(expr, env);
    if (!Number.isFinite(v)) return undefined;
    return p['var'] ? v : p['std'] ? v * v : Math.exp(v);
}

/** How log p(x | …) specializes: cross-entropy, or a scaled squared error plus a constant. */
export function likelihoodForm(d: DistributionIR, dimensions: number, env: EvaluationEnv = {}): LikelihoodForm {
    switch (d.family) {
        case 'Bernoulli': return { kind: 'bernoulli-cross-entropy' };
        case 'Categorical': return { kind: 'categorical' };
        case 'Laplace': return { kind: 'laplace' };
        case 'Normal': {
            const v = fixedVariance(d, env);
            if (v === undefined || !(v > 0)) return { kind: 'normal' };
            // log 𝒩(x; μ, σ²I) = −‖x − μ‖²/(2σ²) − D/2 · log(2πσ²)
            return { kind: 'normal-squared-error', scale: 1 / (2 * v), constant: -0.5 * dimensions * Math.log(2 * Math.PI * v) };
        }
    }
}

/** The mean and the variance of a Normal, in words: "μ = …, log σ² = …". */
export function describeNormal(d: DistributionIR, n: 'text' | 'latex', ns: string): string {
    const p = d.params;
    const r = (e: IRExpr) => renderExpr(e, n, ns);
    const mu = n === 'text' ? 'μ' : '\\mu';
    const parts = [`${mu} = ${p['mean'] ? r(p['mean']) : '0'}`];
    if (p['logvar']) parts.push(`${n === 'text' ? 'log σ²' : '\\log\\sigma^2'} = ${r(p['logvar'])}`);
    else if (p['std']) parts.push(`${n === 'text' ? 'σ' : '\\sigma'} = ${r(p['std'])}`);
    else if (p['var']) parts.push(`${n === 'text' ? 'σ²' : '\\sigma^2'} = ${r(p['var'])}`);
    return parts.join(', ');
}

/** Latent parents in a factor's given list. */
export function parentsOf(f: FactorIR): FactorVarIR[] {
    return f.given;
}
