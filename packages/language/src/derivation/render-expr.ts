/**
 * IR expressions and factor heads in the papers' notation: x[t-1] → x_{t−1}, alphabar[t] → ᾱ_t,
 * eps(x[t], t) → ε_θ(x_t, t); as Unicode text and as LaTeX.
 */
import type { DistributionIR, FactorIR, FactorVarIR, IRExpr } from '../ir/types.js';
import { familyOf } from '../distributions/registry.js';
import { functionSpec } from '../ir/functions.js';

export type { Notation } from '../distributions/family.js';
import type { Notation } from '../distributions/family.js';

/** Greek letters by name: the Unicode letter, and LaTeX's command (ε is \\epsilon, also when written eps). */
const LETTERS: Record<string, string> = {
    alpha: 'α',
    beta: 'β',
    gamma: 'γ',
    delta: 'δ',
    sigma: 'σ',
    lambda: 'λ',
    mu: 'μ',
    eps: 'ε',
    epsilon: 'ε',
    theta: 'θ',
    phi: 'φ',
    tau: 'τ',
    rho: 'ρ',
};
const GREEK: Record<string, [string, string]> = Object.fromEntries(Object.entries(LETTERS).map(([name, letter]) => [name, [letter, `\\${name === 'eps' ? 'epsilon' : name}`]]));

/** A sequence or network name as a symbol: alphabar → ᾱ, betatilde → β̃, sigma2 → σ2. */
export function symbolName(name: string, n: Notation): string {
    const accent = /^(.*?)(bar|tilde|hat)$/.exec(name);
    if (accent && GREEK[accent[1]!]) {
        const [t, l] = GREEK[accent[1]!]!;
        const mark = accent[2]!;
        return n === 'text' ? t + (mark === 'bar' ? '\u0304' : mark === 'tilde' ? '\u0303' : '\u0302') : `\\${mark}{${l}}`;
    }
    if (GREEK[name]) return GREEK[name]![n === 'text' ? 0 : 1];
    return n === 'text' ? name : name.length > 1 ? `\\mathrm{${name}}` : name;
}

/** A variable name: x0 → x_0, z2 → z_2. */
export function variableName(name: string, n: Notation): string {
    const m = /^([A-Za-z]+)_?(\d+)$/.exec(name);
    if (m) return `${m[1]}_${m[2]}`;
    return n === 'latex' && name.length > 1 ? `\\mathrm{${name}}` : name;
}

/** A subscript: _t, _{t−1}. */
export function sub(index: string, n: Notation): string {
    const compact = n === 'text' ? index.replace(/ /g, '') : index;
    return compact.length === 1 ? `_${compact}` : `_{${compact}}`;
}

function formatNumber(v: number): string {
    if (Number.isInteger(v)) return String(v);
    const s = String(Number(v.toPrecision(6)));
    return s;
}

const PREC: Record<string, number> = { '+': 1, '-': 1, '*': 2, '/': 2, '^': 4 };

/** Renders an expression; `networkSub` gives the parameter subscript of networks (θ for p, φ for q). */
export function renderExpr(e: IRExpr, n: Notation, networkSub = 'θ'): string {
    return render(e, n, networkSub, 0);
}

function render(e: IRExpr, n: Notation, ns: string, outer: number): string {
    const r = (x: IRExpr, p = 0) => render(x, n, ns, p);
    const minus = n === 'text' ? '−' : '-';
    switch (e.kind) {
        case 'number':
            return formatNumber(e.value);
        case 'string':
            return JSON.stringify(e.value);
        case 'bool':
            return String(e.value);
        case 'symbol':
            return e.name;
        case 'constant':
            return e.name;
        case 'index':
            return e.name;
        case 'variable':
            return e.index ? e.name + sub(r(e.index), n) : variableName(e.name, n);
        case 'sequence':
            return e.index ? symbolName(e.name, n) + sub(r(e.index), n) : symbolName(e.name, n);
        case 'network': {
            const name = symbolName(e.name, n);
            const param = n === 'text' ? `_${ns}` : `_{\\${ns === 'θ' ? 'theta' : 'phi'}}`;
            const head = GREEK[e.name] ? name + param : name;
            return `${head}(${e.args.map(a => r(a)).join(', ')})`;
        }
        case 'call': {
            if (e.fn === 'sqrt') {
                const [a] = e.args;
                if (!a) return 'sqrt()';
                if (n === 'latex') return `\\sqrt{${r(a)}}`;
                const inner = r(a, 5);
                return `√${isAtom(a) ? inner : `(${r(a)})`}`;
            }
            if ((e.fn === 'prod' || e.fn === 'sum') && e.args[0]?.kind === 'range') {
                const g = e.args[0];
                const big = n === 'text' ? (e.fn === 'prod' ? 'Π' : 'Σ') : e.fn === 'prod' ? '\\prod' : '\\sum';
                return `${big}${n === 'text' ? `_{s=${r(g.lower)}..${r(g.upper)}}` : `_{s=${r(g.lower)}}^{${r(g.upper)}}`} ${symbolName(g.base, n)}_s`;
            }
            const fn = n === 'latex' ? functionSpec(e.fn).latex : e.fn;
            return `${fn}(${e.args.map(a => r(a)).join(', ')})`;
        }
        case 'neg': {
            const s = `${minus}${r(e.operand, 3)}`;
            return outer > 1 ? `(${s})` : s;
        }
        case 'binary': {
            const p = PREC[e.op]!;
            if (n === 'latex' && e.op === '/') return `\\frac{${r(e.left)}}{${r(e.right)}}`;
            if (e.op === '^') {
                const base = r(e.left, 5);
                return n === 'latex' ? `{${base}}^{${r(e.right)}}` : `${base}^${r(e.right, 5)}`;
            }
            const left = r(e.left, p);
            const right = r(e.right, e.op === '-' || e.op === '/' ? p + 1 : p);
            const op = e.op === '-' ? ` ${minus} ` : e.op === '+' ? ' + ' : e.op === '*' ? (n === 'latex' ? ' \\cdot ' : ' · ') : ' / ';
            const s = left + op + right;
            return p < outer ? (n === 'latex' ? `\\left(${s}\\right)` : `(${s})`) : s;
        }
        case 'slice':
            // A named head reads as written (encoder(x).mean), in LaTeX as a subscript.
            if (e.head) return n === 'latex' ? `${r(e.base, 5)}_{\\mathrm{${e.head.replace(/_/g, '\\_')}}}` : `${r(e.base, 5)}.${e.head}`;
            return `${r(e.base, 5)}[${e.lower}:${e.upper}]`;
        case 'range':
            return `${symbolName(e.base, n)}[${r(e.lower)}..${r(e.upper)}]`;
        case 'list':
            return `[${e.items.map(a => r(a)).join(', ')}]`;
    }
}

