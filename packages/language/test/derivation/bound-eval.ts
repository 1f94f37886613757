/**
 * Evaluates a derivation the way the runtime will: follow the sampling plan, compute each term
 * from its `computation` (closed forms from the derivation's formulas and coefficients), and add
 * sign · value over the terms of the bound. One call is one Monte Carlo sample of the bound.
 */
import { klNormal } from '../../src/derivation/closed-forms.js';
import { familyOf } from '../../src/distributions/registry.js';
import { vectorOps } from '../../src/distributions/vector-ops.js';
import type { BoundTerm, Computation, Derivation, KlFormula, LikelihoodForm } from '../../src/derivation/types.js';
import type { DistributionIR, ModelIR } from '../../src/ir/types.js';
import { canonicalOf, draw, ev, logDensity, normalParams, size, type EvalContext, type Rng, type Vec } from './ir-eval.js';

/** The closed-form KL of a term: the registry's formula, at the parameters evaluated here. */
export function closedFormKl(formula: KlFormula, q: DistributionIR, p: DistributionIR, ctx: EvalContext, n: number): number {
    const spec = familyOf(q).kl.find(k => k.formula === formula);
    if (!spec) throw new Error(`formula ${formula}`);
    const kl = spec.compute(vectorOps, canonicalOf(q, ctx), canonicalOf(p, ctx));
    return kl.length === 1 ? kl[0]! * n : kl.reduce((s, v) => s + v, 0);
}

/** log p(x | …) per the likelihood form (cross-entropy, squared error + constant, or the density). */
export function logLikelihood(form: LikelihoodForm, d: DistributionIR, x: Vec, ctx: EvalContext): number {
    if (form.kind === 'bernoulli-cross-entropy') {
        const logits = ev(d.params['logits']!, ctx);
        // x log σ(l) + (1 − x) log σ(−l), with log σ(l) = −softplus(−l)
        const sp = (v: number) => (v > 0 ? v + Math.log1p(Math.exp(-v)) : Math.log1p(Math.exp(v)));
        return x.reduce((s, xi, i) => s - xi * sp(-logits[i]!) - (1 - xi) * sp(logits[i]!), 0);
    }
    if (form.kind === 'normal-squared-error') {
        const mean = ev(d.params['mean']!, ctx);
        return -form.scale * x.reduce((s, xi, i) => s + (xi - mean[mean.length === 1 ? 0 : i]!) ** 2, 0) + form.constant;
    }
    return logDensity(d, x, ctx);
}

export interface BoundSample {
    /** Σ sign · value over the terms in the bound: one sample of the ELBO. */
    elbo: number;
    values: Map<string, number>;
}

/** One sample of the derived bound of a latent-variable model. */
export function sampleLatentBound(model: ModelIR, d: Derivation, ctx: EvalContext, rng: Rng): BoundSample {
    const values = new Map(ctx.values);
    const c: EvalContext = { ...ctx, values };
    const dims = (name: string) => size(model.variables.find(v => v.name === name)!.shape);
    const iw = d.terms.find(t => t.computation.kind === 'importance-weighted');
    if (iw && iw.computation.kind === 'importance-weighted') {
        const k = iw.computation.k;
        const logWeights: number[] = [];
        for (let i = 0; i < k; i++) {
            const vs = new Map(ctx.values);
            const ci = { ...ctx, values: vs };
            let lw = 0;
            for (const s of d.sampling) {
                if (s.kind !== 'factor') continue;
                const z = draw(s.distribution, ci, dims(s.variable.name), rng);
                vs.set(s.variable.name, z);
                lw -= logDensity(s.distribution, z, ci);
            }
            for (const ref of iw.computation.p) {
                const f = model.factors.find(g => g.id === ref.id)!;
                lw += logDensity(f.distribution, vs.get(f.target.name)!, ci);
            }
            logWeights.push(lw);
        }
        const m = Math.max(...logWeights);
        const value = m + Math.log(logWeights.reduce((s, w) => s + Math.exp(w - m), 0) / k);
        return { elbo: value, values: new Map([['iwae', value]]) };
    }
    for (const s of d.sampling) {
        if (s.kind !== 'factor') continue;
        values.set(s.variable.name, draw(s.distribution, c, dims(s.variable.name), rng));
    }
    const out = new Map<string, number>();
    let elbo = 0;
    for (const t of d.terms) {
        if (!t.inBound) continue; // the score-function surrogates have value 0 and are no part of the bound
        const v = termValue(t.computation, c, dims);
        out.set(t.id, v);
        if (t.inBound) elbo += t.sign * v;
    }
    return { elbo, values: out };
}

