/**
 * The bound of a Markov chain x_0 → x_1 → … → x_T whose forward (q) transitions are
 * linear-Gaussian with coefficients known before training. Coefficients are read numerically
 * from the declared factors at every t (affine forms), never by recognizing a DDPM; the bound
 * is decomposed as in Ho et al. (2020, eq. 5):
 *   −ELBO = L_T + Σ_{t=2..T} L_{t−1} + L_0,
 *   L_T = KL(q(x_T | x_0) ‖ p(x_T)),  L_{t−1} = KL(q(x_{t−1} | x_t, x_0) ‖ p(x_{t−1} | x_t)),
 *   L_0 = −log p(x_0 | x_1).
 */
import type { ChainIR, DistributionIR, FactorIR, IRExpr, ModelIR, SourceRange } from '../ir/types.js';
import { affineForm, modelEnv, substituteIndex } from './affine.js';
import { findExpr, mapExpr, namesIn, usesNetwork } from '../ir/traverse.js';
import { chainCoefficients } from './chain-coefficients.js';
import { factorRef, fixedVariance, klFormula, likelihoodForm } from './distributions.js';
import type { BoundTerm, ChainDerivation, DerivationFailure, ObjectiveKind, Parameterization, SamplingStep, TermWeight, TimestepProposal } from './types.js';
import { chainTexts } from './chain-text.js';
import { networkKey, networkTerm, readLearnedVariance } from './learned-variance.js';
import { MAX_STEPS } from '../ir/schedules.js';

export interface ChainResult {
    chain: ChainDerivation;
    terms: BoundTerm[];
    sampling: SamplingStep[];
    dimensions: number;
    notes: string[];
    isBound: boolean;
    objectiveKind: ObjectiveKind;
}

type Fail = DerivationFailure['reasons'];
const TOL = 1e-6;
const close = (a: number, b: number) => Math.abs(a - b) <= TOL * Math.max(1, Math.abs(a), Math.abs(b));

/** The index name a factor uses (`t` in q(x[t] | x[t-1])). */
const indexName = (e: IRExpr | undefined): string | undefined => (e ? findExpr(e, 'index')?.name : undefined);

