/**
 * The builtin functions an expression may call, declared once: the library's declarations,
 * lowering, constant evaluation, the renderers and every compile target read this table.
 */
import type { TensorOps } from '../distributions/ops.js';

export interface FunctionSpec {
    params: string[];
    doc: string;
    /** How LaTeX writes the name: \exp, \mathrm{sigmoid}. */
    latex: string;
    /** Elementwise: computed per example by a compile target, and folded where the arguments are known. */
    apply?<T>(o: TensorOps<T>, args: T[]): T;
    /** A product or sum over an index range of a sequence (`prod(alpha[1..t])`): known before training only. */
    reduce?: 'prod' | 'sum';
    /** Not elementwise: the arguments' values one after the other, so sizes add up (never folded to one number). */
    joins?: true;
}

const unary = (doc: string, latex: string, f: <T>(o: TensorOps<T>, x: T) => T): FunctionSpec => ({
    params: ['x'],
    doc,
    latex,
    apply: (o, [x]) => f(o, x!),
});

export const FUNCTIONS = {
    sqrt: unary('Square root.', '\\mathrm{sqrt}', (o, x) => o.sqrt(x)),
    exp: unary('Exponential.', '\\exp', (o, x) => o.exp(x)),
    log: unary('Natural logarithm.', '\\log', (o, x) => o.log(x)),
    sigmoid: unary('Logistic sigmoid, 1 / (1 + exp(-x)).', '\\mathrm{sigmoid}', (o, x) => o.sigmoid(x)),
    softplus: unary('Softplus, log(1 + exp(x)): a smooth map to positive numbers.', '\\mathrm{softplus}', (o, x) => o.softplus(x)),
    tanh: unary('Hyperbolic tangent.', '\\tanh', (o, x) => o.tanh(x)),
    prod: { params: ['x'], doc: 'Product over an index range: prod(alpha[1..t]).', latex: '\\mathrm{prod}', reduce: 'prod' },
    sum: { params: ['x'], doc: 'Sum over an index range: sum(beta[1..t]).', latex: '\\mathrm{sum}', reduce: 'sum' },
    min: { params: ['a', 'b'], doc: 'Smaller of two values.', latex: '\\min', apply: (o, [a, b]) => o.min(a!, b!) },
    max: { params: ['a', 'b'], doc: 'Larger of two values.', latex: '\\max', apply: (o, [a, b]) => o.max(a!, b!) },
    concat: {
        params: ['a', 'b'],
        doc: 'The values of a, then those of b, along the feature axis: concat(z, y). A network called with several inputs, decoder(z, y), concatenates them so.',
        latex: '\\mathrm{concat}',
        joins: true,
        apply: (o, [a, b]) => o.concat([a!, b!]),
    },
} satisfies Record<string, FunctionSpec>;

export type FunctionName = keyof typeof FUNCTIONS;

export function isFunctionName(name: string): name is FunctionName {
    return Object.hasOwn(FUNCTIONS, name);
}

export function functionSpec(name: FunctionName): FunctionSpec {
    return FUNCTIONS[name];
}

/** The library declarations (`builtin function sqrt(x)`), with their docs. */
export function functionDeclarations(): string {
    return Object.entries(FUNCTIONS)
        .map(([name, f]) => `/** ${f.doc} */\nbuiltin function ${name}(${f.params.join(', ')})`)
        .join('\n');
}
