/** What the two discrete families given by logits or probabilities (Bernoulli, Categorical) share. */
import type { Canonical, Notation, Params } from './family.js';
import type { DistributionIR, IRExpr } from '../ir/types.js';

/** The smallest uniform a Gumbel or logistic draw uses: log u stays finite (a float32 uniform can be exactly 0). */
export const TINY = 1e-7;

/** Whichever of logits and probs was given. */
export const logitsOrProbs = <T>(_o: unknown, p: Params<T>): Canonical<T> => (p.has('logits') ? { logits: p.get('logits') } : { probs: p.get('probs') });

export const notReparameterized = (z: string): string => `${z} is discrete: not reparameterizable; gradient by the score-function estimator (REINFORCE, Williams 1992)`;

/** `Bernoulli(sigmoid(…))` from logits, `Bernoulli(π)` from probabilities. */
export function renderSquashed(squash: string): (d: DistributionIR, n: Notation, r: (e: IRExpr) => string) => string {
    return (d, n, r) => {
        const { logits, probs } = d.params;
        return logits ? `${d.family}(${n === 'text' ? squash : `\\mathrm{${squash}}`}(${r(logits)}))` : `${d.family}(${probs ? r(probs) : '?'})`;
    };
}