function termValue(comp: Computation, c: EvalContext, dims: (name: string) => number): number {
    switch (comp.kind) {
        case 'kl-closed-form':
            return closedFormKl(comp.formula, comp.q, comp.p, c, dims(comp.variable.name));
        case 'log-ratio': {
            const v = c.values.get(comp.variable.name)!;
            return logDensity(comp.q, v, c) - logDensity(comp.p, v, c);
        }
        case 'log-likelihood':
            return logLikelihood(comp.form, comp.distribution, c.values.get(comp.variable.name)!, c);
        default:
            throw new Error(`not a latent-variable term: ${comp.kind}`);
    }
}

/** One sample of the decomposed chain bound −(L_T + Σ_{t≥2} L_{t−1} + L_0), every t evaluated. */
export function sampleChainBound(model: ModelIR, d: Derivation, ctx: EvalContext, x0: Vec, rng: Rng): BoundSample {
    const chain = d.chains[0]!;
    const k = chain.coefficients;
    const at = (t: number) => t - chain.lower;
    const xt = (t: number): Vec => x0.map(v => k.marginalMean[at(t)]! * v + Math.sqrt(k.marginalVar[at(t)]!) * rng.normal());
    const out = new Map<string, number>();
    let elbo = 0;
    const base = new Map(ctx.values);
    base.set(chain.start, x0);
    for (const term of d.terms) {
        const comp = term.computation;
        let value: number;
        if (comp.kind === 'chain-prior-kl') {
            value = closedFormKl(comp.formula, comp.q, comp.p, { ...ctx, values: base }, x0.length);
        } else if (comp.kind === 'chain-kl') {
            value = 0;
            for (let t = comp.from; t <= comp.to; t++) value += chainKlAt(term, chain.index, t, xt(t), x0, ctx, base, d);
        } else if (comp.kind === 'chain-decoder') {
            const values = new Map(base);
            values.set(`${chain.chain}[${chain.lower + 1}]`, xt(chain.lower + 1));
            value = logLikelihood(comp.form, comp.distribution, x0, { ...ctx, values });
        } else {
            continue; // L_simple is a surrogate, not part of the bound
        }
        out.set(term.id, value);
        if (term.inBound) elbo += term.sign * value;
    }
    return { elbo, values: out };
}

/** KL(q(x_{t−1} | x_t, x_0) ‖ p(x_{t−1} | x_t)) from the derived posterior coefficients. */
export function chainKlAt(term: BoundTerm, index: string, t: number, x: Vec, x0: Vec, ctx: EvalContext, base: Map<string, Vec>, d: Derivation): number {
    const chain = d.chains[0]!;
    const k = chain.coefficients;
    const i = t - chain.lower;
    if (term.computation.kind !== 'chain-kl') throw new Error('chain-kl expected');
    const values = new Map(base);
    values.set(`${chain.chain}[${t}]`, x);
    const c = { ...ctx, values, indices: { ...ctx.indices, [index]: t } };
    const p = normalParams(term.computation.reverse, c, x.length);
    const muQ = x.map((v, j) => k.posteriorMeanX0[i]! * x0[j]! + k.posteriorMeanXt[i]! * v);
    return klNormal(muQ, Array(x.length).fill(k.posteriorVar[i]!), p.mean, p.variance);
}
