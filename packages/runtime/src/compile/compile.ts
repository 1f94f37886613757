/**
 * The compiler: a model's IR and its derived bound become a training program. It follows the
 * derivation literally: latents are sampled as `sampling` says, each term is computed as its
 * `computation` says, chain terms sample t ~ Uniform over their range and x_t from the derived
 * closed-form q(x_t | x_0). Nothing here knows which model it compiles.
 */
import type { ChainIR, DistributionIR, IRExpr, ModelIR } from '@gm/language';
import type { BoundTerm, ChainDerivation, Derivation, VariableRef } from '@gm/language/derivation';
import { ProgramBuilder } from './builder.js';
import { klDivergence, klNormalNormal, logDensity, normalParams, reparameterizedSample } from './distributions.js';
import { CompileError, compileExpr, type Scope } from './expressions.js';
import type { Program, ProgramTerm } from './program.js';

function refKey(ref: VariableRef, model: ModelIR): string {
    if (ref.index === undefined) return ref.name;
    const chain = model.chains.find((c) => c.name === ref.name);
    if (chain && ref.index === chain.lower && chain.start) return chain.start;
    return `${ref.name}[${ref.index}]`;
}

function childScope(scope: Scope): Scope {
    return { ...scope, variables: new Map(scope.variables), indices: new Map(scope.indices), shapes: new Map(scope.shapes) };
}

interface ChainContext {
    ir: ChainIR;
    derived: ChainDerivation;
}

function chainContext(model: ModelIR, derivation: Derivation, name: string): ChainContext {
    const ir = model.chains.find((c) => c.name === name);
    const derived = derivation.chains.find((c) => c.chain === name);
    if (!ir || !derived || !ir.start) throw new CompileError(`chain ${name} has no derivation or no start variable`);
    return { ir, derived };
}

/**
 * x_t = m_t x_0 + √s_t ε with t ~ Uniform{from..to}, from the derived marginal q(x_t | x_0) = N(m_t x_0, s_t).
 * Returns a scope where `t` and `x[t]` are bound, and ε.
 */
function sampleChain(scope: Scope, chain: ChainContext, from: number, to: number, options: CompileOptions): { scope: Scope; t: number; eps: number; xt: number } {
    const b = scope.builder;
    const { ir, derived } = chain;
    const stream = `${ir.name}/${from}-${to}`;
    // t is drawn per example, or given (evaluation visits every t in turn).
    const t = options.timestep === 'input' ? b.emit({ op: 'data', variable: ir.index }) : b.emit({ op: 'timestep', from, to, stream: `t/${stream}` });
    const eps = b.emit({ op: 'normal-noise', shape: ir.shape, stream: `eps/${stream}` });
    const x0 = scope.variables.get(ir.start!)!;
    const m = b.emit({ op: 'gather', table: derived.coefficients.marginalMean, offset: ir.lower, index: t });
    const s = b.emit({ op: 'gather', table: derived.coefficients.marginalVar, offset: ir.lower, index: t });
    const xt = b.add(b.mul(m, x0), b.mul(b.unary('sqrt', s), eps));
    const inner = childScope(scope);
    inner.indices.set(ir.index, { value: t });
    inner.variables.set(`${ir.name}[${ir.index}]`, xt);
    inner.shapes.set(`${ir.name}[${ir.index}]`, ir.shape);
    return { scope: inner, t, eps, xt };
}

/** μ̃_t = posteriorMeanX0[t] x_0 + posteriorMeanXt[t] x_t (Ho et al. eq. 7), and β̃_t. */
function posterior(scope: Scope, chain: ChainContext, t: number, xt: number): { mean: number; variance: number } {
    const b = scope.builder;
    const c = chain.derived.coefficients;
    const off = chain.ir.lower;
    const x0 = scope.variables.get(chain.ir.start!)!;
    const mean = b.add(b.mul(b.emit({ op: 'gather', table: c.posteriorMeanX0, offset: off, index: t }), x0), b.mul(b.emit({ op: 'gather', table: c.posteriorMeanXt, offset: off, index: t }), xt));
    return { mean, variance: b.emit({ op: 'gather', table: c.posteriorVar, offset: off, index: t }) };
}

function factorDistribution(model: ModelIR, id: string): { target: string; distribution: DistributionIR } {
    const f = model.factors.find((x) => x.id === id);
    if (!f) throw new CompileError(`unknown factor ${id}`);
    return { target: f.target.name, distribution: f.distribution };
}

