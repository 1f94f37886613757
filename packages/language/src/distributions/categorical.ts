/** The Categorical distribution over the last axis; a value is one-hot over the categories. */
import { parameterTable, type Canonical, type DistributionSpec } from './family.js';
import { logitsOrProbs, notReparameterized, renderSquashed } from './logits-or-probs.js';
import type { TensorOps } from './ops.js';

/** log π_k over the last axis, from logits (log-softmax) or from the probabilities. */
const logProbs = <T>(o: TensorOps<T>, c: Canonical<T>): T => (c['logits'] !== undefined ? o.logSoftmax(c['logits']) : o.log(c['probs']!));

export const categorical: DistributionSpec = {
    name: 'Categorical',
    doc: 'Categorical distribution over the last axis. Give logits or probs.',
    parameters: parameterTable`
        logits  positional  real         unnormalized log-probabilities of the categories
        probs               probability  the probabilities of the categories (summing to 1)`,
    alternatives: [{ names: ['logits', 'probs'] }],
    support: 'categorical',
    categoriesOnLastAxis: true,
    reparameterized: () => false,
    reparameterization: notReparameterized,
    canonical: logitsOrProbs,
    // Σ_k x_k log π_k for a one-hot x
    logDensity: (o, c, x) => o.mul(x, logProbs(o, c)),
    sample() {
        throw new Error('a Categorical draw is not reparameterizable; the runtime has no score-function estimator yet');
    },
    mean: (o, c) => o.exp(logProbs(o, c)),
    entropy(o, c) {
        const lp = logProbs(o, c);
        return o.neg(o.mul(o.exp(lp), lp));
    },
    kl: [
        {
            formula: 'categorical-categorical',
            p: 'Categorical',
            compute(o, q, p) {
                const lq = logProbs(o, q);
                return o.mul(o.exp(lq), o.sub(lq, logProbs(o, p)));
            },
            detail: (_q, _p, cond) => [
                {
                    text: `closed form (Categorical ‖ Categorical)${cond}: Σ_k π_q,k log(π_q,k/π_p,k)`,
                    latex: '\\sum_k \\pi_{q,k} \\log\\frac{\\pi_{q,k}}{\\pi_{p,k}}',
                },
            ],
        },
    ],
    likelihoodForm: () => ({ kind: 'categorical' }),
    render: renderSquashed('softmax'),
};