function isAtom(e: IRExpr): boolean {
    return ['number', 'constant', 'index', 'variable', 'sequence', 'network', 'symbol'].includes(e.kind) || e.kind === 'call';
}

/** A factor variable as written in the papers: x[t-1] → x_{t−1}, x0 → x_0. */
export function renderFactorVar(v: FactorVarIR, n: Notation): string {
    return v.index ? v.name + sub(renderExpr(v.index, n), n) : variableName(v.name, n);
}

/** The head of a factor: p(x | z), q(x_t | x_{t−1}). */
export function factorHead(f: Pick<FactorIR, 'kind' | 'target' | 'given'>, n: Notation): string {
    const target = renderFactorVar(f.target, n);
    const given = f.given.map(g => renderFactorVar(g, n)).join(', ');
    const bar = n === 'text' ? ' | ' : ' \\mid ';
    const name = n === 'latex' ? (f.kind === 'p' ? 'p_\\theta' : 'q_\\phi') : f.kind;
    return `${name}(${target}${given ? bar + given : ''})`;
}

/** A distribution in the papers' notation, as its family writes it: 𝒩(μ, σ²), Bernoulli(sigmoid(…)). */
export function renderDistribution(d: DistributionIR, n: Notation, ns = 'θ'): string {
    return familyOf(d).render(d, n, e => renderExpr(e, n, ns));
}

const UNICODE_LATEX: [RegExp, string][] = [
    [/β̃/g, '\\tilde\\beta'],
    [/ᾱ/g, '\\bar\\alpha'],
    [/μ̃/g, '\\tilde\\mu'],
    [/α/g, '\\alpha'],
    [/β/g, '\\beta'],
    [/σ/g, '\\sigma'],
    [/ε/g, '\\epsilon'],
    [/μ/g, '\\mu'],
    [/θ/g, '\\theta'],
    [/φ/g, '\\phi'],
    [/λ/g, '\\lambda'],
    [/π/g, '\\pi'],
    [/⊙/g, '\\odot'],
    [/𝒩/g, '\\mathcal{N}'],
    [/≤/g, '\\le'],
    [/≥/g, '\\ge'],
    [/‖/g, '\\|'],
    [/Σ/g, '\\sum'],
    [/Π/g, '\\prod'],
    [/→/g, '\\to'],
    [/↔/g, '\\leftrightarrow'],
    [/∞/g, '\\infty'],
    [/·/g, '\\cdot'],
    [/²/g, '^2'],
    [/½/g, '\\tfrac12'],
    [/√/g, '\\sqrt{}'],
];

/** A sentence with Unicode math as LaTeX text with inline math: "σ_1² = 0" → \text{$\sigma_1^2$ = 0}. */
export function textToLatex(s: string): string {
    let out = s
        .replace(/\\/g, '\\textbackslash{}')
        .replace(/([&%#])/g, '\\$1')
        .replace(/−/g, '-');
    // Symbols with their subscripts and superscripts become one inline formula (\u0303 is the combining tilde of β̃ and μ̃).
    out = out.replace(/([\u0303A-Za-zᾱαβσεμθφλπ⊙𝒩≤≥‖ΣΠ→↔∞·²½√]+)((?:_\{[^}]*\}|_[A-Za-z0-9]+|²)*)/gu, (match, head: string, scripts: string) => {
        if (!/\P{ASCII}/u.test(head) && !scripts) return match;
        let body = head + scripts.replace(/²/g, '^2');
        for (const [re, cmd] of UNICODE_LATEX) body = body.replace(re, cmd + ' ');
        return `$${body.replace(/ $/, '').replace(/ (?=[_^])/g, '')}$`;
    });
    return `\\text{${out}}`;
}