export function deriveChain(model: ModelIR, c: ChainIR): ChainResult | { reasons: Fail } {
    const reasons: Fail = [];
    const fail = (message: string, range: SourceRange) => {
        reasons.push({ message, range });
        return { reasons };
    };
    const env = (t: number) => modelEnv(model, { [ix]: t });
    const inChain = (f: FactorIR) => f.target.name === c.name;
    const offset = (f: FactorIR, t: number) => {
        // The target's index minus the (first) given's index at t: +1 forward, −1 reverse.
        const target = f.target.index ? affineForm(f.target.index, env(t))?.constant : NaN;
        const given = f.given[0]?.index ? affineForm(f.given[0].index, env(t))?.constant : NaN;
        return (target ?? NaN) - (given ?? NaN);
    };
    const factors = model.factors.filter(inChain);
    const ix = indexName(factors.find(f => f.target.index && indexName(f.target.index))?.target.index) ?? c.index;
    const start = c.start;
    if (!start) return fail(`chain '${c.name}' needs an observed start (chain ${c.name}[${c.index} in …] starts x0)`, c.range);
    const T = c.upper,
        lo = c.lower;
    if (!(T > lo)) return fail(`chain '${c.name}' has no latent elements (${lo}..${T})`, c.range);
    // The coefficients are read at every step: as many as a schedule may have, counted exactly.
    if (!Number.isSafeInteger(lo) || !Number.isSafeInteger(T) || T - lo > MAX_STEPS)
        return fail(`chain '${c.name}' runs over ${T - lo} steps; at most ${MAX_STEPS} are supported`, c.range);

    const forward = factors.filter(f => f.kind === 'q' && f.given.length === 1 && f.given[0]!.name === c.name && offset(f, lo + 1) === 1);
    const reverse = factors.filter(f => f.kind === 'p' && f.given.length === 1 && f.given[0]!.name === c.name && offset(f, lo + 1) === -1);
    const prior = factors.filter(
        f =>
            f.kind === 'p' &&
            f.given.length === 0 &&
            f.target.index &&
            affineForm(f.target.index, env(lo))?.constant === T &&
            affineForm(f.target.index, env(lo))?.coefs.size === 0,
    );
    if (forward.length !== 1) return fail(`chain '${c.name}' needs one forward factor q(${c.name}[${ix}] | ${c.name}[${ix}-1]) (found ${forward.length})`, c.range);
    if (reverse.length !== 1) return fail(`chain '${c.name}' needs one reverse factor p(${c.name}[${ix}-1] | ${c.name}[${ix}]) (found ${reverse.length})`, c.range);
    if (prior.length !== 1) return fail(`chain '${c.name}' needs one prior p(${c.name}[${T}]) on its last element (found ${prior.length})`, c.range);
    const q = forward[0]!,
        p = reverse[0]!,
        pT = prior[0]!;
    const other = model.factors.filter(f => f !== q && f !== p && f !== pT);
    if (other.length)
        return fail(`factor ${other[0]!.id} is not part of chain '${c.name}': a model with a chain may declare only its forward, reverse and prior factors`, other[0]!.range);
    if (q.distribution.family !== 'Normal') return fail('the forward factor must be Normal for a closed-form marginal q(x_t | x_0)', q.distribution.range);
    if (Object.values(q.distribution.params).some(usesNetwork)) {
        return fail('the forward process has learned coefficients: the marginal q(x_t | x_0) is then not available in closed form', q.distribution.range);
    }

    // Forward coefficients a_t, v_t from q(x_t | x_{t−1}) = 𝒩(a_t x_{t−1}, v_t), read at every t.
    const n = T - lo + 1;
    const a: number[] = [NaN],
        v: number[] = [NaN];
    for (let t = lo + 1; t <= T; t++) {
        const form = q.distribution.params['mean'] ? affineForm(q.distribution.params['mean'], env(t)) : { constant: 0, coefs: new Map() };
        const key = `${c.name}[${t - 1}]`;
        if (!form || [...form.coefs.keys()].some(k => k !== key) || Math.abs(form.constant) > 1e-12) {
            return fail(`the forward mean is not linear in ${c.name}[${ix}-1] at ${ix} = ${t} (expected a_t · ${c.name}[${ix}-1])`, q.distribution.range);
        }
        const variance = fixedVariance(q.distribution, env(t));
        if (variance === undefined || !(variance > 0)) return fail(`the forward variance at ${ix} = ${t} is not a positive number known before training`, q.distribution.range);
        a.push(form.coefs.get(key) ?? 0);
        v.push(variance);
    }
    const coefficients = chainCoefficients(a, v);

    // Reverse mean μ_θ(x_t, t) = A_t x_t + B_t net(x_t, t), read at every t.
    if (p.distribution.family !== 'Normal') return fail('the reverse factor must be Normal for the closed-form L_{t−1}', p.distribution.range);
    const nets = [...namesIn(p.distribution.params['mean'] ?? { kind: 'number', value: 0 }, 'network')];
    if (nets.length > 1) return fail(`the reverse mean calls ${nets.length} networks; one is expected`, p.distribution.range);
    const A: number[] = [NaN],
        B: number[] = [NaN],
        sigma2: number[] = [NaN];
    const learnedVariance = ['var', 'std', 'logvar'].some(k => p.distribution.params[k] && usesNetwork(p.distribution.params[k]!));
    const netCall = networkTerm(p.distribution.params['mean']);
    const netKey = netCall ? networkKey(netCall) : '';
    for (let t = lo + 1; t <= T; t++) {
        const form = p.distribution.params['mean'] ? affineForm(p.distribution.params['mean'], env(t)) : { constant: 0, coefs: new Map() };
        const key = `${c.name}[${t}]`;
        if (!form || [...form.coefs.keys()].some(k => k !== key && k !== netKey) || Math.abs(form.constant) > 1e-12) {
            return fail(`the reverse mean is not of the form A_t · ${c.name}[${ix}] + B_t · net(…) at ${ix} = ${t}`, p.distribution.range);
        }
        A.push(form.coefs.get(key) ?? 0);
        B.push(netKey ? (form.coefs.get(netKey) ?? 0) : 0);
        sigma2.push(learnedVariance ? NaN : (fixedVariance(p.distribution, env(t)) ?? NaN));
    }
    const notes: string[] = [];
    const chainNotes: string[] = [];
    const { marginalMean: m, marginalVar: s, posteriorMeanX0: C, posteriorMeanXt: D, posteriorVar: bt } = coefficients;

    // Which quantity the network predicts, checked against the derived posterior mean at t ≥ 2.
    const ts = Array.from({ length: n - 2 }, (_, i) => i + 2);
    const K = (i: number) => (-C[i]! * Math.sqrt(s[i]!)) / m[i]!;
    let parameterization: Parameterization = 'general';
    if (nets.length && ts.length) {
        if (ts.every(i => close(A[i]!, C[i]! / m[i]! + D[i]!) && close(B[i]!, K(i)))) parameterization = 'epsilon';
        else if (ts.every(i => close(A[i]!, D[i]!) && close(B[i]!, C[i]!))) parameterization = 'x0';
        else if (ts.every(i => close(A[i]!, 0) && close(B[i]!, 1))) parameterization = 'mean';
    }
    const dims = c.shape.reduce((x, y) => x * y, 1);
    coefficients.reverseMeanXt = A;
    coefficients.reverseMeanNet = B;
    if (!learnedVariance) {
        coefficients.reverseVar = sigma2;
        const factor = (i: number) => (parameterization === 'epsilon' ? K(i) : parameterization === 'x0' ? C[i]! : 1);
        coefficients.mseWeight = sigma2.map((s2, i) => (i < 2 || parameterization === 'general' ? NaN : factor(i) ** 2 / (2 * s2)));
        coefficients.klConstant = sigma2.map((s2, i) => (i < 2 ? NaN : 0.5 * dims * (bt[i]! / s2 - 1 - Math.log(bt[i]! / s2))));
        const bad = ts.find(i => !(sigma2[i]! > 0));
        if (bad !== undefined) return fail(`the reverse variance at ${ix} = ${bad + lo} is not positive`, p.distribution.range);
    }
    const varianceForm = learnedVariance ? readLearnedVariance(p.distribution, env, lo, T, coefficients, ix) : undefined;
    if (varianceForm && 'error' in varianceForm) return fail(varianceForm.error, p.distribution.range);

    // L_0 = −log p(x_0 | x_1): the reverse factor at t = lower + 1, x[lower] being the observed start.
    let decoder: DistributionIR = substituteStart(substituteDistribution(p.distribution, ix, lo + 1), c.name, lo, start);
    if (!learnedVariance && !(sigma2[1]! > 0)) {
        // σ_1² = β̃_1 = 0 since s_0 = 0: as Nichol & Dhariwal (2021) clip the posterior log-variance, use β̃_2.
        if (bt[2] === undefined) return fail(`σ_1² = β̃_1 = 0 and the chain has no second step whose β̃_2 could replace it; give the chain at least two steps`, p.distribution.range);
        decoder = { ...decoder, params: { ...withoutVariance(decoder.params), var: { kind: 'number', value: bt[2]! } } };
        chainNotes.push(`σ_1² = ${sigma2[1]} (β̃_1 = 0 because x_0 is known): L_0 uses σ_1² := β̃_2 = ${bt[2]!.toPrecision(6)}, clipped as in Nichol & Dhariwal (2021)`);
    }
    const levels = discretization(model, start, decoder);
    chainNotes.push(
        levels
            ? `L_0 is the declared Normal's continuous log-density in training; gm eval scores it with Ho et al.'s discretized decoder (eq. 13), ${levels.bins} levels on [${levels.low}, ${levels.high}], for bits/dim comparable with the papers`
            : "L_0 is the declared Normal's continuous log-density",
    );

    const derivation: ChainDerivation = {
        chain: c.name,
        start,
        index: ix,
        lower: lo,
        upper: T,
        dimensions: dims,
        forward: factorRef(q),
        reverse: factorRef(p),
        prior: factorRef(pT),
        coefficients,
        parameterization,
        ...(nets[0] ? { network: nets[0] } : {}),
        learnedVariance,
        ...(varianceForm ? { varianceForm } : {}),
        notes: chainNotes,
    };

    // Objective options: simple (Ho et al. eq. 14), vlb (eq. 5), hybrid (Nichol & Dhariwal eq. 16).
    const objective = model.train.objective ?? 'vlb';
    if (objective !== 'vlb' && (parameterization === 'general' || !nets[0])) {
        return fail(
            `objective ${objective} needs the reverse mean written with a network predicting ε, x_0 or the mean; here it is neither (found A_t, B_t that match none)`,
            p.distribution.range,
        );
    }
    const lambda = model.train.hybridWeight;
    const vlbWeight: TermWeight =
        objective === 'vlb'
            ? { value: 1 }
            : objective === 'simple'
              ? { value: 0, reason: 'dropped by objective simple (Ho et al. eq. 14)' }
              : // L_simple is a mean over dimensions, so L_vlb enters per dimension too: λ / D on the summed terms.
                {
                    value: lambda / dims,
                    display: `${lambda}/${dims}`,
                    reason: `λ = ${lambda} on L_vlb per dimension (λ/D, D = ${dims}): hybrid objective L_simple + λ L_vlb (Nichol & Dhariwal 2021, eq. 16)`,
                };
    if (objective === 'hybrid')
        notes.push(`hybrid: L_simple + ${lambda} · L_vlb, both per dimension; Nichol & Dhariwal stop the gradient of μ_θ through L_vlb so that it only trains σ_t²`);
    if (objective === 'hybrid' && !learnedVariance)
        notes.push('σ_t² is not learned here: with μ_θ stopped, L_vlb trains nothing and hybrid trains as simple (Nichol & Dhariwal learn Σ_θ, eq. 15)');
    if (objective === 'simple') notes.push('objective simple: L_simple is not a bound; the terms of the bound are still evaluated for nats and bits/dim');
    if (objective === 'simple' && learnedVariance) notes.push('L_simple does not depend on σ_t²: a learned variance is not trained by it (use hybrid)');

    // Nichol & Dhariwal (2021, §3.1): in the hybrid objective L_vlb sees μ_θ without its gradient, so it trains σ_t² only.
    const detachMean = objective === 'hybrid' ? { stopGradient: 'reverse-mean' as const } : {};
    const pT_T = pT.distribution;
    const qT: DistributionIR = {
        family: 'Normal',
        params: {
            mean: { kind: 'binary', op: '*', left: { kind: 'number', value: m[n - 1]! }, right: { kind: 'variable', name: start } },
            var: { kind: 'number', value: s[n - 1]! },
        },
        range: q.distribution.range,
    };
    const priorKl = klFormula(qT, pT_T);
    if (!priorKl) return fail(`p(${c.name}[${T}]) must be Normal for a closed-form L_T`, pT.range);
    const priorLearned = Object.values(pT_T.params).some(usesNetwork);
    // Nichol & Dhariwal (2021, §3.3): the t of L_{t−1} drawn with p_t ∝ sqrt(E[L_t²]), 10 values per t, as in their code.
    const proposal: TimestepProposal | undefined = model.train.tSampling === 'importance' ? { kind: 'importance', history: 10, uniformFloor: 0.001 } : undefined;
    const texts = chainTexts(model, derivation, q, p, pT, proposal);
    if (objective === 'hybrid') {
        const sg = { text: 'μ_θ enters with its gradient stopped, sg(μ_θ): this term trains σ_t² only (Nichol & Dhariwal 2021, §3.1)', latex: '\\mathrm{sg}(\\mu_\\theta)' };
        texts.chainKl.detail.push(sg);
        texts.decoder.detail.push(sg);
    }
    const terms: BoundTerm[] = [
        {
            id: 'L_T',
            kind: 'chain-prior-kl',
            estimator: priorLearned ? 'closed-form' : 'constant',
            sign: -1,
            inBound: true,
            weight: vlbWeight,
            learned: priorLearned,
            variable: { name: c.name, index: T },
            factors: [factorRef(q), factorRef(pT)],
            computation: { kind: 'chain-prior-kl', chain: c.name, t: T, q: qT, p: pT_T, formula: priorKl.formula },
            ...texts.priorKl,
        },
        {
            id: 'L_t-1',
            kind: 'chain-kl',
            estimator: 'closed-form',
            sign: -1,
            inBound: true,
            weight: vlbWeight,
            learned: true,
            variable: { name: c.name, index: 't-1' },
            factors: [factorRef(q), factorRef(p)],
            computation: { kind: 'chain-kl', chain: c.name, from: lo + 2, to: T, reverse: p.distribution, ...detachMean },
            ...texts.chainKl,
        },
        {
            id: 'L_0',
            kind: 'chain-decoder',
            estimator: 'monte-carlo',
            sign: 1,
            inBound: true,
            weight: vlbWeight,
            learned: true,
            variable: { name: start },
            factors: [factorRef(p)],
            computation: {
                kind: 'chain-decoder',
                chain: c.name,
                variable: { name: start },
                distribution: decoder,
                form: likelihoodForm(decoder, dims, modelEnv(model)),
                ...(levels ? { discretized: levels } : {}),
                ...detachMean,
            },
            ...texts.decoder,
        },
    ];
    if (objective !== 'vlb') {
        const target = parameterization === 'epsilon' ? 'epsilon' : parameterization === 'x0' ? 'x0' : 'mean';
        terms.push({
            id: 'L_simple',
            kind: 'chain-simple',
            estimator: 'monte-carlo',
            sign: -1,
            inBound: false,
            weight: { value: 1 },
            learned: true,
            variable: { name: c.name, index: 't' },
            factors: [factorRef(q), factorRef(p)],
            computation: { kind: 'chain-simple', chain: c.name, from: lo + 1, to: T, network: nets[0]!, target, call: netCall! },
            ...texts.simple,
        });
    }
    // What the terms read: x_t at t ~ U{2..T} (L_{t−1}), x_1 (L_0) and, for L_simple, x_t at t ~ U{1..T}.
    const marginal = (from: number, to: number, importance?: TimestepProposal): SamplingStep => ({
        kind: 'chain-marginal',
        chain: c.name,
        from,
        to,
        mean: 'marginalMean',
        variance: 'marginalVar',
        reparameterized: true,
        ...(importance ? { proposal: importance } : {}),
    });
    const sampling: SamplingStep[] = [marginal(lo + 2, T, proposal), marginal(lo + 1, lo + 1), ...(objective !== 'vlb' ? [marginal(lo + 1, T)] : [])];
    return { chain: derivation, terms, sampling, dimensions: dims, notes, isBound: objective === 'vlb', objectiveKind: objective };
}

