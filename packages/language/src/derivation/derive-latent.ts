/**
 * The bound of a model with declared latents, by general rules from
 * ELBO(x) = E_q[log p(x, z) − log q(z | x)] (Kingma & Welling 2013, eq. 3):
 * each latent's p- and q-factor pair up into −KL (closed form where the families allow and no
 * parent of either factor is drawn after the latent), each observed factor into an expected
 * log-likelihood; with k > 1 importance samples, the IWAE bound (Burda et al. 2015, eq. 8).
 */
import type { FactorIR, ModelIR, SourceRange } from '../ir/types.js';
import { namesIn, usesNetwork } from '../ir/traverse.js';
import { modeledObserved } from '../ir/conditions.js';
import { familyOf, isDiscrete, isReparameterized } from '../distributions/registry.js';
import { describeNormal } from '../distributions/normal.js';
import { factorRef, klFormula, likelihoodForm } from './distributions.js';
import { factorHead, renderDistribution, renderExpr, textToLatex, variableName } from './render-expr.js';
import type { BoundTerm, DerivationFailure, DiscreteEstimator, SamplingStep, TermWeight } from './types.js';
import { chooseEstimator, estimatorShort, estimatorWords, scoreTerms } from './discrete.js';

const GRADIENT: Record<DiscreteEstimator['kind'], 'enumeration' | 'score-function' | 'relaxation'> = { enumerate: 'enumeration', score: 'score-function', relaxed: 'relaxation' };

export interface DeriveOptions {
    /** The importance-weighted bound with this many samples, whatever the model's k (gm eval's log p(x) estimate). */
    importanceSamples?: number;
}

export interface LatentDerivation {
    terms: BoundTerm[];
    sampling: SamplingStep[];
    dimensions: number;
    /** q(z1 | x) q(z2 | z1): the approximate posterior as written. */
    qText: { text: string; latex: string };
    notes: string[];
    isBound: boolean;
    objectiveKind: 'elbo' | 'beta-elbo' | 'iwae';
}

type Fail = DerivationFailure['reasons'];

