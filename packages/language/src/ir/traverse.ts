/**
 * The one traversal of IR expressions. Every analysis (which variables, networks or sequences an
 * expression reads, whether it is random, substituting an index) is written with these three
 * functions, so that all of them agree on what the children of a node are — including the index
 * of an indexed variable or sequence and the bounds of a range.
 */
import type { IRExpr } from './types.js';

/** The direct sub-expressions of a node, in source order. */
export function children(expr: IRExpr): IRExpr[] {
    switch (expr.kind) {
        case 'variable':
        case 'sequence':
            return expr.index ? [expr.index] : [];
        case 'network':
        case 'call':
            return expr.args;
        case 'binary':
            return [expr.left, expr.right];
        case 'neg':
            return [expr.operand];
        case 'slice':
            return [expr.base];
        case 'range':
            return [expr.lower, expr.upper];
        case 'list':
            return expr.items;
        default:
            return [];
    }
}

/** Every node of an expression, itself first (pre-order); with a stack of its own, not the call stack. */
export function* subExpressions(expr: IRExpr): Generator<IRExpr> {
    const pending = [expr];
    while (pending.length > 0) {
        const e = pending.pop()!;
        yield e;
        const c = children(e);
        for (let i = c.length - 1; i >= 0; i--) pending.push(c[i]!);
    }
}

/** Every node of several expressions (a distribution's parameters). */
export function* subExpressionsOf(exprs: Iterable<IRExpr>): Generator<IRExpr> {
    for (const e of exprs) yield* subExpressions(e);
}

/** Whether some node satisfies `test`. */
export function someExpr(expr: IRExpr, test: (e: IRExpr) => boolean): boolean {
    for (const e of subExpressions(expr)) if (test(e)) return true;
    return false;
}

/** The first node that satisfies `test`, pre-order. */
export function findExpr<K extends IRExpr['kind']>(expr: IRExpr, kind: K): Extract<IRExpr, { kind: K }> | undefined {
    for (const e of subExpressions(expr)) if (e.kind === kind) return e as Extract<IRExpr, { kind: K }>;
    return undefined;
}

/**
 * Rebuilds an expression bottom-up: `f` sees each node with its children already rewritten and
 * returns the replacement (or the node itself). Nodes that do not change are shared.
 */
export function mapExpr(expr: IRExpr, f: (e: IRExpr) => IRExpr): IRExpr {
    const m = (e: IRExpr) => mapExpr(e, f);
    let rebuilt: IRExpr;
    switch (expr.kind) {
        case 'variable':
            rebuilt = expr.index ? { ...expr, index: m(expr.index) } : expr;
            break;
        case 'sequence':
            rebuilt = expr.index ? { ...expr, index: m(expr.index) } : expr;
            break;
        case 'network':
            rebuilt = { ...expr, args: expr.args.map(m) };
            break;
        case 'call':
            rebuilt = { ...expr, args: expr.args.map(m) };
            break;
        case 'binary':
            rebuilt = { ...expr, left: m(expr.left), right: m(expr.right) };
            break;
        case 'neg':
            rebuilt = { ...expr, operand: m(expr.operand) };
            break;
        case 'slice':
            rebuilt = { ...expr, base: m(expr.base) };
            break;
        case 'range':
            rebuilt = { ...expr, lower: m(expr.lower), upper: m(expr.upper) };
            break;
        case 'list':
            rebuilt = { ...expr, items: expr.items.map(m) };
            break;
        default:
            rebuilt = expr;
    }
    return f(rebuilt);
}

/** Names of the nodes of one kind (`variable`, `network`, `sequence`) that an expression reads. */
export function namesIn(expr: IRExpr | Iterable<IRExpr>, kind: 'variable' | 'network' | 'sequence'): Set<string> {
    const out = new Set<string>();
    const roots = isExpr(expr) ? [expr] : expr;
    for (const e of subExpressionsOf(roots)) {
        if (e.kind === kind) out.add(e.name);
        // A range reads its base sequence (prod(alpha[1..t])).
        else if (kind === 'sequence' && e.kind === 'range') out.add(e.base);
    }
    return out;
}

function isExpr(x: IRExpr | Iterable<IRExpr>): x is IRExpr {
    return typeof (x as IRExpr).kind === 'string';
}

/** Whether an expression reads a random variable, a network or an unresolved name: not a number before training. */
export function isStochastic(expr: IRExpr): boolean {
    return someExpr(expr, e => e.kind === 'variable' || e.kind === 'network' || e.kind === 'symbol');
}

/** Whether an expression calls a network. */
export function usesNetwork(expr: IRExpr): boolean {
    return someExpr(expr, e => e.kind === 'network');
}
