/**
 * The definition, estimated directly from the declared factors with no derivation:
 * one sample of log p(x, z) − log q(z | x), z ~ q (Kingma & Welling 2013, eq. 3), and for a chain
 * log p(x_0:T) − log q(x_1:T | x_0) with x_1:T drawn by running the forward process step by step.
 */
import type { ModelIR } from '../../src/ir/types.js';
import { draw, logDensity, size, type EvalContext, type Rng, type Vec } from './ir-eval.js';

/** Draws every latent from its q-factor (parents first) and returns log p(x, z) − log q(z | x). */
export function rawLogWeight(model: ModelIR, ctx: EvalContext, rng: Rng): number {
    const latents = model.variables.filter(v => v.role === 'latent');
    const values = new Map(ctx.values);
    const c = { ...ctx, values };
    const qs = model.factors.filter(f => f.kind === 'q');
    let logq = 0;
    while (latents.some(v => !values.has(v.name))) {
        const f = qs.find(g => !values.has(g.target.name) && g.given.every(p => values.has(p.name)));
        if (!f) throw new Error('q has no sampling order');
        const v = latents.find(l => l.name === f.target.name)!;
        const z = draw(f.distribution, c, size(v.shape), rng);
        values.set(v.name, z);
        logq += logDensity(f.distribution, z, c);
    }
    let logp = 0;
    for (const f of model.factors.filter(g => g.kind === 'p')) logp += logDensity(f.distribution, values.get(f.target.name)!, c);
    return logp - logq;
}

/** One sample of log p(x_0:T) − log q(x_1:T | x_0) for a chain model. */
export function rawChainLogWeight(model: ModelIR, ctx: EvalContext, x0: Vec, rng: Rng): number {
    const chain = model.chains[0]!;
    const ix = chain.index;
    const forward = model.factors.find(f => f.kind === 'q')!;
    const reverse = model.factors.find(f => f.kind === 'p' && f.given.length === 1)!;
    const prior = model.factors.find(f => f.kind === 'p' && f.given.length === 0)!;
    const values = new Map(ctx.values);
    values.set(`${chain.name}[${chain.lower}]`, x0);
    let logq = 0,
        logp = 0;
    for (let t = chain.lower + 1; t <= chain.upper; t++) {
        const c = { ...ctx, values, indices: { ...ctx.indices, [ix]: t } };
        const xt = draw(forward.distribution, c, x0.length, rng);
        values.set(`${chain.name}[${t}]`, xt);
        logq += logDensity(forward.distribution, xt, c);
    }
    logp += logDensity(prior.distribution, values.get(`${chain.name}[${chain.upper}]`)!, { ...ctx, values });
    for (let t = chain.lower + 1; t <= chain.upper; t++) {
        const c = { ...ctx, values, indices: { ...ctx.indices, [ix]: t } };
        logp += logDensity(reverse.distribution, values.get(`${chain.name}[${t - 1}]`)!, c);
    }
    return logp - logq;
}
