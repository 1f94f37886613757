/**
 * The compiler: a model's IR and its derived bound become a training program. It follows the
 * derivation literally: latents are sampled as `sampling` says, each term is computed as its
 * `computation` says, chain terms sample t ~ Uniform over their range and x_t from the derived
 * closed-form q(x_t | x_0). Nothing here knows which model it compiles.
 */
import { familyOf, klNormalNormal, type ChainIR, type DistributionIR, type ModelIR } from '@gm/language';
import type { BoundTerm, ChainDerivation, Derivation, SamplingStep, VariableRef } from '@gm/language/derivation';
import { canonical, klDivergence, logDensity, programOps, relaxedSampleFrom, sampleFrom } from './distributions.js';
import { CompileError, compileExpr, newScope, type Scope } from './expressions.js';
import type { Program, ProgramTerm } from './program.js';

function refKey(ref: VariableRef, model: ModelIR): string {
    if (ref.index === undefined) return ref.name;
    const chain = model.chains.find(c => c.name === ref.name);
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
    const ir = model.chains.find(c => c.name === name);
    const derived = derivation.chains.find(c => c.chain === name);
    if (!ir || !derived || !ir.start) throw new CompileError(`chain ${name} has no derivation or no start variable`);
    return { ir, derived };
}

/** x_t drawn for one step of the plan, with the scope where `t` and x[t] are bound. */
interface ChainDraw {
    scope: Scope;
    t: number;
    eps: number;
    xt: number;
    /** The draw is importance-sampled (training only): its proposal's name and settings. */
    proposal?: { name: string; from: number; to: number; history: number; uniformFloor: number };
}

type ChainStep = Extract<SamplingStep, { kind: 'chain-marginal' }>;

const drawKey = (chain: string, from: number, to: number) => `${chain}/${from}-${to}`;

/**
 * A chain-marginal step of the plan: x_t = m_t x_0 + √s_t ε from the derived q(x_t | x_0) = N(m_t x_0, s_t),
 * with t ~ Uniform{from..to} drawn per example (or given: evaluation visits every t), or t = from when from = to.
 */
function sampleChain(scope: Scope, chain: ChainContext, step: ChainStep, options: CompileOptions): ChainDraw {
    const b = scope.builder;
    const { ir, derived } = chain;
    const { from, to } = step;
    const x0 = scope.variables.get(ir.start!)!;
    const inner = childScope(scope);
    if (from === to) {
        const at = (table: number[]) => b.constant(table[from - ir.lower]);
        const eps = b.emit({ op: 'normal-noise', shape: ir.shape, stream: `eps/${ir.name}/${from}` });
        const xt = b.add(b.mul(at(derived.coefficients.marginalMean), x0), b.mul(b.unary('sqrt', at(derived.coefficients.marginalVar)), eps));
        inner.indices.set(ir.index, { literal: from });
        inner.variables.set(`${ir.name}[${from}]`, xt);
        inner.shapes.set(`${ir.name}[${from}]`, ir.shape);
        return { scope: inner, t: b.constant(from), eps, xt };
    }
    const stream = drawKey(ir.name, from, to);
    const proposal =
        step.proposal && options.timestep !== 'input' ? { name: stream, from, to, history: step.proposal.history, uniformFloor: step.proposal.uniformFloor } : undefined;
    const t =
        options.timestep === 'input'
            ? b.emit({ op: 'data', variable: ir.index })
            : b.emit({ op: 'timestep', from, to, stream: `t/${stream}`, ...(proposal ? { proposal: proposal.name } : {}) });
    const eps = b.emit({ op: 'normal-noise', shape: ir.shape, stream: `eps/${stream}` });
    const m = b.emit({ op: 'gather', table: derived.coefficients.marginalMean, offset: ir.lower, index: t });
    const s = b.emit({ op: 'gather', table: derived.coefficients.marginalVar, offset: ir.lower, index: t });
    const xt = b.add(b.mul(m, x0), b.mul(b.unary('sqrt', s), eps));
    inner.indices.set(ir.index, { value: t });
    inner.variables.set(`${ir.name}[${ir.index}]`, xt);
    inner.shapes.set(`${ir.name}[${ir.index}]`, ir.shape);
    return { scope: inner, t, eps, xt, ...(proposal ? { proposal } : {}) };
}

/** The draw a chain term reads: the plan's step over its range of t. */
function drawFor(draws: Map<string, ChainDraw>, chain: string, from: number, to: number, term: string): ChainDraw {
    const draw = draws.get(drawKey(chain, from, to));
    if (!draw) throw new CompileError(`${term} reads ${chain}_t for t in ${from}..${to}, which the derivation's sampling plan does not draw`);
    return draw;
}

/** The canonical parameters with the mean's gradient stopped where the derivation says so. */
function detached(params: Record<string, number>, stop: 'reverse-mean' | undefined, ops: ReturnType<typeof programOps>): Record<string, number> {
    return stop === 'reverse-mean' ? { ...params, mean: ops.stopGradient(params['mean']!) } : params;
}

