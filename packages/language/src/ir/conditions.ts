/**
 * Conditions: label variables (`observed y : Int[10] from mnist.labels`) with no factor of their
 * own. The model is then p(x | y) (a conditional VAE, Sohn et al. 2015): y is given with every
 * example and every factor may read it, but the bound is on log p(x | y) and nothing generates y.
 */
import type { ModelIR, VariableIR } from './types.js';

export function isCondition(model: ModelIR, v: VariableIR): boolean {
    return v.role === 'observed' && v.labels !== undefined && !model.factors.some(f => f.target.name === v.name);
}

/** The model's conditions, in declaration order. */
export function conditionsOf(model: ModelIR): VariableIR[] {
    return model.variables.filter(v => isCondition(model, v));
}

/** The observed variables the model generates (every observed variable but the conditions). */
export function modeledObserved(model: ModelIR): VariableIR[] {
    return model.variables.filter(v => v.role === 'observed' && !isCondition(model, v));
}
