/**
 * The chain terms in the papers' notation. Symbols are those of Ho et al. (2020), defined from the
 * derived coefficients (α_t := a_t², β_t := v_t, ᾱ_t := m_t²); a declared sequence whose values
 * equal a derived one is named next to it, so the reader sees where it came from.
 */
import type { FactorIR, ModelIR } from '../ir/types.js';
import { fmt } from './derive-latent.js';
import { factorHead, renderExpr, textToLatex, variableName } from './render-expr.js';
import type { ChainDerivation, TimestepProposal } from './types.js';

type Text = { text: string; latex: string; detail: { text: string; latex: string }[] };

/** The declared sequence equal to `values` at every t ≥ from (relative 1e-9), if any. */
function declaredAs(model: ModelIR, values: number[], lower: number, from: number): string | undefined {
    for (const s of model.sequences) {
        if (!s.values || s.lower === undefined) continue;
        let ok = true,
            any = false;
        for (let i = from; i < values.length; i++) {
            const w = s.values[i + lower - s.lower];
            if (w === undefined) {
                ok = false;
                break;
            }
            any = true;
            if (Math.abs(w - values[i]!) > 1e-9 * Math.max(1, Math.abs(w))) {
                ok = false;
                break;
            }
        }
        if (ok && any) return s.name;
    }
    return undefined;
}

