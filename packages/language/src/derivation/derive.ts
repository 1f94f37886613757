/**
 * Entry point: derive a model's variational bound from its IR.
 * Models with a chain go to the chain rules; models with declared latents to the latent rules.
 */
import { describeData } from '../ir/datasets.js';
import type { LoweringResult, ModelIR } from '../ir/types.js';
import { deriveChain } from './derive-chain.js';
import { deriveLatent, type DeriveOptions, type LatentDerivation } from './derive-latent.js';
import { chainSteps, iwaeStep, latentSteps } from './steps.js';
import type { BoundTerm, Derivation, DerivationResult } from './types.js';

export function deriveBound(model: ModelIR, options: DeriveOptions = {}): DerivationResult {
    const names = [...model.variables.map(v => v.name), ...model.chains.map(c => c.name)];
    const twice = model.variables.find((v, i) => names.indexOf(v.name) !== i);
    if (twice) return { ok: false, failure: { model: model.name, reasons: [{ message: `'${twice.name}' is declared more than once`, range: twice.range }] } };
    if (model.chains.length > 1) {
        return { ok: false, failure: { model: model.name, reasons: [{ message: 'only one chain per model is supported by the derivation', range: model.chains[1]!.range }] } };
    }
    const chain = model.chains[0];
    if (chain) {
        const latents = model.variables.filter(v => v.role === 'latent');
        if (latents.length) {
            return {
                ok: false,
                failure: { model: model.name, reasons: [{ message: `a model with a chain cannot also declare latent '${latents[0]!.name}'`, range: latents[0]!.range }] },
            };
        }
        const r = deriveChain(model, chain);
        if ('reasons' in r) return { ok: false, failure: { model: model.name, reasons: r.reasons } };
        const derivation: Derivation = {
            ...common(model, 'markov-chain', r, [r.chain]),
            summary: summarize(r.terms, `−log p(${r.chain.start.replace(/^([a-z]+)(\d+)$/, '$1_$2')}) ≤ `),
            steps: chainSteps(r.chain),
            correspondence: [
                { vae: 'z', model: `${r.chain.chain}_1:T`, note: 'the latents are the noisy versions of the data' },
                { vae: 'q_φ(z | x)', model: `q(${r.chain.chain}_1:T | ${r.chain.start.replace(/^([a-z]+)(\d+)$/, '$1_$2')})`, note: 'fixed forward process, no φ' },
                { vae: 'p_θ(x, z)', model: `p_θ(${r.chain.chain}_0:T)`, note: 'the reverse (generative) process' },
                { vae: 'p_θ(z)', model: `p(${r.chain.chain}_T)`, note: 'the prior at the end of the chain' },
            ],
        };
        return { ok: true, derivation };
    }
    const r = deriveLatent(model, options);
    if ('reasons' in r) return { ok: false, failure: { model: model.name, reasons: r.reasons } };
    const derivation: Derivation = {
        ...common(model, 'latent-variable', r, []),
        summary: summarize(r.terms, r.objectiveKind === 'iwae' ? 'L_k(x) = ' : 'ELBO(x) = '),
        steps: r.objectiveKind === 'iwae' ? [...latentSteps(model, r.qText), iwaeStep(options.importanceSamples ?? model.train.k)] : latentSteps(model, r.qText),
        correspondence: [],
    };
    return { ok: true, derivation };
}

/** What a derivation takes from its rules' result as it is. */
function common(model: ModelIR, structure: Derivation['structure'], r: RuleResult, chains: Derivation['chains']) {
    return {
        model: model.name,
        structure,
        terms: r.terms,
        sampling: r.sampling,
        chains,
        data: model.variables.flatMap(v => {
            const data = v.role === 'observed' ? model.data.find(d => d.name === v.data) : undefined;
            return data ? [`${v.name} ~ ${describeData(data)}`] : [];
        }),
        objective: { kind: r.objectiveKind, isBound: r.isBound, notes: r.notes },
        dimensions: r.dimensions,
    };
}

type RuleResult = Pick<LatentDerivation, 'terms' | 'sampling' | 'dimensions' | 'notes' | 'isBound'> & { objectiveKind: Derivation['objective']['kind'] };

/** Derives the bound of a lowered model; a model whose lowering has errors gets no bound, with the reason. */
export function deriveFromLowering(result: LoweringResult): DerivationResult {
    const errors = result.problems.filter(p => p.severity === 'error');
    if (result.incomplete || result.syntaxErrors || errors.length) {
        return {
            ok: false,
            failure: {
                model: result.model.name,
                reasons: errors.length
                    ? errors.map(e => ({ message: `the model does not validate: ${e.message}`, range: e.range }))
                    : [{ message: 'the model has syntax errors', range: result.model.range }],
            },
        };
    }
    return deriveBound(result.model);
}

/** The bound on one line: the terms with their signs. */
function summarize(terms: BoundTerm[], lhs: string): { text: string; latex: string } {
    const inBound = terms.filter(t => t.inBound);
    if (lhs.startsWith('−log')) {
        // The chain form: −log p(x_0) ≤ L_T + Σ L_{t−1} + L_0.
        const parts = inBound.map(t => t.text.split(/,| = /)[0]!);
        const partsL = inBound.map(t => t.latex.split(/,\\;| = /)[0]!);
        const start = lhs.replace(/^−log p\((.*)\) ≤ $/, '$1');
        return { text: lhs + parts.join(' + '), latex: `-\\log p_\\theta(${start}) \\le ` + partsL.join(' + ') };
    }
    let text = lhs,
        latex = lhs.replace('ELBO', '\\mathrm{ELBO}').replace('L_k', 'L_k');
    inBound.forEach((t, i) => {
        const neg = t.text.startsWith('−');
        const body = neg ? t.text.slice(1) : t.text;
        const bodyL = t.latex.startsWith('-') ? t.latex.slice(1) : t.latex;
        text += i === 0 ? (neg ? '−' : '') + body : (neg ? ' − ' : ' + ') + body;
        latex += i === 0 ? (neg ? '-' : '') + bodyL : (neg ? ' - ' : ' + ') + bodyL;
    });
    return { text, latex };
}
