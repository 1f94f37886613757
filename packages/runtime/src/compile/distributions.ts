/**
 * Distributions as program instructions: their parameters in one normal form, the log-density at a
 * value (summed over the variable's dimensions, every constant kept), closed-form KL divergences
 * and reparameterized samples.
 */
import type { DistributionIR } from '@gm/language';
import type { KlFormula } from '@gm/language/derivation';
import { CompileError, compileExpr, type Scope } from './expressions.js';

/** Normal parameters as value ids: the mean, the variance and its log (whichever was written, the others derived). */
export interface NormalParams {
    mean: number;
    variance: number;
    logVariance: number;
}

export function normalParams(d: DistributionIR, scope: Scope): NormalParams {
    const b = scope.builder;
    const mean = compileExpr(d.params.mean ?? { kind: 'number', value: 0 }, scope);
    if (d.params.logvar) {
        const logVariance = compileExpr(d.params.logvar, scope);
        return { mean, logVariance, variance: b.unary('exp', logVariance) };
    }
    if (d.params.var) {
        const variance = compileExpr(d.params.var, scope);
        return { mean, variance, logVariance: b.unary('log', variance) };
    }
    if (d.params.std) {
        const std = compileExpr(d.params.std, scope);
        return { mean, variance: b.unary('square', std), logVariance: b.mul(b.constant(2), b.unary('log', std)) };
    }
    throw new CompileError('a Normal needs std, var or logvar');
}

/** Bernoulli log π and log(1 − π), from logits (−softplus(∓l)) or from probabilities. */
function bernoulliLogs(d: DistributionIR, scope: Scope): { logP: number; log1mP: number } {
    const b = scope.builder;
    if (d.params.logits) {
        const l = compileExpr(d.params.logits, scope);
        return { logP: b.unary('neg', b.unary('softplus', b.unary('neg', l))), log1mP: b.unary('neg', b.unary('softplus', l)) };
    }
    if (d.params.probs) {
        const p = compileExpr(d.params.probs, scope);
        return { logP: b.unary('log', p), log1mP: b.unary('log', b.sub(b.constant(1), p)) };
    }
    throw new CompileError('a Bernoulli needs logits or probs');
}

/** log density of `d` at the value `x`, summed over the variable's dimensions: [B]. */
export function logDensity(d: DistributionIR, x: number, scope: Scope): number {
    const b = scope.builder;
    switch (d.family) {
        case 'Normal': {
            // log N(x; μ, σ²) = −½ [log 2π + log σ² + (x − μ)² / σ²]
            const { mean, variance, logVariance } = normalParams(d, scope);
            const sq = b.div(b.unary('square', b.sub(x, mean)), variance);
            const inner = b.add(b.add(b.constant(Math.log(2 * Math.PI)), logVariance), sq);
            return b.sum(b.mul(b.constant(-0.5), inner));
        }
        case 'Bernoulli': {
            // x log π + (1 − x) log(1 − π); with logits: x·l − softplus(l)
            if (d.params.logits) {
                const l = compileExpr(d.params.logits, scope);
                return b.sum(b.sub(b.mul(x, l), b.unary('softplus', l)));
            }
            const { logP, log1mP } = bernoulliLogs(d, scope);
            return b.sum(b.add(b.mul(x, logP), b.mul(b.sub(b.constant(1), x), log1mP)));
        }
        case 'Laplace': {
            // log Laplace(x; μ, b) = −log 2b − |x − μ| / b
            const mean = compileExpr(d.params.mean ?? { kind: 'number', value: 0 }, scope);
            const scale = compileExpr(d.params.scale, scope);
            const abs = b.div(b.unary('abs', b.sub(x, mean)), scale);
            return b.sum(b.unary('neg', b.add(b.unary('log', b.mul(b.constant(2), scale)), abs)));
        }
        case 'Categorical':
            throw new CompileError('Categorical variables are not supported by the runtime yet');
    }
}

/** KL(q ‖ p) in closed form, summed over the variable's dimensions: [B]. */
export function klDivergence(q: DistributionIR, p: DistributionIR, formula: KlFormula, scope: Scope): number {
    const b = scope.builder;
    switch (formula) {
        case 'normal-standard-normal': {
            // ½ Σ_j (μ_j² + σ_j² − 1 − log σ_j²) (Kingma & Welling 2013, appendix B)
            const { mean, variance, logVariance } = normalParams(q, scope);
            const inner = b.sub(b.sub(b.add(b.unary('square', mean), variance), b.constant(1)), logVariance);
            return b.sum(b.mul(b.constant(0.5), inner));
        }
        case 'normal-normal':
            return klNormalNormal(normalParams(q, scope), normalParams(p, scope), scope);
        case 'bernoulli-bernoulli': {
            // Σ_j π_q (log π_q − log π_p) + (1 − π_q)(log(1 − π_q) − log(1 − π_p))
            const lq = bernoulliLogs(q, scope);
            const lp = bernoulliLogs(p, scope);
            const piQ = b.unary('exp', lq.logP);
            const first = b.mul(piQ, b.sub(lq.logP, lp.logP));
            const second = b.mul(b.sub(b.constant(1), piQ), b.sub(lq.log1mP, lp.log1mP));
            return b.sum(b.add(first, second));
        }
        case 'categorical-categorical':
            throw new CompileError('Categorical variables are not supported by the runtime yet');
    }
}

/** ½ Σ_j [log σ_p² − log σ_q² + (σ_q² + (μ_q − μ_p)²) / σ_p² − 1]: [B]. */
export function klNormalNormal(nq: NormalParams, np: NormalParams, scope: Scope): number {
    const b = scope.builder;
    const ratio = b.div(b.add(nq.variance, b.unary('square', b.sub(nq.mean, np.mean))), np.variance);
    const inner = b.sub(b.add(b.sub(np.logVariance, nq.logVariance), ratio), b.constant(1));
    return b.sum(b.mul(b.constant(0.5), inner));
}

/** A reparameterized sample of `d` with the per-example `shape`: z = μ + σ ⊙ ε (Normal), μ − b·sign(u)·log(1 − 2|u|) (Laplace). */
export function reparameterizedSample(d: DistributionIR, shape: number[], stream: string, scope: Scope): number {
    const b = scope.builder;
    if (d.family === 'Normal') {
        const { mean, logVariance } = normalParams(d, scope);
        const eps = b.emit({ op: 'normal-noise', shape, stream });
        // σ = exp(½ log σ²): the encoder's log-variance is differentiated through exp only.
        return b.add(mean, b.mul(b.unary('exp', b.mul(b.constant(0.5), logVariance)), eps));
    }
    if (d.family === 'Laplace') {
        const mean = compileExpr(d.params.mean ?? { kind: 'number', value: 0 }, scope);
        const scale = compileExpr(d.params.scale, scope);
        const u = b.emit({ op: 'uniform-noise', shape, stream });
        // −sign(u)·log(1 − 2|u|) = log(1 − 2|u|) · (−u/|u|)
        const signU = b.div(u, b.unary('abs', u));
        const logTerm = b.unary('log', b.sub(b.constant(1), b.mul(b.constant(2), b.unary('abs', u))));
        return b.sub(mean, b.mul(scale, b.mul(signU, logTerm)));
    }
    throw new CompileError(`${d.family} samples are not reparameterizable; the runtime has no score-function estimator yet`);
}