export function chainTexts(
    model: ModelIR,
    c: ChainDerivation,
    q: FactorIR,
    p: FactorIR,
    pT: FactorIR,
    proposal?: TimestepProposal,
): { priorKl: Text; chainKl: Text; decoder: Text; simple: Text } {
    const k = c.coefficients;
    const x = c.chain;
    const x0 = variableName(c.start, 'text'),
        x0l = variableName(c.start, 'latex');
    const Tn = pT.target.index ? renderExpr(pT.target.index, 'text') : String(c.upper);
    const xT = `${x}_${Tn}`;
    const vp = k.marginalVar.every((s, i) => Math.abs(s - (1 - k.marginalMean[i]! ** 2)) < 1e-9);
    const sT = vp ? '(1 − ᾱ_t)' : 's_t';
    const sTl = vp ? '(1 - \\bar\\alpha_t)' : 's_t';
    const abarName = declaredAs(
        model,
        k.marginalMean.map(m => m * m),
        c.lower,
        0,
    );
    const btName = declaredAs(model, k.posteriorVar, c.lower, 2);
    const qHead = factorHead(q, 'text'),
        pHead = factorHead(p, 'text'),
        pTHead = factorHead(pT, 'text');
    const sigma = k.reverseVar
        ? p.distribution.params['var']
            ? renderExpr(p.distribution.params['var'], 'text')
            : p.distribution.params['std']
              ? `(${renderExpr(p.distribution.params['std'], 'text')})²`
              : 'exp(' + renderExpr(p.distribution.params['logvar']!, 'text') + ')'
        : 'learned';
    const last = k.marginalMean.length - 1;
    const marginal = {
        text: `q(${x}_t | ${x0}) = 𝒩(√ᾱ_t ${x0}, ${sT} I), derived from ${qHead}: ᾱ_t = Π_{s≤t} α_s with α_t := a_t²${vp ? '' : ', s_t = α_t s_{t−1} + β_t'}${abarName ? ` (= the declared ${abarName})` : ''}`,
        latex: `q(${x}_t \\mid ${x0l}) = \\mathcal{N}\\left(\\sqrt{\\bar\\alpha_t}\\, ${x0l}, ${sTl} I\\right)`,
    };
    const posterior = {
        text: `q(${x}_{t−1} | ${x}_t, ${x0}) = 𝒩(μ̃_t, β̃_t I), μ̃_t = √ᾱ_{t−1} β_t / ${vp ? '(1 − ᾱ_t)' : 's_t'} · ${x0} + √α_t ${vp ? '(1 − ᾱ_{t−1}) / (1 − ᾱ_t)' : 's_{t−1} / s_t'} · ${x}_t, β̃_t = ${vp ? '(1 − ᾱ_{t−1}) / (1 − ᾱ_t)' : 's_{t−1} / s_t'} · β_t${btName ? ` (= the declared ${btName})` : ''} (Gaussian conditioning; Ho et al. eq. 6–7)`,
        latex: `q(${x}_{t-1} \\mid ${x}_t, ${x0l}) = \\mathcal{N}(\\tilde\\mu_t, \\tilde\\beta_t I),\\; \\tilde\\mu_t = \\frac{\\sqrt{\\bar\\alpha_{t-1}}\\beta_t}{1 - \\bar\\alpha_t} ${x0l} + \\frac{\\sqrt{\\alpha_t}(1 - \\bar\\alpha_{t-1})}{1 - \\bar\\alpha_t} ${x}_t,\\; \\tilde\\beta_t = \\frac{1 - \\bar\\alpha_{t-1}}{1 - \\bar\\alpha_t}\\beta_t`,
    };
    const priorKl: Text = {
        text: `L_${Tn} = KL(q(${xT} | ${x0}) ‖ ${pTHead})`,
        latex: `L_{${Tn}} = D_{\\mathrm{KL}}\\left[q(${x}_{${Tn}} \\mid ${x0l}) \\,\\|\\, p(${x}_{${Tn}})\\right]`,
        detail: [
            {
                text: `constant: nothing in it is learned; q(${xT} | ${x0}) = 𝒩(${fmt(k.marginalMean[last]!)} ${x0}, ${fmt(k.marginalVar[last]!)} I)`,
                latex: `q(${x}_{${Tn}} \\mid ${x0l}) = \\mathcal{N}(${fmt(k.marginalMean[last]!)}\\, ${x0l}, ${fmt(k.marginalVar[last]!)} I)`,
            },
            marginal,
        ],
    };
    const eq12 =
        c.parameterization === 'epsilon'
            ? {
                  text: `with the ε-parameterization (checked numerically at every t): L_{t−1} = β_t² / (2σ_t² α_t (1 − ᾱ_t)) · E‖ε − ε_θ(√ᾱ_t ${x0} + √(1 − ᾱ_t) ε, t)‖² + C_t (Ho et al. eq. 12)`,
                  latex: `L_{t-1} = \\frac{\\beta_t^2}{2\\sigma_t^2\\alpha_t(1 - \\bar\\alpha_t)} \\mathbb{E}\\left\\|\\epsilon - \\epsilon_\\theta(\\sqrt{\\bar\\alpha_t}${x0l} + \\sqrt{1 - \\bar\\alpha_t}\\epsilon, t)\\right\\|^2 + C_t`,
              }
            : c.parameterization === 'x0'
              ? {
                    text: `with the x_0-parameterization (checked numerically at every t): L_{t−1} = ᾱ_{t−1} β_t² / (2σ_t² (1 − ᾱ_t)²) · E‖${x0} − x̂_θ(${x}_t, t)‖² + C_t`,
                    latex: `L_{t-1} = \\frac{\\bar\\alpha_{t-1}\\beta_t^2}{2\\sigma_t^2(1 - \\bar\\alpha_t)^2} \\mathbb{E}\\left\\|${x0l} - \\hat{x}_\\theta(${x}_t, t)\\right\\|^2 + C_t`,
                }
              : c.parameterization === 'mean'
                ? {
                      text: `the network predicts μ̃_t directly: L_{t−1} = 1/(2σ_t²) · E‖μ̃_t − μ_θ(${x}_t, t)‖² + C_t`,
                      latex: `L_{t-1} = \\frac{1}{2\\sigma_t^2}\\mathbb{E}\\left\\|\\tilde\\mu_t - \\mu_\\theta\\right\\|^2 + C_t`,
                  }
                : { text: 'the reverse mean matches no ε-, x_0- or mean-parameterization: the KL is evaluated with both means', latex: '\\text{general parameterization}' };
    const w = k.mseWeight;
    const weights =
        w && c.parameterization !== 'general' && w.length > 2
            ? [
                  {
                      text: `weights w_t from ${fmt(w[2]!)} (t = ${c.lower + 2}) to ${fmt(w[w.length - 1]!)} (t = ${c.upper}); C_t = D/2 (β̃_t/σ_t² − 1 − log(β̃_t/σ_t²)), Σ_t C_t = ${fmt(sumC(k.klConstant ?? []))} nats`,
                      latex: `w_{${c.lower + 2}} = ${fmt(w[2]!)},\\; w_{${c.upper}} = ${fmt(w[w.length - 1]!)}`,
                  },
              ]
            : [];
    const chainKl: Text = {
        text: `Σ_{t=${c.lower + 2}..${Tn}} L_{t−1}, L_{t−1} = KL(q(${x}_{t−1} | ${x}_t, ${x0}) ‖ ${pHead})`,
        latex: `\\sum_{t=${c.lower + 2}}^{${Tn}} L_{t-1},\\; L_{t-1} = D_{\\mathrm{KL}}\\left[q(${x}_{t-1} \\mid ${x}_t, ${x0l}) \\,\\|\\, p_\\theta(${x}_{t-1} \\mid ${x}_t)\\right]`,
        detail: [
            c.learnedVariance
                ? {
                      text: `closed form (Normal ‖ Normal, learned σ_t²${c.varianceForm?.form === 'interpolation' ? ' = exp(v log β_t + (1 − v) log β̃_t)' : ''}): ½ Σ_j [log σ_t²/β̃_t + (β̃_t + (μ̃_t − μ_θ)²)/σ_t² − 1]`,
                      latex: '\\tfrac12\\sum_j\\left[\\log\\frac{\\sigma_t^2}{\\tilde\\beta_t} + \\frac{\\tilde\\beta_t + (\\tilde\\mu_t - \\mu_\\theta)^2}{\\sigma_t^2} - 1\\right]',
                  }
                : {
                      text: `closed form (Normal ‖ Normal, σ_t² = ${sigma} not learned): 1/(2σ_t²) ‖μ̃_t(${x}_t, ${x0}) − μ_θ(${x}_t, t)‖² + C_t`,
                      latex: `\\frac{1}{2\\sigma_t^2}\\left\\|\\tilde\\mu_t(${x}_t, ${x0l}) - \\mu_\\theta(${x}_t, t)\\right\\|^2 + C_t`,
                  },
            ...learnedVarianceText(c),
            marginal,
            posterior,
            eq12,
            ...weights,
            proposal
                ? {
                      text: `estimated as E_{t ~ p_t}[L_{t−1} / p_t] with ${x}_t = √ᾱ_t ${x0} + √(1 − ᾱ_t) ε, p_t ∝ sqrt(E[L_{t−1}²]) over the last ${proposal.history} values of each t, uniform until every t has ${proposal.history}, mixed with ${proposal.uniformFloor} of the uniform (importance sampling, Nichol & Dhariwal 2021, §3.3)`,
                      latex: `\\mathbb{E}_{t \\sim p_t}\\left[L_{t-1} / p_t\\right],\\; p_t \\propto \\sqrt{\\mathbb{E}[L_{t-1}^2]}`,
                  }
                : {
                      text: `estimated as (T − 1) · E_{t ~ U{${c.lower + 2}..${Tn}}}[L_{t−1}] with ${x}_t = √ᾱ_t ${x0} + √(1 − ᾱ_t) ε`,
                      latex: `(T-1)\\,\\mathbb{E}_{t}\\left[L_{t-1}\\right]`,
                  },
        ],
    };
    const decoder: Text = {
        text: `L_0 = −log p(${x0} | ${x}_1)`,
        latex: `L_0 = -\\log p_\\theta(${x0l} \\mid ${x}_1)`,
        detail: [
            { text: `the reverse factor at t = 1; Monte Carlo over ${x}_1 ~ q(${x}_1 | ${x0})`, latex: `${x}_1 \\sim q(${x}_1 \\mid ${x0l})` },
            ...c.notes.map(n => ({ text: n, latex: textToLatex(n) })),
        ],
    };
    const target = c.parameterization === 'epsilon' ? 'ε' : c.parameterization === 'x0' ? x0 : 'μ̃_t';
    const targetL = c.parameterization === 'epsilon' ? '\\epsilon' : c.parameterization === 'x0' ? x0l : '\\tilde\\mu_t';
    const net = c.network ? renderExpr({ kind: 'network', name: c.network, args: [] }, 'text').replace(/\(\)$/, '') : 'net';
    const simple: Text = {
        text: `L_simple = E_{t ~ U{${c.lower + 1}..${Tn}}, ${x0}, ε} ‖${target} − ${net}(√ᾱ_t ${x0} + √(1 − ᾱ_t) ε, t)‖²`,
        latex: `L_{\\mathrm{simple}} = \\mathbb{E}_{t, ${x0l}, \\epsilon}\\left\\|${targetL} - ${renderExpr({ kind: 'network', name: c.network ?? 'net', args: [] }, 'latex').replace(/\(\)$/, '')}(\\sqrt{\\bar\\alpha_t}${x0l} + \\sqrt{1 - \\bar\\alpha_t}\\epsilon, t)\\right\\|^2`,
        detail: [
            {
                text: 'Ho et al. eq. 14: drops the weights w_t of L_{t−1} and the constants C_t, L_T and the t = 1 decoder term become an unweighted ‖·‖² term; t ~ Uniform; averaged over dimensions; not a bound',
                latex: '\\text{Ho et al. (2020), eq. 14}',
            },
        ],
    };
    return { priorKl, chainKl, decoder, simple };
}

