/**
 * `observed y : Int[10] from mnist.labels`: a dataset's class labels as a variable, aligned with its
 * images example by example. `Int[K]` is one-hot over K classes (the values a Categorical takes),
 * `Int` (or `Int[1]`) the class index.
 */
import type * as ast from '../generated/ast.js';
import type { ProblemSink } from './expressions.js';
import type { LabelsIR } from './types.js';
import { Code } from '../validation/codes.js';

export function lowerLabels(decl: ast.VariableDecl, shape: readonly number[], report: ProblemSink): LabelsIR | undefined {
    if (decl.part === undefined) return undefined;
    // After an error the variable stays a label variable (as an index), so that no check reads it as images.
    const fallback: LabelsIR = { encoding: 'index' };
    if (decl.part !== 'labels') {
        report(`a dataset gives its images ('from ${decl.data?.$refText}') and its labels ('from ${decl.data?.$refText}.labels'), not '${decl.part}'`, decl, Code.DataPart);
        return fallback;
    }
    const declared = `${decl.type.base}${shape.length ? `[${shape.join(', ')}]` : ''}`;
    const hint = `declare it Int[10] (one-hot over the 10 classes) or Int (the class index)`;
    if (decl.type.base !== 'Int') {
        report(`'${decl.name}' holds class labels, which are integers, but is declared ${declared}; ${hint}`, decl.type, Code.LabelsType);
        return fallback;
    }
    if (shape.length === 0 || (shape.length === 1 && shape[0] === 1)) return { encoding: 'index' };
    if (shape.length === 1 && Number.isInteger(shape[0]) && shape[0]! >= 2) return { encoding: 'one-hot', classes: shape[0]! };
    report(`'${decl.name}' is declared ${declared}, which is not a label; ${hint}`, decl.type, Code.LabelsType);
    return fallback;
}
