/** The Bernoulli distribution on {0, 1}. */
import { parameterTable, type Canonical, type DistributionSpec } from './family.js';
import { logitsOrProbs, notReparameterized, renderSquashed, TINY } from './logits-or-probs.js';
import { logSigmoid, type TensorOps } from './ops.js';

/** log π and log(1 − π): from logits as −softplus(∓l), or from the probabilities. */
function logs<T>(o: TensorOps<T>, c: Canonical<T>): { logP: T; log1mP: T } {
    const l = c['logits'];
    if (l !== undefined) return { logP: logSigmoid(o, l), log1mP: o.neg(o.softplus(l)) };
    const p = c['probs']!;
    return { logP: o.log(p), log1mP: o.log(o.sub(o.constant(1), p)) };
}

export const bernoulli: DistributionSpec = {
    name: 'Bernoulli',
    doc: 'Bernoulli distribution on {0, 1}. Give probs (in [0, 1]) or logits.',
    parameters: parameterTable`
        probs   positional  probability  the probability π of a 1
        logits              real         the log-odds log π/(1 − π)`,
    alternatives: [{ names: ['probs', 'logits'] }],
    support: 'binary',
    reparameterized: () => false,
    reparameterization: notReparameterized,
    canonical: logitsOrProbs,
    logDensity(o, c, x) {
        // x·l − softplus(l) with logits; x log π + (1 − x) log(1 − π) with probabilities
        if (c['logits'] !== undefined) return o.sub(o.mul(x, c['logits']), o.softplus(c['logits']));
        const { logP, log1mP } = logs(o, c);
        return o.add(o.mul(x, logP), o.mul(o.sub(o.constant(1), x), log1mP));
    },
    sample: (o, c, noise) => o.less(noise.uniform(), bernoulli.mean(o, c)),
    // Binary Concrete: σ((l + log u − log(1 − u))/τ) with l the log-odds (Maddison et al. 2017, §3.3).
    relaxedSample(o, c, noise, temperature) {
        const { logP, log1mP } = logs(o, c);
        const u = noise.uniform(TINY, 1);
        const logistic = o.sub(o.log(u), o.log(o.sub(o.constant(1), u)));
        return o.sigmoid(o.div(o.add(o.sub(logP, log1mP), logistic), o.constant(temperature)));
    },
    values(shape) {
        const n = shape.reduce((a, b) => a * b, 1);
        return Array.from({ length: 2 ** n }, (_, code) => Array.from({ length: n }, (__, i) => (code >> i) & 1));
    },
    mean: (o, c) => (c['logits'] !== undefined ? o.sigmoid(c['logits']) : c['probs']!),
    entropy(o, c) {
        const { logP, log1mP } = logs(o, c);
        const p = o.exp(logP);
        return o.neg(o.add(o.mul(p, logP), o.mul(o.sub(o.constant(1), p), log1mP)));
    },
    kl: [
        {
            formula: 'bernoulli-bernoulli',
            p: 'Bernoulli',
            // π_q (log π_q − log π_p) + (1 − π_q)(log(1 − π_q) − log(1 − π_p))
            compute(o, q, p) {
                const lq = logs(o, q),
                    lp = logs(o, p);
                const piQ = o.exp(lq.logP);
                return o.add(o.mul(piQ, o.sub(lq.logP, lp.logP)), o.mul(o.sub(o.constant(1), piQ), o.sub(lq.log1mP, lp.log1mP)));
            },
            detail: (_q, _p, cond) => [
                {
                    text: `closed form (Bernoulli ‖ Bernoulli)${cond}: Σ_j [π_q log(π_q/π_p) + (1 − π_q) log((1 − π_q)/(1 − π_p))]`,
                    latex: '\\sum_j \\left[\\pi_q \\log\\frac{\\pi_q}{\\pi_p} + (1 - \\pi_q)\\log\\frac{1 - \\pi_q}{1 - \\pi_p}\\right]',
                },
            ],
        },
    ],
    likelihoodForm: () => ({ kind: 'bernoulli-cross-entropy' }),
    render: renderSquashed('sigmoid'),
};
