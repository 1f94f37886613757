/**
 * The derivation steps in the style of the seed ("Understand Diffusion Models with VAEs"):
 * definition of KL → Bayes' rule → log rules → pull log p(x) out → rearrange → the bound; and
 * for chains, the same bound with z = x_1:T, decomposed as in Ho et al. (2020, eq. 3–5).
 * Written with the model's own variable names.
 */
import type { ModelIR } from '../ir/types.js';
import { conditionsOf, modeledObserved } from '../ir/conditions.js';
import { factorHead, variableName } from './render-expr.js';
import type { ChainDerivation, DerivationStep } from './types.js';

const step = (text: string, latex: string, reason: string): DerivationStep => ({ text, latex, reason });

export function latentSteps(model: ModelIR, q: { text: string; latex: string }): DerivationStep[] {
    const zs = model.variables.filter(v => v.role === 'latent').map(v => v.name);
    const xs = modeledObserved(model).map(v => v.name);
    // Conditions (labels, Sohn et al. 2015 eq. 4): every distribution of the derivation is conditioned on them.
    const ys = conditionsOf(model).map(v => v.name);
    const names = (list: string[], style: 'text' | 'latex') => list.map(n => variableName(n, style)).join(', ');
    const z = names(zs, 'text'),
        zl = names(zs, 'latex');
    const x = names(xs, 'text'),
        xl = names(xs, 'latex');
    const y = names(ys, 'text'),
        yl = names(ys, 'latex');
    /** `a | b, y` or `a | y` or `a`. */
    const given = (a: string, b: string, style: 'text' | 'latex') => {
        const parents = [b, style === 'text' ? y : yl].filter(Boolean).join(', ');
        return parents ? `${a}${style === 'text' ? ' | ' : ' \\mid '}${parents}` : a;
    };
    const Q = `q(${given(z, x, 'text')})`,
        Ql = `q_\\phi(${given(zl, xl, 'latex')})`;
    const E = `E_${Q}`,
        El = `\\mathbb{E}_{${Ql}}`;
    const post = `p(${given(z, x, 'text')})`,
        postL = `p_\\theta(${given(zl, xl, 'latex')})`;
    const lik = `p(${given(x, z, 'text')})`,
        likL = `p_\\theta(${given(xl, zl, 'latex')})`;
    const prior = `p(${given(z, '', 'text')})`,
        priorL = `p_\\theta(${given(zl, '', 'latex')})`;
    const ev = `p(${given(x, '', 'text')})`,
        evL = `p_\\theta(${given(xl, '', 'latex')})`;
    const KLpost = `KL(${Q} ‖ ${post})`,
        KLpostL = `D_{\\mathrm{KL}}[${Ql} \\| ${postL}]`;
    const p = model.factors.filter(f => f.kind === 'p');
    const joint = `p(${given(`${x}, ${z}`, '', 'text')})`,
        jointL = `p_\\theta(${given(`${xl}, ${zl}`, '', 'latex')})`;
    return [
        step(`${KLpost} = ${E}[log ${Q} − log ${post}]`, `${KLpostL} = ${El}[\\log ${Ql} - \\log ${postL}]`, 'definition of the KL divergence'),
        step(`${KLpost} = ${E}[log ${Q} − log (${lik} ${prior} / ${ev})]`, `${KLpostL} = ${El}\\left[\\log ${Ql} - \\log \\frac{${likL} ${priorL}}{${evL}}\\right]`, "Bayes' rule"),
        step(`${KLpost} = ${E}[log ${Q} − log ${lik} − log ${prior} + log ${ev}]`, `${KLpostL} = ${El}[\\log ${Ql} - \\log ${likL} - \\log ${priorL} + \\log ${evL}]`, 'log rules'),
        step(
            `${KLpost} = ${E}[log ${Q} − log ${lik} − log ${prior}] + log ${ev}`,
            `${KLpostL} = ${El}[\\log ${Ql} - \\log ${likL} - \\log ${priorL}] + \\log ${evL}`,
            `log ${ev} does not depend on ${z}: it leaves the expectation`,
        ),
        step(
            `log ${ev} − ${KLpost} = ${E}[log ${lik}] − KL(${Q} ‖ ${prior})`,
            `\\log ${evL} - ${KLpostL} = ${El}[\\log ${likL}] - D_{\\mathrm{KL}}[${Ql} \\| ${priorL}]`,
            'rearrange; definition of the KL divergence',
        ),
        step(
            `log ${ev} ≥ ${E}[log ${lik}] − KL(${Q} ‖ ${prior})`,
            `\\log ${evL} \\ge ${El}[\\log ${likL}] - D_{\\mathrm{KL}}[${Ql} \\| ${priorL}]`,
            ys.length
                ? `the KL divergence is ≥ 0: the evidence lower bound (ELBO) of the conditional model, given ${y} (Sohn et al. 2015, eq. 4)`
                : 'the KL divergence is ≥ 0: the evidence lower bound (ELBO)',
        ),
        step(
            `with ${joint} = ${p.map(f => factorHead(f, 'text')).join(' ')} and ${Q} = ${q.text}: each latent's factors pair into a KL term, each observed factor into an expected log-likelihood`,
            `${jointL} = ${p.map(f => factorHead(f, 'latex')).join('\\,')},\\; ${Ql} = ${q.latex}`,
            'the factorization declared in the model',
        ),
    ];
}