function substituteDistribution(d: DistributionIR, index: string, t: number): DistributionIR {
    return { ...d, params: Object.fromEntries(Object.entries(d.params).map(([k, e]) => [k, substituteIndex(e, index, t)])) };
}

/** x[lower] is the observed start variable: x[0] → x0. */
function substituteStart(d: DistributionIR, chain: string, lower: number, start: string): DistributionIR {
    const sub = (e: IRExpr): IRExpr =>
        mapExpr(e, v =>
            v.kind === 'variable' && v.name === chain && v.index?.kind === 'number' && v.index.value === lower
                ? { kind: 'variable', name: start, ...(v.range ? { range: v.range } : {}) }
                : v,
        );
    return { ...d, params: Object.fromEntries(Object.entries(d.params).map(([k, e]) => [k, sub(e)])) };
}

function withoutVariance(params: Record<string, IRExpr>): Record<string, IRExpr> {
    const { var: _v, std: _s, logvar: _l, ...rest } = params;
    void _v;
    void _s;
    void _l;
    return rest;
}

/** 8-bit image data (not binarized) under a Normal decoder can be scored with the discretized decoder of Ho et al. eq. 13. */
function discretization(model: ModelIR, start: string, decoder: DistributionIR): { bins: number; low: number; high: number } | undefined {
    const variable = model.variables.find(v => v.name === start);
    const data = model.data.find(d => d.name === variable?.data);
    if (!data || data.binarize !== 'none' || decoder.family !== 'Normal') return undefined;
    return { bins: 256, low: data.valueRange[0], high: data.valueRange[1] };
}
