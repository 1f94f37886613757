import { evaluate, sequenceLookup as lookupIn } from '../ir/expressions.js';
import { subExpressions } from '../ir/traverse.js';
import type { ChainIR, FactorIR, FactorVarIR, IRExpr, ModelIR, VariableIR } from '../ir/types.js';

export { subExpressions };

/** Every parameter expression of a factor's distribution, with its name. */
export function paramsOf(factor: FactorIR): Array<[string, IRExpr]> {
    return Object.entries(factor.distribution.params);
}

/** The random variables a factor's distribution reads. */
export function variablesRead(factor: FactorIR): Array<Extract<IRExpr, { kind: 'variable' }>> {
    const out: Array<Extract<IRExpr, { kind: 'variable' }>> = [];
    for (const [, p] of paramsOf(factor)) for (const e of subExpressions(p)) if (e.kind === 'variable') out.push(e);
    return out;
}

/** A chain index relative to the chain's own index: `t-1` is {offset: -1}, `T` is {at: 1000}. */
export type ChainIndex = { offset: number } | { at: number } | undefined;

export function chainIndex(index: IRExpr | undefined, indexName: string): ChainIndex {
    if (!index) return undefined;
    if (index.kind === 'index' && index.name === indexName) return { offset: 0 };
    if (index.kind === 'binary' && (index.op === '-' || index.op === '+') && index.left.kind === 'index' && index.left.name === indexName) {
        const k = evaluate(index.right, {});
        if (Number.isFinite(k)) return { offset: index.op === '-' ? -k : k };
    }
    const at = evaluate(index, {});
    return Number.isFinite(at) ? { at } : undefined;
}

export const chainOf = (model: ModelIR, name: string): ChainIR | undefined => model.chains.find(c => c.name === name);
export const variableOf = (model: ModelIR, name: string): VariableIR | undefined => model.variables.find(v => v.name === name);

/** Number of values in one example of a shape: [1, 28, 28] → 784. */
export const sizeOfShape = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/** The shape of a factor variable: a declared variable's, or a chain element's. */
export function shapeOfFactorVar(model: ModelIR, v: FactorVarIR | { name: string }): number[] | undefined {
    return variableOf(model, v.name)?.shape ?? chainOf(model, v.name)?.shape;
}

/** Whether the name is declared as something that is not a random variable. */
export function declaredNonVariable(model: ModelIR, name: string): string | undefined {
    if (model.networks.some(n => n.name === name)) return 'a network';
    if (model.sequences.some(s => s.name === name)) return 'a sequence';
    if (model.constants.some(c => c.name === name)) return 'a constant';
    if (model.data.some(d => d.name === name)) return 'a dataset';
    return undefined;
}

/** The value of a sequence at an index, as lowering evaluated it. */
export const sequenceLookup = (model: ModelIR): ((name: string, index: number | undefined) => number) => lookupIn(model.sequences);

/** Longest chain whose steps the checks evaluate one by one; longer ones are not evaluated at all. */
export const MAX_EVALUATED_STEPS = 1_000_000;

/** The transitions of a chain run over t in lower+1..upper (x[t-1] → x[t]). */
export function transitionIndices(chain: ChainIR): number[] {
    const out: number[] = [];
    // Safe integers only: beyond 2^53, t + 1 is t and the loop would never end.
    if (!Number.isSafeInteger(chain.lower) || !Number.isSafeInteger(chain.upper) || chain.upper - chain.lower > MAX_EVALUATED_STEPS) return out;
    for (let t = chain.lower + 1; t <= chain.upper; t++) out.push(t);
    return out;
}

/** The chain whose index a factor uses, if it is a chain factor. */
export function factorChain(model: ModelIR, factor: FactorIR): ChainIR | undefined {
    return [factor.target, ...factor.given].map(v => chainOf(model, v.name)).find(c => c !== undefined);
}

/** Shows a factor the way it is written: p(x | z). */
export const factorName = (factor: FactorIR): string => factor.id.replace('|', ' | ').replace(/,/g, ', ');

/** A key for an expression that ignores where it was written: `t-1` in two places gives the same key. */
export function exprKey(expr: IRExpr | undefined): string {
    return JSON.stringify(expr ?? null, (key, value: unknown) => (key === 'range' ? undefined : value));
}
