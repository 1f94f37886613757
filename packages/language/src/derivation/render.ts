/**
 * Renderers of a derivation: plain Unicode text (CLI), Markdown (hovers: VS Code renders Markdown,
 * not LaTeX, so the math stays Unicode), LaTeX, and the JSON of `gm elbo --format json`.
 */
import type { BoundTerm, Derivation, DerivationResult } from './types.js';

function weightText(t: BoundTerm): string {
    if (t.weight.value === 1 && !t.weight.warmup) return '';
    if (t.weight.value === 0) return `  [not in the objective: ${t.weight.reason ?? 'weight 0'}]`;
    return `  [weight ${t.weight.display ?? t.weight.value}${t.weight.warmup ? `, warm-up over ${t.weight.warmup.steps} steps` : ''}${t.weight.reason ? `: ${t.weight.reason}` : ''}]`;
}

function estimatorText(t: BoundTerm): string {
    const words: Record<BoundTerm['estimator'], string> = {
        'closed-form': 'closed form',
        constant: 'constant',
        'score-function': 'score-function surrogate',
        enumeration: 'exact sum (enumeration)',
        'monte-carlo': 'Monte Carlo',
    };
    return words[t.estimator];
}

/** The training loss, built from the terms' weights: loss = −Σ sign · weight · term. */
export function lossLine(d: Derivation): string {
    const chain = d.structure === 'markov-chain';
    const short = (t: BoundTerm) => (chain ? t.text.split(/,| = /)[0]! : t.text.replace(/^−/, ''));
    const parts: string[] = [];
    const weighted = d.terms.filter(t => t.weight.value !== 0);
    // Chain terms that share a weight λ ≠ 1 are grouped: L_simple + λ · (L_T + Σ L_{t−1} + L_0).
    const groups = new Map<string, BoundTerm[]>();
    for (const t of weighted) {
        const key = `${t.weight.value}|${t.weight.warmup?.steps ?? ''}|${chain && t.inBound}`;
        groups.set(key, [...(groups.get(key) ?? []), t]);
    }
    // Unit weights first: L_simple + λ · (…).
    for (const ts of [...groups.values()].sort((a, b) => Number(b[0]!.weight.value === 1) - Number(a[0]!.weight.value === 1))) {
        const w = ts[0]!.weight;
        const coef = w.value === 1 && !w.warmup ? '' : w.warmup ? `w(step) · ` : `${w.display ?? w.value} · `;
        if (chain) {
            const body = ts.map(short).join(' + ');
            parts.push((parts.length ? ' + ' : '') + coef + (coef && ts.length > 1 ? `(${body})` : body));
            continue;
        }
        for (const t of ts) {
            const positive = t.sign < 0; // the loss is −ELBO
            const sign = parts.length ? (positive ? ' + ' : ' − ') : positive ? '' : '−';
            parts.push(sign + coef + short(t));
        }
    }
    const warm = weighted.find(t => t.weight.warmup);
    const tail = warm ? `, w(step) = ${warm.weight.value} · min(1, step / ${warm.weight.warmup!.steps})` : '';
    return `loss = ${parts.join('')}${tail}, averaged over the batch`;
}

/** Plain Unicode text, one term per block. */
export function renderText(d: Derivation): string {
    const lines = [`model ${d.model}`, d.summary.text];
    for (const t of d.terms) {
        lines.push(`  ${t.text}    ${estimatorText(t)}${t.inBound ? '' : ', not part of the bound'}${weightText(t)}`);
        for (const detail of t.detail) lines.push(`      ${detail.text}`);
    }
    lines.push(lossLine(d));
    for (const n of d.objective.notes) lines.push(`note: ${n}`);
    for (const data of d.data) lines.push(`data: ${data}`);
    if (d.correspondence.length) lines.push('VAE correspondence: ' + d.correspondence.map(c => `${c.vae} ↔ ${c.model}`).join(',  '));
    return lines.join('\n') + '\n';
}

/** The derivation steps as text, one per line with the rule applied. */
export function renderStepsText(d: Derivation): string {
    return d.steps.map((s, i) => `(${i + 1}) ${s.text}\n      ${s.reason}`).join('\n') + '\n';
}

