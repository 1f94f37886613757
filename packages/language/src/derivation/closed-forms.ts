/**
 * The closed forms the derivation names, as plain numbers summed over dimensions: the registry's
 * formulas evaluated in double precision (the runtime's tensor programs are tested against these),
 * and Ho et al.'s discretized decoder, which gm eval scores L_0 with.
 */
import { familyOf } from '../distributions/registry.js';
import { klNormalNormal } from '../distributions/normal.js';
import { erfc, vectorOps, type Vec } from '../distributions/vector-ops.js';

export { erfc };

/** KL(𝒩(μq, vq) ‖ 𝒩(μp, vp)), summed over dimensions. */
export function klNormal(muQ: number[], varQ: number[], muP: number[], varP: number[]): number {
    const c = (mean: Vec, variance: Vec) => ({ mean, variance, logVariance: variance.map(Math.log) });
    return sum(klNormalNormal(vectorOps, c(muQ, varQ), c(muP, varP)));
}

/** KL(Bernoulli(σ(lq)) ‖ Bernoulli(σ(lp))), from logits. */
export function klBernoulliLogits(logitsQ: number[], logitsP: number[]): number {
    return sum(closedForm('Bernoulli', { logits: logitsQ }, { logits: logitsP }));
}

/** KL(Categorical(softmax(lq)) ‖ Categorical(softmax(lp))) over the last axis. */
export function klCategoricalLogits(logitsQ: number[], logitsP: number[]): number {
    return sum(closedForm('Categorical', { logits: logitsQ }, { logits: logitsP }));
}

const sum = (v: Vec) => v.reduce((a, b) => a + b, 0);

/** The registry's closed-form KL between two distributions of one family, at these canonical parameters. */
function closedForm(family: string, q: Record<string, Vec>, p: Record<string, Vec>): Vec {
    const spec = familyOf({ family }).kl.find(k => k.p === family);
    if (!spec) throw new Error(`no closed-form KL for ${family}`);
    return spec.compute(vectorOps, q, p);
}

/** log Φ(x) for the standard normal CDF, accurate in the far left tail. */
function logNormalCdf(x: number): number {
    return Math.log(0.5 * erfc(-x / Math.SQRT2));
}

/**
 * The discretized Gaussian decoder of Ho et al. (2020, eq. 13): data with `bins` levels evenly spaced
 * on [low, high]; each level gets the Normal mass of its bin, the end bins extend to ±∞.
 * Returns Σ_i log P(x_i), in nats.
 */
export function discretizedGaussianLogLikelihood(x: number[], mean: number[], variance: number[], low: number, high: number, bins: number): number {
    const half = (high - low) / (bins - 1) / 2;
    let total = 0;
    for (let i = 0; i < x.length; i++) {
        const sd = Math.sqrt(variance[i]!),
            m = mean[i]!,
            xi = x[i]!;
        const upper = (xi + half - m) / sd,
            lower = (xi - half - m) / sd;
        if (xi - half <= low) total += logNormalCdf(upper);
        else if (xi + half >= high) total += logNormalCdf(-lower);
        else {
            // Mass between the edges, from whichever tail keeps precision.
            const p = lower > 0 ? 0.5 * (erfc(lower / Math.SQRT2) - erfc(upper / Math.SQRT2)) : 0.5 * (erfc(-upper / Math.SQRT2) - erfc(-lower / Math.SQRT2));
            total += Math.log(Math.max(p, 1e-300));
        }
    }
    return total;
}