/** The per-example value [R·B] of one term, before the replicas are combined. */
function compileTerm(term: BoundTerm, scope: Scope, model: ModelIR, derivation: Derivation, options: CompileOptions): number {
    const b = scope.builder;
    const c = term.computation;
    switch (c.kind) {
        case 'kl-closed-form':
            return klDivergence(c.q, c.p, c.formula, scope);
        case 'log-ratio': {
            const v = scope.variables.get(refKey(c.variable, model));
            if (v === undefined) throw new CompileError(`${term.id}: ${c.variable.name} is not sampled`);
            return b.sub(logDensity(c.q, v, scope), logDensity(c.p, v, scope));
        }
        case 'log-likelihood': {
            const v = scope.variables.get(refKey(c.variable, model));
            if (v === undefined) throw new CompileError(`${term.id}: ${c.variable.name} is not observed or sampled`);
            return logDensity(c.distribution, v, scope);
        }
        case 'importance-weighted': {
            // log w = Σ_p log p − Σ_q log q at the k samples; the log-mean-exp over them comes after.
            const logs = (refs: typeof c.p) =>
                refs.map((r) => {
                    const { target, distribution } = factorDistribution(model, r.id);
                    const v = scope.variables.get(target);
                    if (v === undefined) throw new CompileError(`${term.id}: ${target} is not sampled`);
                    return logDensity(distribution, v, scope);
                });
            const p = logs(c.p).reduce((x, y) => b.add(x, y));
            const q = logs(c.q).reduce((x, y) => b.add(x, y));
            return b.sub(p, q);
        }
        case 'chain-prior-kl': {
            const formula = c.formula;
            return klDivergence(c.q, c.p, formula, scope);
        }
        case 'chain-kl': {
            // Σ_{t=from..to} L_{t−1} ≈ (to − from + 1) · KL(q(x_{t−1} | x_t, x_0) ‖ p(x_{t−1} | x_t)) at t ~ Uniform.
            const chain = chainContext(model, derivation, c.chain);
            const s = sampleChain(scope, chain, c.from, c.to, options);
            const q = posterior(s.scope, chain, s.t, s.xt);
            const nq = { mean: q.mean, variance: q.variance, logVariance: b.unary('log', q.variance) };
            const np = normalParams(c.reverse, s.scope);
            const kl = klNormalNormal(nq, np, s.scope);
            return options.timestep === 'input' ? kl : b.mul(b.constant(c.to - c.from + 1), kl);
        }
        case 'chain-decoder': {
            // log p(x_0 | x_1) at x_1 = m_1 x_0 + √s_1 ε.
            const chain = chainContext(model, derivation, c.chain);
            const one = chain.ir.lower + 1;
            const coef = chain.derived.coefficients;
            const x0 = scope.variables.get(chain.ir.start!)!;
            const eps = b.emit({ op: 'normal-noise', shape: chain.ir.shape, stream: `eps/${chain.ir.name}/${one}` });
            const x1 = b.add(b.mul(b.constant(coef.marginalMean[1]), x0), b.mul(b.constant(Math.sqrt(coef.marginalVar[1])), eps));
            const inner = childScope(scope);
            inner.variables.set(`${chain.ir.name}[${one}]`, x1);
            inner.shapes.set(`${chain.ir.name}[${one}]`, chain.ir.shape);
            inner.indices.set(chain.ir.index, { literal: one });
            if (options.decoder === 'discretized' && c.discretized) {
                const { mean, variance } = normalParams(c.distribution, inner);
                return b.emit({ op: 'discretized-normal', x: x0, mean, variance, ...c.discretized });
            }
            return logDensity(c.distribution, x0, inner);
        }
        case 'chain-simple': {
            // L_simple = E_{t, ε} mean_i (target − net(x_t, t))_i² (Ho et al. eq. 14, averaged over dimensions).
            const chain = chainContext(model, derivation, c.chain);
            const s = sampleChain(scope, chain, c.from, c.to, options);
            const x0 = scope.variables.get(chain.ir.start!)!;
            const target = c.target === 'epsilon' ? s.eps : c.target === 'x0' ? x0 : posterior(s.scope, chain, s.t, s.xt).mean;
            // `call` is the network call as written (newer derivations); else net(x[t], t).
            const written = (c as { call?: Extract<IRExpr, { kind: 'network' }> }).call;
            const call = written ?? {
                kind: 'network' as const,
                name: c.network,
                args: [{ kind: 'variable' as const, name: chain.ir.name, index: { kind: 'index' as const, name: chain.ir.index } }, { kind: 'index' as const, name: chain.ir.index }],
            };
            const prediction = compileExpr(call, s.scope);
            return b.emit({ op: 'reduce', how: 'mean', x: b.unary('square', b.sub(target, prediction)) });
        }
    }
}

