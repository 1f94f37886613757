/** Compiles IR expressions (distribution parameters, network calls) into program instructions. */
import { functionSpec, type IRExpr, type ModelIR } from '@gm/language';
import { programOps } from './distributions.js';
import { ProgramBuilder } from './builder.js';
import type { Program } from './program.js';

/** Where expressions are compiled: the values of variables and chain indices bound so far. */
export interface Scope {
    model: ModelIR;
    builder: ProgramBuilder;
    /** Variables by key: `z`, `x0`, chain elements `x[t]`, `x[t-1]`, `x[1]`. */
    variables: Map<string, number>;
    /** A chain index bound to a per-example value (`t` → value id) or to a number. */
    indices: Map<string, { value: number } | { literal: number }>;
    /** The per-example shape of each variable key, to size networks (`x[t]` → [1, 28, 28]). */
    shapes: Map<string, number[]>;
    /** Networks called, with the shape of their first argument. */
    networkShapes: Map<string, number[]>;
}

export class CompileError extends Error {}

/** An empty scope with a new program builder. */
export function newScope(model: ModelIR): Scope {
    return { model, builder: new ProgramBuilder(), variables: new Map(), indices: new Map(), shapes: new Map(), networkShapes: new Map() };
}

/**
 * The program of a sampler: what `scope` emitted, returning `outputs` (no loss terms). Networks are
 * sized by the shapes their first arguments had; `dimensions` defaults to the inputs' sizes.
 */
export function outputProgram(scope: Scope, inputs: Program['inputs'], outputs: Record<string, number>, dimensions = inputs.reduce((n, i) => n + sizeOf(i.shape), 0)): Program {
    const b = scope.builder;
    const called = [...new Set(b.instructions.flatMap(i => (i.op === 'network' ? [i.network] : [])))];
    return {
        model: scope.model.name,
        inputs,
        replicas: 1,
        instructions: b.instructions,
        batched: b.batched,
        terms: [],
        outputs,
        networks: called.map(name => ({ name, inputShape: scope.networkShapes.get(name) ?? [] })),
        dimensions,
    };
}

const sizeOf = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** The value of an index expression when it is a number under the bound literals (`t-1` with t = 3 → 2). */
function literalIndex(expr: IRExpr, scope: Scope): number | undefined {
    switch (expr.kind) {
        case 'number':
        case 'constant':
            return expr.value;
        case 'index': {
            const bound = scope.indices.get(expr.name);
            return bound && 'literal' in bound ? bound.literal : undefined;
        }
        case 'binary': {
            const l = literalIndex(expr.left, scope);
            const r = literalIndex(expr.right, scope);
            if (l === undefined || r === undefined) return undefined;
            return expr.op === '+' ? l + r : expr.op === '-' ? l - r : expr.op === '*' ? l * r : expr.op === '/' ? l / r : l ** r;
        }
        default:
            return undefined;
    }
}

/** The symbolic form of an index (`t`, `t-1`) for keys of chain elements. */
function indexPattern(expr: IRExpr, scope: Scope): string {
    const n = literalIndex(expr, scope);
    if (n !== undefined) return String(n);
    if (expr.kind === 'index') return expr.name;
    if (expr.kind === 'binary') return `${indexPattern(expr.left, scope)}${expr.op}${indexPattern(expr.right, scope)}`;
    throw new CompileError(`cannot use ${expr.kind} as a chain index`);
}

/** The key of a variable reference: `z`, or `x[t-1]`; the first element of a chain is its start variable. */
export function variableKey(expr: Extract<IRExpr, { kind: 'variable' }>, scope: Scope): string {
    if (!expr.index) return expr.name;
    const n = literalIndex(expr.index, scope);
    const chain = scope.model.chains.find(c => c.name === expr.name);
    if (chain && n === chain.lower && chain.start) return chain.start;
    return `${expr.name}[${indexPattern(expr.index, scope)}]`;
}

const BINARY = { '+': '+', '-': '-', '*': '*', '/': '/', '^': 'pow' } as const;

export function compileExpr(expr: IRExpr, scope: Scope): number {
    const b = scope.builder;
    switch (expr.kind) {
        case 'number':
        case 'constant':
            return b.constant(expr.value);
        case 'index': {
            const bound = scope.indices.get(expr.name);
            if (!bound) throw new CompileError(`the index ${expr.name} is not bound here`);
            return 'literal' in bound ? b.constant(bound.literal) : bound.value;
        }
        case 'variable': {
            const key = variableKey(expr, scope);
            const value = scope.variables.get(key);
            if (value === undefined) throw new CompileError(`${key} is used before it is sampled or observed`);
            return value;
        }
        case 'sequence': {
            const seq = scope.model.sequences.find(s => s.name === expr.name);
            if (!seq) throw new CompileError(`unknown sequence ${expr.name}`);
            if (!expr.index) {
                if (seq.value === undefined) throw new CompileError(`${expr.name} has no value without an index`);
                return b.constant(seq.value);
            }
            if (!seq.values || seq.lower === undefined) throw new CompileError(`${expr.name} is not an indexed sequence`);
            const n = literalIndex(expr.index, scope);
            if (n !== undefined) {
                const v = seq.values[n - seq.lower];
                if (v === undefined) throw new CompileError(`${expr.name}[${n}] is outside ${seq.lower}..${seq.upper}`);
                return b.constant(v);
            }
            return b.emit({ op: 'gather', table: seq.values, offset: seq.lower, index: compileExpr(expr.index, scope) });
        }
        case 'network': {
            const args = expr.args.map(a => compileExpr(a, scope));
            if (!scope.networkShapes.has(expr.name) && expr.args[0]?.kind === 'variable') {
                const shape = scope.shapes.get(variableKey(expr.args[0], scope));
                if (shape) scope.networkShapes.set(expr.name, shape);
            }
            return b.emit({ op: 'network', network: expr.name, args });
        }
        case 'call': {
            const spec = functionSpec(expr.fn);
            if (!spec.apply || expr.args.length !== spec.params.length) throw new CompileError(`${expr.fn}(…) cannot be computed per example`);
            return spec.apply(
                programOps(b),
                expr.args.map(a => compileExpr(a, scope)),
            );
        }
        case 'binary':
            return b.binary(BINARY[expr.op], compileExpr(expr.left, scope), compileExpr(expr.right, scope));
        case 'neg':
            return b.unary('neg', compileExpr(expr.operand, scope));
        case 'slice': {
            // A U-Net's output is [C, H, W] per example: its parts (ε and v, Nichol & Dhariwal 2021) are channels.
            const base = expr.base;
            const unet = base.kind === 'network' && scope.model.networks.find(n => n.name === base.name)?.architecture === 'UNet';
            return b.emit({ op: 'slice', x: compileExpr(base, scope), lower: expr.lower, upper: expr.upper, ...(unet ? { axis: 'channel' as const } : {}) });
        }
        default:
            throw new CompileError(`a ${expr.kind} expression cannot be computed per example`);
    }
}