/** μ̃_t = posteriorMeanX0[t] x_0 + posteriorMeanXt[t] x_t (Ho et al. eq. 7), and β̃_t. */
function posterior(scope: Scope, chain: ChainContext, t: number, xt: number): { mean: number; variance: number } {
    const b = scope.builder;
    const c = chain.derived.coefficients;
    const off = chain.ir.lower;
    const x0 = scope.variables.get(chain.ir.start!)!;
    const mean = b.add(
        b.mul(b.emit({ op: 'gather', table: c.posteriorMeanX0, offset: off, index: t }), x0),
        b.mul(b.emit({ op: 'gather', table: c.posteriorMeanXt, offset: off, index: t }), xt),
    );
    return { mean, variance: b.emit({ op: 'gather', table: c.posteriorVar, offset: off, index: t }) };
}

function factorDistribution(model: ModelIR, id: string): { target: string; distribution: DistributionIR } {
    const f = model.factors.find(x => x.id === id);
    if (!f) throw new CompileError(`unknown factor ${id}`);
    return { target: f.target.name, distribution: f.distribution };
}

/** The per-example value [R·B] of one term, before the replicas are combined. */
function compileTerm(
    term: BoundTerm,
    scope: Scope,
    model: ModelIR,
    derivation: Derivation,
    draws: Map<string, ChainDraw>,
    options: CompileOptions,
    proposals: NonNullable<Program['proposals']>,
): number {
    const b = scope.builder;
    const ops = programOps(b);
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
                refs.map(r => {
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
            const s = drawFor(draws, c.chain, c.from, c.to, term.id);
            const q = posterior(s.scope, chain, s.t, s.xt);
            const nq = { mean: q.mean, variance: q.variance, logVariance: b.unary('log', q.variance) };
            const np = detached(canonical(c.reverse, s.scope), c.stopGradient, ops);
            const kl = b.sum(klNormalNormal(ops, nq, np));
            if (options.timestep === 'input') return kl;
            if (s.proposal) {
                // E_{t ~ p_t}[L_{t−1} / p_t] (Nichol & Dhariwal 2021, §3.3); the trainer records L_{t−1} at t to update p_t.
                const { name, from, to, history, uniformFloor } = s.proposal;
                proposals.push({ name, term: term.id, from, to, t: s.t, value: kl, history, uniformFloor });
                return b.div(kl, b.emit({ op: 'timestep-probability', proposal: name, from, to, index: s.t }));
            }
            return b.mul(b.constant(c.to - c.from + 1), kl);
        }
        case 'chain-decoder': {
            // log p(x_0 | x_1) at x_1 = m_1 x_0 + √s_1 ε.
            const chain = chainContext(model, derivation, c.chain);
            const one = chain.ir.lower + 1;
            const x0 = scope.variables.get(chain.ir.start!)!;
            const inner = drawFor(draws, c.chain, one, one, term.id).scope;
            const params = detached(canonical(c.distribution, inner), c.stopGradient, ops);
            if (options.decoder === 'discretized' && c.discretized) {
                return b.emit({ op: 'discretized-normal', x: x0, mean: params['mean']!, variance: params['variance']!, ...c.discretized });
            }
            return logDensity(c.distribution, x0, inner, params);
        }
        case 'score-surrogate': {
            // sg(f − b) · (log q − sg(log q)): value 0, gradient (f − b) ∇ log q (NVIL, Mnih & Gregor 2014, eq. 5).
            const v = scope.variables.get(refKey(c.variable, model));
            if (v === undefined) throw new CompileError(`${term.id}: ${c.variable.name} is not sampled`);
            const f = learningSignal(c.signal, scope, model, derivation, draws, options);
            const baseline = c.baseline ? b.sum(compileExpr(c.baseline, scope)) : b.constant(0);
            const logq = logDensity(c.q, v, scope);
            return b.mul(b.stopGradient(b.sub(f, baseline)), b.sub(logq, b.stopGradient(logq)));
        }
        case 'baseline-fit': {
            // (sg(f) − b)² as v − sg(v) (sign −1): value 0, the gradient of the squared error for the baseline only.
            const f = b.stopGradient(learningSignal(c.signal, scope, model, derivation, draws, options));
            const fit = b.unary('square', b.sub(f, b.sum(compileExpr(c.baseline, scope))));
            return b.sub(fit, b.stopGradient(fit));
        }
        case 'chain-simple': {
            // L_simple = E_{t, ε} mean_i (target − net(x_t, t))_i² (Ho et al. eq. 14, averaged over dimensions).
            const chain = chainContext(model, derivation, c.chain);
            const s = drawFor(draws, c.chain, c.from, c.to, term.id);
            const x0 = scope.variables.get(chain.ir.start!)!;
            const target = c.target === 'epsilon' ? s.eps : c.target === 'x0' ? x0 : posterior(s.scope, chain, s.t, s.xt).mean;
            const prediction = compileExpr(c.call, s.scope);
            return b.emit({ op: 'reduce', how: 'mean', x: b.unary('square', b.sub(target, prediction)) });
        }
    }
}

