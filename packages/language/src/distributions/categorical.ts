/** The Categorical distribution over the last axis; a value is one-hot over the categories. */
import type { Canonical, DistributionSpec, Params } from './family.js';
import type { TensorOps } from './ops.js';

/** log π_k over the last axis, from logits (log-softmax) or from the probabilities. */
const logProbs = <T>(o: TensorOps<T>, c: Canonical<T>): T => (c['logits'] !== undefined ? o.logSoftmax(c['logits']) : o.log(c['probs']!));

export const categorical: DistributionSpec = {
    name: 'Categorical',
    doc: 'Categorical distribution over the last axis. Give logits or probs.',
    parameters: [
        { name: 'logits', positional: true, domain: 'real', doc: 'unnormalized log-probabilities of the categories' },
        { name: 'probs', domain: 'probability', doc: 'the probabilities of the categories (summing to 1)' },
    ],
    alternatives: [{ names: ['logits', 'probs'] }],
    support: 'categorical',
    categoriesOnLastAxis: true,
    reparameterized: () => false,
    reparameterization: z => `${z} is discrete: not reparameterizable; gradient by the score-function estimator (REINFORCE, Williams 1992)`,
    canonical: <T>(_o: unknown, p: Params<T>): Canonical<T> => (p.has('logits') ? { logits: p.get('logits') } : { probs: p.get('probs') }),
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
    render: (d, n, r) =>
        d.params['logits']
            ? `Categorical(${n === 'text' ? 'softmax' : '\\mathrm{softmax}'}(${r(d.params['logits'])}))`
            : `Categorical(${d.params['probs'] ? r(d.params['probs']) : '?'})`,
};