const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** Derives the terms, or the reasons why the rules do not apply. */
export function deriveLatent(model: ModelIR, options: DeriveOptions = {}): LatentDerivation | { reasons: Fail } {
    const reasons: Fail = [];
    const fail = (message: string, range: SourceRange) => reasons.push({ message, range });
    const latents = model.variables.filter(v => v.role === 'latent');
    // Labels the model is conditioned on (p(x | y)) are given, like x, but the bound is not on them.
    const observed = modeledObserved(model);
    const pOf = (name: string) => model.factors.filter(f => f.kind === 'p' && f.target.name === name && !f.target.index);
    const qOf = (name: string) => model.factors.filter(f => f.kind === 'q' && f.target.name === name && !f.target.index);

    for (const v of latents) {
        if (pOf(v.name).length !== 1) fail(`latent '${v.name}' needs exactly one generative factor p(${v.name} | …) (found ${pOf(v.name).length})`, v.range);
        if (qOf(v.name).length !== 1) fail(`latent '${v.name}' needs exactly one approximate-posterior factor q(${v.name} | …) (found ${qOf(v.name).length})`, v.range);
    }
    for (const v of observed) {
        if (pOf(v.name).length !== 1) fail(`observed '${v.name}' needs exactly one factor p(${v.name} | …) (found ${pOf(v.name).length})`, v.range);
        if (qOf(v.name).length) fail(`observed '${v.name}' cannot have a q-factor: q approximates the posterior of latents only`, qOf(v.name)[0]!.range);
    }
    if (latents.length === 0) fail('the model declares no latent variable, so there is no bound to derive', model.nameRange);
    if (reasons.length) return { reasons };

    // q samples latents parents-first; a cycle means q is not a proper distribution.
    const order: string[] = [];
    const latentNames = new Set(latents.map(v => v.name));
    while (order.length < latents.length) {
        const next = latents.find(v => !order.includes(v.name) && qOf(v.name)[0]!.given.every(g => !latentNames.has(g.name) || order.includes(g.name)));
        if (!next) {
            fail('the q-factors form a cycle: q must sample each latent after the latents it is conditioned on', qOf(latents.find(v => !order.includes(v.name))!.name)[0]!.range);
            return { reasons };
        }
        order.push(next.name);
    }
    const position = new Map(order.map((n, i) => [n, i]));
    const qFactor = (name: string) => qOf(name)[0]!;
    const k = options.importanceSamples ?? model.train.k;
    const weighted = k > 1 || options.importanceSamples !== undefined;
    const L = weighted ? k : model.train.samples;

    const shapeOf = (name: string) => latents.find(v => v.name === name)!.shape;
    const sampling: SamplingStep[] = order.map(name => {
        const f = qFactor(name);
        const rep = isReparameterized(f.distribution);
        // A discrete latent in the ELBO gets the estimator chosen for it; the importance-weighted bound only samples it.
        const estimator = !rep && !weighted ? chooseEstimator(model, f, shapeOf(name)) : undefined;
        return {
            kind: 'factor',
            variable: { name },
            factor: factorRef(f),
            distribution: f.distribution,
            reparameterized: rep,
            gradient: rep ? 'reparameterization' : estimator ? GRADIENT[estimator.kind] : 'score-function',
            samples: L,
            ...(estimator ? { estimator } : {}),
        };
    });
    const qHeads = order.map(n => factorHead(qFactor(n), 'text'));
    const qText = { text: qHeads.join(' '), latex: order.map(n => factorHead(qFactor(n), 'latex')).join(' ') };
    const notes: string[] = [];

    /** The q-factors a term's expectation runs over: the latents it reads and their q-ancestors. */
    const expectation = (names: Iterable<string>) => {
        const need = new Set<string>();
        const visit = (n: string) => {
            if (!latentNames.has(n) || need.has(n)) return;
            need.add(n);
            qFactor(n).given.forEach(g => visit(g.name));
        };
        for (const n of names) visit(n);
        const fs = order.filter(n => need.has(n)).map(qFactor);
        return { over: order.filter(n => need.has(n)), text: fs.map(f => factorHead(f, 'text')).join(' '), latex: fs.map(f => factorHead(f, 'latex')).join(' ') };
    };
    const reparamNote = (names: Iterable<string>) => {
        const list = [...names].filter(n => latentNames.has(n));
        return list.map(n => {
            const d = qFactor(n).distribution;
            const how = familyOf(d).reparameterization(variableName(n, 'text'));
            const step = sampling.find(s => s.kind === 'factor' && s.variable.name === n);
            const e = step?.kind === 'factor' ? step.estimator : undefined;
            return isReparameterized(d) ? `reparameterized ${how}` : e ? estimatorShort(n, e) : how;
        });
    };
    const learned = (fs: FactorIR[]) => fs.some(f => Object.values(f.distribution.params).some(usesNetwork));

    if (weighted) return iwae(model, order, qFactor, sampling, qText, L);

    const terms: BoundTerm[] = [];
    /** The latents each term's expectation runs over (by term id). */
    const over = new Map<string, string[]>();
    const beta = model.train.beta;
    const klWeight: TermWeight = {
        value: beta,
        ...(model.train.klWarmup ? { warmup: { steps: model.train.klWarmup } } : {}),
        ...(beta !== 1 || model.train.klWarmup
            ? { reason: [beta !== 1 ? `β = ${beta}` : '', model.train.klWarmup ? `KL warm-up over ${model.train.klWarmup} steps` : ''].filter(Boolean).join(', ') }
            : {}),
    };

    // Generative factors in the order of the bound: observed first (reconstruction), then latents top-down.
    for (const v of observed) {
        const f = pOf(v.name)[0]!;
        const parents = [...new Set(f.given.map(g => g.name).concat([...namesIn(Object.values(f.distribution.params), 'variable')]))].filter(n => latentNames.has(n));
        const dims = size(v.shape);
        const form = likelihoodForm(f.distribution, dims);
        const e = expectation(parents);
        over.set(`ell(${v.name})`, e.over);
        const head = factorHead(f, 'text');
        const detail = [
            {
                text: `Monte Carlo, L = ${L} sample${L > 1 ? 's' : ''}${parents.length ? ', ' + reparamNote(parents).join('; ') : ''}`,
                latex: `\\text{Monte Carlo, } L = ${L}`,
            },
        ];
        detail.push(likelihoodDetail(f, form));
        terms.push({
            id: `ell(${v.name})`,
            kind: 'expected-log-likelihood',
            estimator: parents.length ? 'monte-carlo' : 'closed-form',
            sign: 1,
            inBound: true,
            weight: { value: 1 },
            learned: learned([f]),
            variable: { name: v.name },
            factors: [factorRef(f)],
            computation: { kind: 'log-likelihood', variable: { name: v.name }, distribution: f.distribution, form },
            text: e.text ? `E_${e.text}[log ${head}]` : `log ${head}`,
            latex: e.latex ? `\\mathbb{E}_{${e.latex}}\\left[\\log ${factorHead(f, 'latex')}\\right]` : `\\log ${factorHead(f, 'latex')}`,
            detail,
        });
    }
    // Top-down: the latent sampled last in q is first in p (the prior of the deepest layer).
    for (const name of [...order].reverse()) {
        const p = pOf(name)[0]!,
            q = qFactor(name);
        const pq = [p, q];
        const closed = klFormula(q.distribution, p.distribution);
        const parentNames = new Set(
            [...p.given, ...q.given].map(g => g.name).concat([...namesIn([...Object.values(p.distribution.params), ...Object.values(q.distribution.params)], 'variable')]),
        );
        parentNames.delete(name);
        // A parent drawn after this latent depends on it: the KL cannot integrate it out.
        const later = [...parentNames].filter(n => latentNames.has(n) && position.get(n)! > position.get(name)!);
        const outer = expectation([...parentNames].filter(n => latentNames.has(n)));
        const kl = {
            text: `KL(${factorHead(q, 'text')} ‖ ${factorHead(p, 'text')})`,
            latex: `D_{\\mathrm{KL}}\\left[${factorHead(q, 'latex')} \\,\\|\\, ${factorHead(p, 'latex')}\\right]`,
        };
        const wrap = (s: { text: string; latex: string }) =>
            outer.text ? { text: `E_${outer.text}[${s.text}]`, latex: `\\mathbb{E}_{${outer.latex}}\\left[${s.latex}\\right]` } : s;
        const learnedPair = learned(pq);
        // What the KL term of this latent is, whichever way it is computed.
        const klTerm = { sign: -1 as const, inBound: true, weight: klWeight, learned: learnedPair, variable: { name }, factors: pq.map(factorRef) };
        over.set(`kl(${name})`, closed && later.length === 0 ? outer.over : expectation([name, ...parentNames]).over);
        if (closed && later.length === 0) {
            const w = wrap(kl);
            terms.push({
                id: `kl(${name})`,
                kind: 'kl',
                estimator: 'closed-form',
                ...klTerm,
                computation: { kind: 'kl-closed-form', family: q.distribution.family, variable: { name }, q: q.distribution, p: p.distribution, formula: closed.formula },
                text: `−${w.text}`,
                latex: `-${w.latex}`,
                detail: closed.detail(q.distribution, p.distribution, outer.text ? `, conditioned on the sampled ${outer.text}` : '', renderExpr),
            });
        } else {
            const why = closed
                ? `${later.map(n => variableName(n, 'text')).join(', ')} is drawn from q after ${variableName(name, 'text')}, so the KL over ${variableName(name, 'text')} has no closed form`
                : `no closed form for KL(${q.distribution.family} ‖ ${p.distribution.family})`;
            const e = expectation([name, ...parentNames]);
            terms.push({
                id: `kl(${name})`,
                kind: 'monte-carlo',
                estimator: 'monte-carlo',
                ...klTerm,
                computation: { kind: 'log-ratio', variable: { name }, q: q.distribution, p: p.distribution },
                text: `−E_${e.text}[log ${factorHead(q, 'text')} − log ${factorHead(p, 'text')}]`,
                latex: `-\\mathbb{E}_{${e.latex}}\\left[\\log ${factorHead(q, 'latex')} - \\log ${factorHead(p, 'latex')}\\right]`,
                detail: [
                    { text: `Monte Carlo, L = ${L} sample${L > 1 ? 's' : ''}: ${why}`, latex: `\\text{Monte Carlo, } L = ${L}` },
                    ...reparamNote([name]).map(t => ({ text: t, latex: textToLatex(t) })),
                ],
            });
        }
    }
    let isBound = true;
    // Discrete latents: each says how its expectations are computed; score adds its surrogate, relaxed is no bound.
    for (const s of sampling) {
        if (s.kind !== 'factor' || !s.estimator) continue;
        const name = s.variable.name;
        const e = s.estimator;
        const inside = terms.filter(t => over.get(t.id)?.includes(name));
        notes.push(estimatorWords(name, e));
        if (e.kind === 'enumerate')
            for (const t of inside)
                t.detail.push({ text: `exact sum over the ${e.values} values of ${variableName(name, 'text')}`, latex: `\\sum_{${variableName(name, 'latex')}}` });
        if (e.kind === 'score') terms.push(...scoreTerms(name, qFactor(name), e, inside));
        if (e.kind === 'relaxed') {
            isBound = false;
            for (const t of inside)
                t.detail.push({ text: `${variableName(name, 'text')} relaxed (Gumbel-softmax, τ = ${e.temperature}): not a bound`, latex: `\\tau = ${e.temperature}` });
        }
    }
    // A term whose expectation runs over enumerated latents only is an exact sum, not a Monte Carlo estimate.
    const enumerated = new Set(sampling.flatMap(s => (s.kind === 'factor' && s.estimator?.kind === 'enumerate' ? [s.variable.name] : [])));
    for (const t of terms) {
        const names = over.get(t.id) ?? [];
        if (t.estimator !== 'monte-carlo' || names.length === 0 || !names.every(n => enumerated.has(n))) continue;
        t.estimator = 'enumeration';
        t.detail = t.detail.filter(d => !d.text.startsWith('Monte Carlo'));
    }
    if (beta < 1) {
        isBound = false;
        notes.push(`β = ${beta} < 1: the objective is not a lower bound on log p(x)`);
    } else if (beta > 1) notes.push(`β = ${beta} > 1 (Higgins et al. 2017): a looser lower bound than the ELBO`);
    if (model.train.klWarmup) {
        isBound = false;
        notes.push(`KL warm-up: the KL weight rises linearly from 0 to ${beta} over ${model.train.klWarmup} steps; while it is below 1 the objective is not a bound`);
    }
    return {
        terms,
        sampling,
        dimensions: observed.reduce((a, v) => a + size(v.shape), 0),
        qText,
        notes,
        isBound,
        objectiveKind: beta !== 1 || model.train.klWarmup ? 'beta-elbo' : 'elbo',
    };
}