/**
 * The enumerated latents (Pyro's TraceEnum_ELBO, batched): the combinations of their values are blocks of rows
 * in the values that depend on them; the first enumerated latent changes slowest (`every` blocks per value).
 */
function enumerationPlan(derivation: Derivation, model: ModelIR): { combinations: number; every: Map<string, number>; logWeight?: number } {
    const every = new Map<string, number>();
    let block = 1;
    for (const s of [...derivation.sampling].reverse()) {
        if (s.kind !== 'factor' || s.estimator?.kind !== 'enumerate') continue;
        every.set(refKey(s.variable, model), block);
        block *= s.estimator.values;
    }
    return { combinations: block, every };
}

/** f = Σ sign · weight · value of the terms in a score-function estimator's learning signal, at the sampled latent. */
function learningSignal(ids: string[], scope: Scope, model: ModelIR, derivation: Derivation, draws: Map<string, ChainDraw>, options: CompileOptions): number {
    const b = scope.builder;
    return ids
        .map(id => {
            const t = derivation.terms.find(x => x.id === id);
            if (!t) throw new CompileError(`the learning signal names an unknown term ${id}`);
            return b.mul(b.constant(t.sign * t.weight.value), compileTerm(t, scope, model, derivation, draws, options, []));
        })
        .reduce((x, y) => b.add(x, y), b.constant(0));
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
    const scope = newScope(model);
    const builder = scope.builder;
    const inputs = model.variables.filter(v => v.role === 'observed' && v.data).map(v => ({ variable: v.name, shape: v.shape }));
    if (options.timestep === 'input') for (const c of model.chains) inputs.push({ variable: c.index, shape: [] });
    if (inputs.length === 0) throw new CompileError(`model ${model.name} has no observed variable bound to data`);
    for (const input of inputs) {
        scope.variables.set(input.variable, builder.emit({ op: 'data', variable: input.variable }));
        scope.shapes.set(input.variable, input.shape);
    }
    let replicas = 1;
    for (const step of derivation.sampling) if (step.kind === 'factor') replicas = Math.max(replicas, step.samples);
    for (const term of derivation.terms) if (term.computation.kind === 'importance-weighted') replicas = Math.max(replicas, term.computation.k);
    const enumeration = enumerationPlan(derivation, model);

    // The sampling plan, in order: latents from their q-factors, x_t of chains from the derived marginals.
    const draws = new Map<string, ChainDraw>();
    for (const step of derivation.sampling) {
        if (step.kind === 'chain-marginal') {
            draws.set(drawKey(step.chain, step.from, step.to), sampleChain(scope, chainContext(model, derivation, step.chain), step, options));
            continue;
        }
        const key = refKey(step.variable, model);
        const variable = model.variables.find(v => v.name === step.variable.name);
        if (!variable) throw new CompileError(`unknown latent ${step.variable.name}`);
        const e = step.estimator;
        let value: number;
        if (e?.kind === 'enumerate') {
            // Every value of the latent, one block of replicas each; the terms are weighted by q of the values.
            const table = familyOf(step.distribution).values?.(variable.shape);
            if (!table || table.length !== e.values) throw new CompileError(`${key}: cannot enumerate the ${e.values} values of a ${step.distribution.family}`);
            value = builder.emit({ op: 'enumerate', table, shape: variable.shape, every: enumeration.every.get(key)!, combinations: enumeration.combinations });
            const logq = logDensity(step.distribution, value, scope);
            enumeration.logWeight = enumeration.logWeight === undefined ? logq : builder.add(enumeration.logWeight, logq);
        } else if (e?.kind === 'relaxed') value = relaxedSampleFrom(step.distribution, variable.shape, `eps/${key}`, e.temperature, scope);
        else value = sampleFrom(step.distribution, variable.shape, `eps/${key}`, scope);
        scope.variables.set(key, value);
        scope.shapes.set(key, variable.shape);
    }

    const wanted = options.terms === 'loss' ? derivation.terms.filter(t => t.weight.value !== 0) : derivation.terms;
    const proposals: NonNullable<Program['proposals']> = [];
    const terms: ProgramTerm[] = wanted.map(term => {
        let value = compileTerm(term, scope, model, derivation, draws, options, proposals);
        // Σ_k q(c = k | …) f(k) for a term that depends on the enumerated latents.
        if (builder.enumerated[value] && enumeration.logWeight !== undefined) {
            const weighted = builder.mul(value, builder.unary('exp', enumeration.logWeight));
            value = builder.emit({ op: 'sum-enumerated', x: weighted, combinations: enumeration.combinations });
        }
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
        networks: [...new Set(networks)].map(name => ({ name, inputShape: scope.networkShapes.get(name) ?? [] })),
        dimensions: derivation.dimensions,
        ...(proposals.length ? { proposals } : {}),
    };
}
