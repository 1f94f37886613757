/**
 * Affine forms of IR expressions at a fixed chain index: an expression such as
 * (x[t] − β_t / sqrt(1 − ᾱ_t) · eps(x[t], t)) / sqrt(α_t) is rewritten, for t = 17, into
 * c + a · x[17] + b · eps(…). This is how the derivation reads coefficients from the declared
 * factors numerically, without recognizing any model by name.
 */
import { evaluate, sequenceLookup, type EvaluationEnv } from '../ir/expressions.js';
import type { IRExpr, ModelIR } from '../ir/types.js';
import { isStochastic, mapExpr } from '../ir/traverse.js';

export interface AffineForm {
    constant: number;
    /** Coefficient of each symbol: `x[16]` for a chain element, `z` for a variable, `net:eps` for a network call. */
    coefs: Map<string, number>;
}

/** Evaluation of sequences and constants of a model at chain indices. */
export function modelEnv(model: ModelIR, indices: Record<string, number> = {}): EvaluationEnv {
    return { indices, sequenceAt: sequenceLookup(model.sequences) };
}

/** The symbol key of a variable reference at the environment's indices: `x[16]`, `z`. */
export function variableKey(expr: Extract<IRExpr, { kind: 'variable' }>, env: EvaluationEnv): string {
    return expr.index ? `${expr.name}[${evaluate(expr.index, env)}]` : expr.name;
}

/**
 * The affine form of `expr` at `env`, or undefined when it is not affine in the variables and
 * network outputs (a product of two random quantities, a nonlinear function of one).
 * Network calls are treated as opaque symbols `net:NAME`, a slice of one as `net:NAME[lower:upper]`.
 */
export function affineForm(expr: IRExpr, env: EvaluationEnv): AffineForm | undefined {
    if (!isStochastic(expr)) {
        const value = evaluate(expr, env);
        return Number.isFinite(value) ? { constant: value, coefs: new Map() } : undefined;
    }
    switch (expr.kind) {
        case 'variable':
            return { constant: 0, coefs: new Map([[variableKey(expr, env), 1]]) };
        case 'network':
            return { constant: 0, coefs: new Map([[`net:${expr.name}`, 1]]) };
        case 'slice':
            // One part of a network's output (ε and v of one net): `net:eps[0:784]`.
            return expr.base.kind === 'network' ? { constant: 0, coefs: new Map([[`net:${expr.base.name}[${expr.lower}:${expr.upper}]`, 1]]) } : undefined;
        case 'neg': {
            const a = affineForm(expr.operand, env);
            return a && scale(a, -1);
        }
        case 'binary': {
            const l = affineForm(expr.left, env),
                r = affineForm(expr.right, env);
            if (!l || !r) return undefined;
            switch (expr.op) {
                case '+':
                    return add(l, r, 1);
                case '-':
                    return add(l, r, -1);
                case '*':
                    if (l.coefs.size === 0) return scale(r, l.constant);
                    if (r.coefs.size === 0) return scale(l, r.constant);
                    return undefined;
                case '/':
                    return r.coefs.size === 0 ? scale(l, 1 / r.constant) : undefined;
                default:
                    return undefined;
            }
        }
        default:
            return undefined;
    }
}

function scale(a: AffineForm, k: number): AffineForm {
    return { constant: a.constant * k, coefs: new Map([...a.coefs].map(([s, c]) => [s, c * k])) };
}

function add(a: AffineForm, b: AffineForm, sign: number): AffineForm {
    const coefs = new Map(a.coefs);
    for (const [s, c] of b.coefs) coefs.set(s, (coefs.get(s) ?? 0) + sign * c);
    return { constant: a.constant + sign * b.constant, coefs };
}

/** Replaces the chain index by a number (the reverse factor at t = 1 for L_0), folding index arithmetic: x[t-1] → x[0]. */
export function substituteIndex(expr: IRExpr, index: string, value: number): IRExpr {
    return mapExpr(expr, e => {
        if (e.kind === 'index' && e.name === index) return { kind: 'number', value, ...(e.range ? { range: e.range } : {}) };
        if ((e.kind === 'variable' || e.kind === 'sequence') && e.index) return { ...e, index: fold(e.index) };
        if (e.kind === 'range') return { ...e, lower: fold(e.lower), upper: fold(e.upper) };
        return e;
    });
}

/** Folds an index expression that became a number (t − 1 at t = 1 is 0). */
function fold(expr: IRExpr): IRExpr {
    if (isStochastic(expr) || expr.kind === 'number') return expr;
    const value = evaluate(expr, {});
    return Number.isFinite(value) ? { kind: 'number', value, ...(expr.range ? { range: expr.range } : {}) } : expr;
}