/** Σ_{t≥2} C_t, with rounding noise (σ_t² = β̃_t makes every C_t zero) shown as 0. */
function sumC(c: number[]): number {
    const total = c.slice(2).reduce((s, v) => s + v, 0);
    return Math.abs(total) < 1e-9 ? 0 : total;
}

/** How a learned σ_t² is written, when the derivation read it (Nichol & Dhariwal 2021, eq. 15). */
function learnedVarianceText(c: ChainDerivation): { text: string; latex: string }[] {
    const f = c.varianceForm;
    if (!f || f.form === 'general') return [];
    const out = f.output ?? 'out';
    if (f.form === 'interpolation')
        return [
            {
                text: `Σ_θ = exp(v log β_t + (1 − v) log β̃_t), v = (${out} + 1)/2 (Nichol & Dhariwal eq. 15, checked numerically at every t): σ_t² ∈ [β̃_t, β_t] for v ∈ [0, 1]; at t = 1 the declared clip of β̃_1 = 0`,
                latex: `\\Sigma_\\theta = \\exp\\left(v \\log\\beta_t + (1 - v)\\log\\tilde\\beta_t\\right),\\; v = (\\mathrm{${out.replace(/[[\]:]/g, m => (m === ':' ? '{:}' : m))}} + 1)/2`,
            },
        ];
    return [{ text: `log σ_t² = c_t + d_t · ${out}, affine in one output of the network (read at every t)`, latex: `\\log\\sigma_t^2 = c_t + d_t\\,\\mathrm{${out}}` }];
}
