import type { AstNode } from 'langium';
import * as ast from '../generated/ast.js';
import type { IRExpr, SequenceIR, SourceRange } from './types.js';
import { functionSpec, isFunctionName, type FunctionName } from './functions.js';
import { vectorOps } from '../distributions/vector-ops.js';
import { Code, type DiagnosticCode } from '../validation/codes.js';
import { declaredHeads, headNetwork } from './heads.js';
import { MAX_STEPS } from './schedules.js';

/** The source range of an AST node (zero range when the parser recovered without text). */
export function rangeOf(node: AstNode | undefined): SourceRange {
    const range = node?.$cstNode?.range;
    if (!range) return { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
    return { start: { ...range.start }, end: { ...range.end } };
}

/** Reports what cannot be lowered; lowering goes on with a placeholder. */
export type ProblemSink = (message: string, node: AstNode, code: DiagnosticCode) => void;

/**
 * Lowers an expression, resolving each name through Langium's linking to what it denotes in
 * the IR: a constant's value, an index, a variable, a sequence, a network call or a builtin.
 */
export function lowerExpr(expr: ast.Expr | ast.IndexArg, report: ProblemSink, constants: ReadonlyMap<string, number>): IRExpr {
    const range = rangeOf(expr);
    const lower = (e: ast.Expr | ast.IndexArg) => lowerExpr(e, report, constants);
    switch (expr.$type) {
        case ast.NumberLiteral.$type:
            return { kind: 'number', value: (expr as ast.NumberLiteral).value, range };
        case ast.StringLiteral.$type:
            return { kind: 'string', value: (expr as ast.StringLiteral).value, range };
        case ast.BooleanLiteral.$type:
            return { kind: 'bool', value: (expr as ast.BooleanLiteral).value, range };
        case ast.ParenExpr.$type:
            return lower((expr as ast.ParenExpr).inner);
        case ast.ListLiteral.$type:
            return { kind: 'list', items: (expr as ast.ListLiteral).items.map(lower), range };
        case ast.UnaryExpr.$type:
            return { kind: 'neg', operand: lower((expr as ast.UnaryExpr).operand), range };
        case ast.BinaryExpr.$type: {
            const b = expr as ast.BinaryExpr;
            return { kind: 'binary', op: b.operator, left: lower(b.left), right: lower(b.right), range };
        }
        case ast.NameRef.$type:
            return lowerName(expr as ast.NameRef, undefined, range, report, constants);
        case ast.IndexExpr.$type:
            return lowerIndexExpr(expr as ast.IndexExpr, report, constants);
        case ast.CallExpr.$type:
            return lowerCall(expr as ast.CallExpr, report, constants);
        case ast.HeadExpr.$type:
            return lowerHead(expr as ast.HeadExpr, report, constants);
        case ast.HeadList.$type:
            report('named heads (mean: 20, logvar: 20) are only allowed as the last width of an MLP: MLP(784 -> 400 -> (mean: 20, logvar: 20))', expr, Code.HeadsMisplaced);
            return { kind: 'number', value: NaN, range };
        case ast.LayerList.$type:
            report('a layer list (a -> b) is only allowed as the first argument of a network', expr, Code.LayersMisplaced);
            return { kind: 'list', items: (expr as ast.LayerList).items.map(lower), range };
        default:
            report('this expression is not allowed here', expr, Code.UnexpectedExpression);
            return { kind: 'number', value: NaN, range };
    }
}

function lowerName(ref: ast.NameRef, index: IRExpr | undefined, range: SourceRange, report: ProblemSink, constants: ReadonlyMap<string, number>): IRExpr {
    const target = ref.ref.ref;
    const name = ref.ref.$refText;
    if (!target) return { kind: 'symbol', name, range }; // unresolved: the linker reports it
    if (ast.isConstant(target)) return { kind: 'constant', name, value: constants.get(name) ?? NaN, range };
    if (ast.isIndexVar(target)) return { kind: 'index', name, range };
    if (ast.isVariableDecl(target) || ast.isChainDecl(target)) return { kind: 'variable', name, ...(index ? { index } : {}), range };
    if (ast.isSchedule(target) || ast.isSequence(target)) return { kind: 'sequence', name, ...(index ? { index } : {}), range };
    // A builtin named without a call (`activation: relu`, `optimizer: Adam`): its declaration's reader decides.
    if (ast.isBuiltin(target)) return { kind: 'symbol', name, range };
    report(`'${name}' cannot be used as a value here`, ref, Code.NotAValue);
    return { kind: 'symbol', name, range };
}

function lowerIndexExpr(expr: ast.IndexExpr, report: ProblemSink, constants: ReadonlyMap<string, number>): IRExpr {
    const range = rangeOf(expr);
    const [first] = expr.indices;
    if (expr.indices.length !== 1 || !first) {
        report('exactly one index or slice is expected', expr, Code.IndexArity);
    }
    if (first && ast.isSlice(first)) {
        const base = lowerExpr(expr.base, report, constants);
        const lower = first.lower ? evaluateConstant(first.lower, report, constants) : 0;
        const upper = first.upper ? evaluateConstant(first.upper, report, constants) : NaN;
        return { kind: 'slice', base, lower, upper, range };
    }
    if (first && ast.isRangeArg(first)) {
        if (!ast.isNameRef(expr.base)) {
            report('only a sequence can be indexed by a range', expr, Code.RangeBase);
            return { kind: 'number', value: NaN, range };
        }
        return {
            kind: 'range',
            base: expr.base.ref.$refText,
            lower: lowerExpr(first.lower, report, constants),
            upper: lowerExpr(first.upper, report, constants),
            range,
        };
    }
    const index = first ? lowerExpr(first as ast.Expr, report, constants) : undefined;
    if (ast.isNameRef(expr.base)) return lowerName(expr.base, index, range, report, constants);
    report('only variables, chains and sequences can be indexed', expr, Code.IndexBase);
    return lowerExpr(expr.base, report, constants);
}

/** `encoder(x).mean`: the slice of the network's output that the head names. */
function lowerHead(expr: ast.HeadExpr, report: ProblemSink, constants: ReadonlyMap<string, number>): IRExpr {
    const range = rangeOf(expr);
    const base = lowerExpr(expr.base, report, constants);
    const net = headNetwork(expr);
    if (!net || base.kind !== 'network') {
        report(`only a network's output has named heads: write net(x).${expr.head}`, expr, Code.HeadUnknown);
        return { kind: 'number', value: NaN, range }; // reported: no check reads it again
    }
    const heads =
        declaredHeads(net, e =>
            evaluate(
                lowerExpr(e, () => undefined, constants),
                {},
            ),
        ) ?? [];
    const head = heads.find(h => h.name === expr.head);
    if (!head) {
        report(
            heads.length
                ? `'${net.name}' has no head '${expr.head}'; its heads are ${heads.map(h => h.name).join(', ')}`
                : `'${net.name}' has no named heads; name the parts of its output, e.g. MLP(… -> (${expr.head}: 20, other: 20)), or slice it: ${net.name}(…)[0:20]`,
            expr,
            Code.HeadUnknown,
        );
        return { kind: 'number', value: NaN, range };
    }
    return { kind: 'slice', base, lower: head.lower, upper: head.upper, head: head.name, range };
}

function lowerCall(call: ast.CallExpr, report: ProblemSink, constants: ReadonlyMap<string, number>): IRExpr {
    const range = rangeOf(call);
    const args = call.args.map(a => lowerExpr(a.value, report, constants));
    const callee = ast.isNameRef(call.callee) ? call.callee.ref.ref : undefined;
    const name = ast.isNameRef(call.callee) ? call.callee.ref.$refText : '';
    if (ast.isNetDecl(callee)) return { kind: 'network', name, args, range };
    if (ast.isBuiltin(callee) && callee.category === 'function' && isFunctionName(name)) {
        return { kind: 'call', fn: name, args, range };
    }
    // Distributions, schedules, optimizers and datasets are read by their declarations' lowering.
    if (ast.isBuiltin(callee)) return { kind: 'symbol', name, range };
    if (callee) report(`'${name}' cannot be called`, call.callee, Code.NotCallable);
    return { kind: 'symbol', name, range };
}

/** What a number beyond double precision (1e309, 1e308 * 10) is called. */
export const INFINITE = 'this number is beyond double precision (larger than 1.8e308): it is infinite';

/**
 * Evaluates an expression that must be a number known before training (a size, an option).
 * `env` gives values of indices (`t`) and `sequenceAt` looks up sequences at an index.
 */
export function evaluateConstant(expr: ast.Expr | ast.IndexArg, report: ProblemSink, constants: ReadonlyMap<string, number>): number {
    const value = evaluate(lowerExpr(expr, report, constants), {});
    if (Number.isNaN(value)) report('expected a number known before training', expr, Code.NotConstant);
    else if (!Number.isFinite(value)) report(INFINITE, expr, Code.NotConstant);
    return value;
}

export interface EvaluationEnv {
    indices?: Readonly<Record<string, number>>;
    /** Value of a sequence at an index (or the scalar when index is undefined); NaN when unknown. */
    sequenceAt?: (name: string, index: number | undefined) => number;
    /**
     * Running products and sums by (function, sequence, lower bound), shared across the indices of
     * one sequence so that `prod(alpha[1..t])` for every t costs O(T), not O(T²).
     */
    prefixes?: Map<string, number[]>;
}

/** Numerically evaluates an IR expression; NaN where it depends on random variables or networks. */
export function evaluate(expr: IRExpr, env: EvaluationEnv): number {
    const ev = (e: IRExpr) => evaluate(e, env);
    switch (expr.kind) {
        case 'number':
            return expr.value;
        case 'constant':
            return expr.value;
        case 'bool':
            return expr.value ? 1 : 0;
        case 'index':
            return env.indices?.[expr.name] ?? NaN;
        case 'sequence':
            return env.sequenceAt?.(expr.name, expr.index ? ev(expr.index) : undefined) ?? NaN;
        case 'neg':
            return -ev(expr.operand);
        case 'binary': {
            const a = ev(expr.left),
                b = ev(expr.right);
            switch (expr.op) {
                case '+':
                    return a + b;
                case '-':
                    return a - b;
                case '*':
                    return a * b;
                case '/':
                    return a / b;
                case '^':
                    return Math.pow(a, b);
            }
            return NaN;
        }
        case 'call':
            return evaluateCall(expr.fn, expr.args, env);
        default:
            return NaN;
    }
}

function evaluateCall(fn: FunctionName, args: IRExpr[], env: EvaluationEnv): number {
    const spec = functionSpec(fn);
    const [first] = args;
    if (!first) return NaN;
    if (spec.reduce) {
        if (first.kind !== 'range') return NaN;
        const lo = evaluate(first.lower, env),
            hi = evaluate(first.upper, env);
        if (!Number.isInteger(lo) || !Number.isInteger(hi)) return NaN;
        // No sequence is defined over more indices than a schedule may have: a longer range reads undefined values.
        if (hi - lo >= MAX_STEPS) return NaN;
        const product = spec.reduce === 'prod';
        // prefix[k] = the product (sum) of base[lo .. lo + k − 1]; prefix[0] is the empty one.
        const key = `${fn}:${first.base}:${lo}`;
        let prefix = env.prefixes?.get(key);
        if (!prefix) {
            prefix = [product ? 1 : 0];
            env.prefixes?.set(key, prefix);
        }
        for (let k = prefix.length; k <= hi - lo + 1; k++) {
            const v = env.sequenceAt?.(first.base, lo + k - 1) ?? NaN;
            prefix.push(product ? prefix[k - 1]! * v : prefix[k - 1]! + v);
        }
        return hi < lo ? prefix[0]! : prefix[hi - lo + 1]!;
    }
    if (!spec.apply || spec.joins || args.length < spec.params.length) return NaN;
    return (
        spec.apply(
            vectorOps,
            args.map(a => [evaluate(a, env)]),
        )[0] ?? NaN
    );
}

/** The value of a sequence at an index (the scalar when index is undefined), NaN where it is not defined. */
export function sequenceLookup(sequences: readonly SequenceIR[]): (name: string, index: number | undefined) => number {
    return (name, index) => {
        const s = sequences.find(q => q.name === name);
        if (!s) return NaN;
        if (index === undefined) return s.value ?? NaN;
        if (!s.values || s.lower === undefined) return NaN;
        return s.values[index - s.lower] ?? NaN;
    };
}
