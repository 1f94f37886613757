/** The Categorical distribution over the last axis; a value is one-hot over the categories. */
import { parameterTable, type Canonical, type DistributionSpec } from './family.js';
import { logitsOrProbs, notReparameterized, renderSquashed, TINY } from './logits-or-probs.js';
import type { TensorOps } from './ops.js';

/** log π_k over the last axis, from logits (log-softmax) or from the probabilities. */
const logProbs = <T>(o: TensorOps<T>, c: Canonical<T>): T => (c['logits'] !== undefined ? o.logSoftmax(c['logits']) : o.log(c['probs']!));

/** Gumbel(0, 1) noise from u ~ Uniform(0, 1): −log(−log u). */
function gumbel<T>(o: TensorOps<T>, u: T): T {
    return o.neg(o.log(o.neg(o.log(u))));
}

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
    // Gumbel-max: argmax_k (log π_k + g_k), g = −log(−log u) (Gumbel 1954; Maddison et al. 2014).
    sample: (o, c, noise) => o.oneHotMax(o.add(logProbs(o, c), gumbel(o, noise.uniform(TINY, 1)))),
    // Gumbel-softmax: softmax((log π + g)/τ) (Jang et al. 2017, eq. 1).
    relaxedSample: (o, c, noise, temperature) => o.exp(o.logSoftmax(o.div(o.add(logProbs(o, c), gumbel(o, noise.uniform(TINY, 1))), o.constant(temperature)))),
    values(shape) {
        // Independent one-hot rows of K = the last axis: K^(size/K) values.
        const k = shape[shape.length - 1] ?? 1;
        const rows = shape.reduce((a, b) => a * b, 1) / k;
        const out: number[][] = [];
        for (let code = 0; code < k ** rows; code++) {
            const v = new Array<number>(rows * k).fill(0);
            for (let r = 0, rest = code; r < rows; r++, rest = Math.floor(rest / k)) v[r * k + (rest % k)] = 1;
            out.push(v);
        }
        return out;
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
