/**
 * Affine forms of IR expressions at a fixed chain index: an expression such as
 * (x[t] − β_t / sqrt(1 − ᾱ_t) · eps(x[t], t)) / sqrt(α_t) is rewritten, for t = 17, into
 * c + a · x[17] + b · eps(…). This is how the derivation reads coefficients from the declared
 * factors numerically, without recognizing any model by name.
 */
import { evaluate, type EvaluationEnv } from '../ir/expressions.js';
import type { IRExpr, ModelIR } from '../ir/types.js';

export interface AffineForm {
    constant: number;
    /** Coefficient of each symbol: `x[16]` for a chain element, `z` for a variable, `net:eps` for a network call. */
    coefs: Map<string, number>;
}

/** Evaluation of sequences and constants of a model at chain indices. */
export function modelEnv(model: ModelIR, indices: Record<string, number> = {}): EvaluationEnv {
    return {
        indices,
        sequenceAt: (name, index) => {
            const s = model.sequences.find(q => q.name === name);
            if (!s) return NaN;
            if (index === undefined) return s.value ?? NaN;
            if (!s.values || s.lower === undefined) return NaN;
            return s.values[index - s.lower] ?? NaN;
        }
    };
}

/** Whether an expression reads a random variable or a network (so it is not a number before training). */
export function isStochastic(expr: IRExpr): boolean {
    switch (expr.kind) {
        case 'variable': case 'network': case 'symbol': return true;
        case 'binary': return isStochastic(expr.left) || isStochastic(expr.right);
        case 'neg': return isStochastic(expr.operand);
        case 'call': return expr.args.some(isStochastic);
        case 'slice': return isStochastic(expr.base);
        case 'list': return expr.items.some(isStochastic);
        default: return false;
    }
}

/** Whether an expression calls a network. */
export function usesNetwork(expr: IRExpr): boolean {
    switch (expr.kind) {
        case 'network': return true;
        case 'binary': return usesNetwork(expr.left) || usesNetwork(expr.right);
        case 'neg': return usesNetwork(expr.operand);
        case 'call': return expr.args.some(usesNetwork);
        case 'slice': return usesNetwork(expr.base);
        case 'list': return expr.items.some(usesNetwork);
        case 'variable': return expr.index ? usesNetwork(expr.index) : false;
        default: return false;
    }
}

/** Network names called in an expression. */
export function networksIn(expr: IRExpr, out = new Set<string>()): Set<string> {
    switch (expr.kind) {
        case 'network': out.add(expr.name); expr.args.forEach(a => networksIn(a, out)); break;
        case 'binary': networksIn(expr.left, out); networksIn(expr.right, out); break;
        case 'neg': networksIn(expr.operand, out); break;
        case 'call': expr.args.forEach(a => networksIn(a, out)); break;
        case 'slice': networksIn(expr.base, out); break;
        case 'list': expr.items.forEach(a => networksIn(a, out)); break;
        default: break;
    }
    return out;
}

/** Random variables (by name, chain elements by name only) read by an expression. */
export function variablesIn(expr: IRExpr, out = new Set<string>()): Set<string> {
    switch (expr.kind) {
        case 'variable': out.add(expr.name); break;
        case 'network': expr.args.forEach(a => variablesIn(a, out)); break;
        case 'binary': variablesIn(expr.left, out); variablesIn(expr.right, out); break;
        case 'neg': variablesIn(expr.operand, out); break;
        case 'call': expr.args.forEach(a => variablesIn(a, out)); break;
        case 'slice': variablesIn(expr.base, out); break;
        case 'list': expr.items.forEach(a => variablesIn(a, out)); break;
        default: break;
    }
    return out;
}

/** The symbol key of a variable reference at the environment's indices: `x[16]`, `z`. */
export function variableKey(expr: Extract<IRExpr, { kind: 'variable' }>, env: EvaluationEnv): string {
    return expr.index ? `${expr.name}[${evaluate(expr.index, env)}]` : expr.name;
}

/**
 * The affine form of `expr` at `env`, or undefined when it is not affine in the variables and
 * network outputs (a product of two random quantities, a nonlinear function of one).
 * Network calls are treated as opaque symbols `net:NAME`.
 */
export function affineForm(expr: IRExpr, env: EvaluationEnv): AffineForm | undefined {
    if (!isStochastic(expr)) {
        const value = evaluate(expr, env);
        return Number.isFinite(value) ? { constant: value, coefs: new Map() } : undefined;
    }
    switch (expr.kind) {
        case 'variable': return { constant: 0, coefs: new Map([[variableKey(expr, env), 1]]) };
        case 'network': return { constant: 0, coefs: new Map([[`net:${expr.name}`, 1]]) };
        case 'neg': {
            const a = affineForm(expr.operand, env);
            return a && scale(a, -1);
        }
        case 'binary': {
            const l = affineForm(expr.left, env), r = affineForm(expr.right, env);
            if (!l || !r) return undefined;
            switch (expr.op) {
                case '+': return add(l, r, 1);
                case '-': return add(l, r, -1);
                case '*':
                    if (l.coefs.size === 0) return scale(r, l.constant);
                    if (r.coefs.size === 0) return scale(l, r.constant);
                    return undefined;
                case '/': return r.coefs.size === 0 ? scale(l, 1 / r.constant) : undefined;
                default: return undefined;
            }
        }
        default: return undefined;
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

/**
 * Replaces the chain index by a number and, where `inline` is set, sequences by their values:
 * the reverse factor at t = 1 for L_0, with names kept readable.
 */
export function substituteIndex(expr: IRExpr, index: string, value: number): IRExpr {
    const sub = (e: IRExpr): IRExpr => substituteIndex(e, index, value);
    switch (expr.kind) {
        case 'index': return expr.name === index ? { kind: 'number', value, ...(expr.range ? { range: expr.range } : {}) } : expr;
        case 'variable': return expr.index ? { ...expr, index: fold(sub(expr.index)) } : expr;
        case 'sequence': return expr.index ? { ...expr, index: fold(sub(expr.index)) } : expr;
        case 'network': return { ...expr, args: expr.args.map(sub) };
        case 'call': return { ...expr, args: expr.args.map(sub) };
        case 'binary': return { ...expr, left: sub(expr.left), right: sub(expr.right) };
        case 'neg': return { ...expr, operand: sub(expr.operand) };
        case 'slice': return { ...expr, base: sub(expr.base) };
        case 'range': return { ...expr, lower: fold(sub(expr.lower)), upper: fold(sub(expr.upper)) };
        case 'list': return { ...expr, items: expr.items.map(sub) };
        default: return expr;
    }
}

/** Folds an index expression that became a number (t − 1 at t = 1 is 0). */
function fold(expr: IRExpr): IRExpr {
    if (isStochastic(expr) || expr.kind === 'number') return expr;
    const value = evaluate(expr, {});
    return Number.isFinite(value) ? { kind: 'number', value, ...(expr.range ? { range: expr.range } : {}) } : expr;
}