function likelihoodDetail(f: FactorIR, form: ReturnType<typeof likelihoodForm>): { text: string; latex: string } {
    const x = variableName(f.target.name, 'text');
    const xl = variableName(f.target.name, 'latex');
    const d = f.distribution;
    switch (form.kind) {
        case 'bernoulli-cross-entropy': {
            const pi = d.params['logits']
                ? `π = sigmoid(${renderDistribution(d, 'text').replace(/^Bernoulli\(sigmoid\((.*)\)\)$/, '$1')})`
                : `π = ${renderDistribution(d, 'text').replace(/^Bernoulli\((.*)\)$/, '$1')}`;
            return {
                text: `binary cross-entropy: log ${factorHead(f, 'text')} = Σ_i ${x}_i log π_i + (1 − ${x}_i) log(1 − π_i),  ${pi}`,
                latex: `\\log ${factorHead(f, 'latex')} = \\sum_i ${xl}_i \\log \\pi_i + (1 - ${xl}_i) \\log(1 - \\pi_i)`,
            };
        }
        case 'normal-squared-error': {
            const mean = describeNormal(d, 'text', 'θ', renderExpr).split(', ')[0]!.replace(/^μ = /, '');
            const meanL = describeNormal(d, 'latex', 'θ', renderExpr)
                .split(', ')[0]!
                .replace(/^\\mu = /, '');
            return {
                text: `scaled squared error: log ${factorHead(f, 'text')} = −${fmt(form.scale)} ‖${x} − ${mean}‖² ${form.constant < 0 ? '−' : '+'} ${fmt(Math.abs(form.constant))} (constant: −D/2 · log 2πσ²)`,
                latex: `\\log ${factorHead(f, 'latex')} = -${fmt(form.scale)} \\left\\| ${xl} - ${meanL} \\right\\|^2 ${form.constant < 0 ? '-' : '+'} ${fmt(Math.abs(form.constant))}`,
            };
        }
        default:
            return { text: `${isDiscrete(d) ? 'log-probability' : 'log-density'} of ${renderDistribution(d, 'text')}`, latex: `\\log ${renderDistribution(d, 'latex')}` };
    }
}