export interface CompileOptions {
    /**
     * 'sample' (training): chain terms draw t ~ Uniform per example and a chain KL is scaled by the
     * number of t. 'input': t is an input named by the chain index, and a chain KL term is the single
     * L_{t−1} at that t (evaluation sums them over every t).
     */
    timestep?: 'sample' | 'input';
    /**
     * 'all' (default): every term of the derivation, for the bound in nats. 'loss': only the terms
     * with a non-zero weight: training does not compute what it does not minimize (with
     * `objective: simple`, L_T, L_{t−1} and L_0 would cost two more network calls per step).
     */
    terms?: 'all' | 'loss';
    /**
     * L_0 of a chain over image data: 'continuous' (default, what training minimizes, as the
     * derivation states) is the declared Normal's density; 'discretized' is Ho et al.'s eq. 13 decoder,
     * for bits per dimension comparable with the papers (evaluation).
     */
    decoder?: 'continuous' | 'discretized';
}

/** Compiles a model and its derivation into a training program. */
export function compileBound(model: ModelIR, derivation: Derivation, options: CompileOptions = {}): Program {
    const builder = new ProgramBuilder();
    const scope: Scope = { model, builder, variables: new Map(), indices: new Map(), shapes: new Map(), networkShapes: new Map() };
    const inputs = model.variables.filter((v) => v.role === 'observed' && v.data).map((v) => ({ variable: v.name, shape: v.shape }));
    if (options.timestep === 'input') for (const c of model.chains) inputs.push({ variable: c.index, shape: [] });
    if (inputs.length === 0) throw new CompileError(`model ${model.name} has no observed variable bound to data`);
    for (const input of inputs) {
        scope.variables.set(input.variable, builder.emit({ op: 'data', variable: input.variable }));
        scope.shapes.set(input.variable, input.shape);
    }
    let replicas = 1;
    for (const step of derivation.sampling) if (step.kind === 'factor') replicas = Math.max(replicas, step.samples);
    for (const term of derivation.terms) if (term.computation.kind === 'importance-weighted') replicas = Math.max(replicas, term.computation.k);

    for (const step of derivation.sampling) {
        if (step.kind !== 'factor') continue; // chain terms draw their own t and x_t
        const key = refKey(step.variable, model);
        if (!step.reparameterized) {
            throw new CompileError(`${key} is sampled from a ${step.distribution.family} (${step.gradient} gradients): the runtime has no score-function estimator yet`);
        }
        const variable = model.variables.find((v) => v.name === step.variable.name);
        if (!variable) throw new CompileError(`unknown latent ${step.variable.name}`);
        scope.variables.set(key, reparameterizedSample(step.distribution, variable.shape, `eps/${key}`, scope));
        scope.shapes.set(key, variable.shape);
    }

    const wanted = options.terms === 'loss' ? derivation.terms.filter((t) => t.weight.value !== 0) : derivation.terms;
    const terms: ProgramTerm[] = wanted.map((term) => {
        let value = compileTerm(term, scope, model, derivation, options);
        if (replicas > 1) {
            value = builder.emit({ op: 'combine-replicas', how: term.computation.kind === 'importance-weighted' ? 'logmeanexp' : 'mean', x: value });
        }
        return {
            id: term.id,
            value,
            sign: term.sign,
            inBound: term.inBound,
            weight: { value: term.weight.value, ...(term.weight.warmup ? { warmup: term.weight.warmup.steps } : {}) },
        };
    });
    const networks = [...scope.networkShapes.keys()];
    for (const i of builder.instructions) if (i.op === 'network' && !scope.networkShapes.has(i.network)) networks.push(i.network);
    return {
        model: model.name,
        inputs,
        replicas,
        instructions: builder.instructions,
        batched: builder.batched,
        terms,
        networks: [...new Set(networks)].map((name) => ({ name, inputShape: scope.networkShapes.get(name) ?? [] })),
        dimensions: derivation.dimensions,
    };
}
