/**
 * Reference values of the closed-form KL divergences the derivation names (plain numbers, summed
 * over dimensions). The runtime's tensor versions are tested against these.
 */

/** KL(𝒩(μq, vq) ‖ 𝒩(μp, vp)) = ½ Σ_j [log vp/vq + (vq + (μq − μp)²)/vp − 1]. */
export function klNormal(muQ: number[], varQ: number[], muP: number[], varP: number[]): number {
    let kl = 0;
    for (let j = 0; j < muQ.length; j++) {
        const vq = varQ[j]!, vp = varP[j]!, d = muQ[j]! - muP[j]!;
        kl += 0.5 * (Math.log(vp / vq) + (vq + d * d) / vp - 1);
    }
    return kl;
}

const logSigmoid = (l: number) => (l >= 0 ? -Math.log1p(Math.exp(-l)) : l - Math.log1p(Math.exp(l)));

/** KL(Bernoulli(σ(lq)) ‖ Bernoulli(σ(lp))), from logits for stability. */
export function klBernoulliLogits(logitsQ: number[], logitsP: number[]): number {
    let kl = 0;
    for (let j = 0; j < logitsQ.length; j++) {
        const lq = logitsQ[j]!, lp = logitsP[j]!;
        const pq = Math.exp(logSigmoid(lq));
        kl += pq * (logSigmoid(lq) - logSigmoid(lp)) + (1 - pq) * (logSigmoid(-lq) - logSigmoid(-lp));
    }
    return kl;
}

function logSoftmax(l: number[]): number[] {
    const m = Math.max(...l);
    const z = Math.log(l.reduce((s, v) => s + Math.exp(v - m), 0)) + m;
    return l.map(v => v - z);
}

/** KL(Categorical(softmax(lq)) ‖ Categorical(softmax(lp))) over the last axis. */
export function klCategoricalLogits(logitsQ: number[], logitsP: number[]): number {
    const a = logSoftmax(logitsQ), b = logSoftmax(logitsP);
    return a.reduce((s, la, k) => s + Math.exp(la) * (la - b[k]!), 0);
}

/** erfc(x) with fractional error below 1.2e-7 everywhere (Numerical Recipes, erfcc, Chebyshev fit). */
export function erfc(x: number): number {
    const z = Math.abs(x);
    const t = 1 / (1 + 0.5 * z);
    const r = t * Math.exp(-z * z - 1.26551223 + t * (1.00002368 + t * (0.37409196 + t * (0.09678418 + t * (-0.18628806
        + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))));
    return x >= 0 ? r : 2 - r;
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
        const sd = Math.sqrt(variance[i]!), m = mean[i]!, xi = x[i]!;
        const upper = (xi + half - m) / sd, lower = (xi - half - m) / sd;
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
