/**
 * What the derivation rules ask of declared distributions, answered by the registry: which pairs
 * have a closed-form KL, which can be reparameterized, whether a variance is known before training.
 */
import type { DistributionIR, FactorIR, IRExpr } from '../ir/types.js';
import type { FactorRef, LikelihoodForm } from './types.js';
import { isStochastic } from '../ir/traverse.js';
import { evaluate, type EvaluationEnv } from '../ir/expressions.js';
import { closedFormKl, familyOf } from '../distributions/registry.js';
import type { KlSpec } from '../distributions/family.js';
import { normalVariance } from '../distributions/normal.js';

export function factorRef(f: FactorIR): FactorRef {
    return { id: f.id, kind: f.kind, range: f.range };
}

/** The value of an expression known before training (under `env`), else undefined. */
export function knownIn(env: EvaluationEnv = {}): (e: IRExpr) => number | undefined {
    return e => {
        if (isStochastic(e)) return undefined;
        const v = evaluate(e, env);
        return Number.isNaN(v) ? undefined : v;
    };
}

/** The closed-form KL between two declared distributions, if the registry has one. */
export function klFormula(q: DistributionIR, p: DistributionIR): KlSpec | undefined {
    return closedFormKl(q, p, knownIn());
}

/** The variance of a Normal as a number known before training (per the env), or undefined if learned. */
export function fixedVariance(d: DistributionIR, env: EvaluationEnv = {}): number | undefined {
    return normalVariance(d, knownIn(env));
}

/** How log p(x | …) specializes: cross-entropy, or a scaled squared error plus a constant. */
export function likelihoodForm(d: DistributionIR, dimensions: number, env: EvaluationEnv = {}): LikelihoodForm {
    return familyOf(d).likelihoodForm(d, dimensions, knownIn(env));
}