export function fmt(v: number): string {
    return String(Number(v.toPrecision(6)));
}

function iwae(model: ModelIR, order: string[], qFactor: (n: string) => FactorIR, sampling: SamplingStep[], qText: { text: string; latex: string }, k: number): LatentDerivation {
    const ps = model.factors.filter(f => f.kind === 'p' && !f.target.index);
    const qs = order.map(qFactor);
    const latent = order.map(n => variableName(n, 'text')).join(', ');
    const joint = ps.map(f => factorHead(f, 'text')).join(' ');
    const jointL = ps.map(f => factorHead(f, 'latex')).join(' ');
    const term: BoundTerm = {
        id: 'iwae',
        kind: 'iwae',
        estimator: 'monte-carlo',
        sign: 1,
        inBound: true,
        weight: { value: 1 },
        learned: true,
        factors: [...ps, ...qs].map(factorRef),
        computation: { kind: 'importance-weighted', k, p: ps.map(factorRef), q: qs.map(factorRef) },
        text: `E[log (1/${k}) Σ_{i=1..${k}} ${joint} / ${qText.text}]`,
        latex: `\\mathbb{E}\\left[\\log \\frac{1}{${k}} \\sum_{i=1}^{${k}} \\frac{${jointL}}{${qText.latex}}\\right]`,
        detail: [
            {
                text: `importance-weighted bound (Burda et al. 2015, eq. 8) with k = ${k} samples of ${latent} per example, ${latent}^(i) ~ ${qText.text} i.i.d.`,
                latex: `k = ${k}`,
            },
            {
                text: 'evaluated as log-mean-exp of the log-weights log p(x, z⁽ⁱ⁾) − log q(z⁽ⁱ⁾ | x); L_k ≥ ELBO, and L_k → log p(x) as k → ∞',
                latex: '\\log \\frac{1}{k}\\sum_i w_i \\ge \\mathrm{ELBO}',
            },
        ],
    };
    const notes = [`k = ${k}: the importance-weighted bound replaces the ELBO (it is tighter: log p(x) ≥ L_k ≥ L_1 = ELBO)`];
    if (model.train.beta !== 1) notes.push(`β = ${model.train.beta} is ignored: the importance-weighted bound has no separate KL term`);
    return {
        terms: [term],
        sampling,
        dimensions: modeledObserved(model).reduce((a, v) => a + size(v.shape), 0),
        qText,
        notes,
        isBound: true,
        objectiveKind: 'iwae',
    };
}