/** Markdown for a hover: the bound, then the terms as a list, math in Unicode inside code spans. */
export function renderMarkdown(d: Derivation): string {
    const parts = ['**Variational bound**', '```\n' + d.summary.text + '\n```'];
    for (const t of d.terms) {
        const head = `- \`${t.text}\` — ${estimatorText(t)}${t.inBound ? '' : ', not part of the bound'}${weightText(t).replace(/^\s+/, ' ')}`;
        parts.push([head, ...t.detail.map(x => `  - ${x.text}`)].join('\n'));
    }
    const tail = [lossLine(d), ...d.objective.notes.map(n => `*${n}*`), ...d.data.map(data => `data: ${data}`)];
    if (d.correspondence.length) tail.push('VAE correspondence: ' + d.correspondence.map(c => `${c.vae} ↔ ${c.model}`).join(', '));
    parts.push(tail.join('  \n'));
    return parts.join('\n\n');
}

/** The terms a factor enters, for a hover on `p(…)` / `q(…)`. */
export function renderFactorMarkdown(d: Derivation, factorId: string): string | undefined {
    const terms = d.terms.filter(t => t.factors.some(f => f.id === factorId));
    if (!terms.length) return undefined;
    const lines = [`**Enters the bound of ${d.model} in**`];
    for (const t of terms) {
        // Where the derivation stops μ_θ's gradient (the hybrid objective's L_vlb, Nichol & Dhariwal §3.1), the hover says so.
        const sg = 'stopGradient' in t.computation && t.computation.stopGradient === 'reverse-mean' ? '; μ_θ enters as sg(μ_θ): trains σ_t² only' : '';
        lines.push(`- \`${t.text}\` — ${estimatorText(t)}${weightText(t).replace(/^\s+/, ' ')}${t.detail[0] ? `: ${t.detail[0].text}` : ''}${sg}`);
    }
    const sample = d.sampling.find(s => s.kind === 'factor' && s.factor.id === factorId);
    if (sample && sample.kind === 'factor') {
        lines.push(`- samples ${sample.variable.name} (${sample.samples} per example, ${sample.reparameterized ? 'reparameterized' : `not reparameterized: ${sample.gradient}`})`);
    }
    return lines.join('\n');
}

/** LaTeX: an align* environment with the bound and one line per term. */
export function renderLatex(d: Derivation): string {
    const lines = [`% ${d.model}`, '\\begin{align*}', `  & ${d.summary.latex} \\\\`];
    for (const t of d.terms) {
        lines.push(
            `  & ${t.latex} && \\text{${estimatorText(t)}${t.inBound ? '' : ', surrogate'}${t.weight.value !== 1 ? `, weight ${t.weight.display ?? t.weight.value}` : ''}} \\\\`,
        );
        for (const detail of t.detail) lines.push(`  & \\quad ${detail.latex} \\\\`);
    }
    lines.push('\\end{align*}');
    lines.push('\\begin{align*}');
    d.steps.forEach((s, i) => lines.push(`  & ${s.latex} && (${i + 1}) \\\\`));
    lines.push('\\end{align*}');
    return lines.join('\n') + '\n';
}

/** The bound on one line, for the code lens. */
export function renderOneLine(d: Derivation): string {
    return d.summary.text;
}

/** The JSON of `gm elbo --format json` for one model: the full tree plus per-term text and LaTeX. */
export function toJson(result: DerivationResult): unknown {
    if (!result.ok) return { model: result.failure.model, ok: false, reasons: result.failure.reasons };
    const d = result.derivation;
    return {
        model: d.model,
        ok: true,
        structure: d.structure,
        summary: d.summary,
        objective: d.objective,
        dimensions: d.dimensions,
        terms: d.terms.map(t => ({
            id: t.id,
            kind: t.kind,
            estimator: t.estimator,
            sign: t.sign,
            inBound: t.inBound,
            weight: t.weight,
            learned: t.learned,
            text: t.text,
            latex: t.latex,
            detail: t.detail,
            factors: t.factors,
            computation: t.computation,
            ...(t.variable ? { variable: t.variable } : {}),
        })),
        sampling: d.sampling,
        chains: d.chains,
        steps: d.steps,
        correspondence: d.correspondence,
    };
}

/** Why a model has no bound, as text. */
export function renderFailure(result: Extract<DerivationResult, { ok: false }>): string {
    return (
        `model ${result.failure.model}: no bound\n` + result.failure.reasons.map(r => `  ${r.range.start.line + 1}:${r.range.start.character + 1}: ${r.message}`).join('\n') + '\n'
    );
}