export function chainSteps(c: ChainDerivation): DerivationStep[] {
    const x = c.chain,
        x0 = variableName(c.start, 'text'),
        x0l = variableName(c.start, 'latex');
    return [
        step(
            `log p(x) ≥ E_q(z|x)[log p(x, z) / q(z | x)]`,
            `\\log p_\\theta(\\mathbf{x}) \\ge \\mathbb{E}_{q_\\phi}\\left[\\log \\frac{p_\\theta(\\mathbf{x}, \\mathbf{z})}{q_\\phi(\\mathbf{z} \\mid \\mathbf{x})}\\right]`,
            "the ELBO of a VAE, log rules and Bayes' rule: p(x | z) p(z) = p(x, z)",
        ),
        step(
            `−log p(${x0}) ≤ E_q[−log p(${x}_0:T) / q(${x}_1:T | ${x0})]`,
            `-\\log p_\\theta(${x0l}) \\le \\mathbb{E}_q\\left[-\\log \\frac{p_\\theta(${x}_{0:T})}{q(${x}_{1:T} \\mid ${x0l})}\\right]`,
            `z = ${x}_1:T, p_θ(x, z) = p_θ(${x}_0:T), q_φ(z | x) = q(${x}_1:T | ${x0}); negate both sides: "the usual variational bound" (Ho et al. eq. 3)`,
        ),
        step(
            `= E_q[−log p(${x}_T) − Σ_{t≥1} log p(${x}_{t−1} | ${x}_t) / q(${x}_t | ${x}_{t−1})]`,
            `= \\mathbb{E}_q\\left[-\\log p(${x}_T) - \\sum_{t \\ge 1} \\log \\frac{p_\\theta(${x}_{t-1} \\mid ${x}_t)}{q(${x}_t \\mid ${x}_{t-1})}\\right]`,
            'the Markov factorizations of p and q; log rules',
        ),
        step(
            `= E_q[−log p(${x}_T) − Σ_{t>1} log (p(${x}_{t−1} | ${x}_t) / q(${x}_{t−1} | ${x}_t, ${x0}) · q(${x}_{t−1} | ${x0}) / q(${x}_t | ${x0})) − log p(${x0} | ${x}_1) / q(${x}_1 | ${x0})]`,
            `= \\mathbb{E}_q\\left[-\\log p(${x}_T) - \\sum_{t>1} \\log \\frac{p_\\theta(${x}_{t-1} \\mid ${x}_t)}{q(${x}_{t-1} \\mid ${x}_t, ${x0l})} \\frac{q(${x}_{t-1} \\mid ${x0l})}{q(${x}_t \\mid ${x0l})} - \\log \\frac{p_\\theta(${x0l} \\mid ${x}_1)}{q(${x}_1 \\mid ${x0l})}\\right]`,
            `Bayes' rule on q(${x}_t | ${x}_{t−1}) = q(${x}_t | ${x}_{t−1}, ${x0}) (Markov)`,
        ),
        step(
            `= E_q[KL(q(${x}_T | ${x0}) ‖ p(${x}_T)) + Σ_{t>1} KL(q(${x}_{t−1} | ${x}_t, ${x0}) ‖ p(${x}_{t−1} | ${x}_t)) − log p(${x0} | ${x}_1)] = L_T + Σ_{t>1} L_{t−1} + L_0`,
            `= \\mathbb{E}_q\\left[D_{\\mathrm{KL}}(q(${x}_T \\mid ${x0l}) \\| p(${x}_T)) + \\sum_{t>1} D_{\\mathrm{KL}}(q(${x}_{t-1} \\mid ${x}_t, ${x0l}) \\| p_\\theta(${x}_{t-1} \\mid ${x}_t)) - \\log p_\\theta(${x0l} \\mid ${x}_1)\\right]`,
            'the ratios q(x_{t−1} | x_0)/q(x_t | x_0) telescope; definition of the KL divergence (Ho et al. eq. 5)',
        ),
    ];
}

/** Burda et al. (2015, eq. 8): the average of k importance weights, then Jensen's inequality. */
export function iwaeStep(k: number): DerivationStep {
    return step(
        `log p(x) = log E[(1/${k}) Σ_i p(x, z_i) / q(z_i | x)] ≥ E[log (1/${k}) Σ_i p(x, z_i) / q(z_i | x)] = L_${k} ≥ ELBO`,
        `\\log p_\\theta(x) = \\log \\mathbb{E}\\left[\\frac{1}{${k}}\\sum_{i=1}^{${k}} \\frac{p_\\theta(x, z_i)}{q_\\phi(z_i \\mid x)}\\right] \\ge \\mathbb{E}\\left[\\log \\frac{1}{${k}}\\sum_{i=1}^{${k}} \\frac{p_\\theta(x, z_i)}{q_\\phi(z_i \\mid x)}\\right] = L_{${k}}`,
        `k = ${k} independent samples z_i ~ q: their average weight is an unbiased estimate of p(x); Jensen's inequality (Burda et al. 2015, eq. 8)`,
    );
}
