/**
 * The distribution registry: every family gm knows, declared once. The library, lowering,
 * validation, the derivation, the renderers, the samplers and every compile target read it;
 * adding a family is a new file here, the tensor operations it needs, and its tests.
 */
import { bernoulli } from './bernoulli.js';
import { categorical } from './categorical.js';
import { discretizedLogistic } from './discretized-logistic.js';
import type { DistributionSpec, KlSpec, ParameterSpec } from './family.js';
import { laplace } from './laplace.js';
import { normal } from './normal.js';
import { studentT } from './student-t.js';
import type { DistributionIR, IRExpr } from '../ir/types.js';

export const FAMILIES: readonly DistributionSpec[] = [normal, bernoulli, categorical, laplace, studentT, discretizedLogistic];

const BY_NAME = new Map(FAMILIES.map(f => [f.name, f]));

/** The family of a name, or undefined for a name that is not a distribution. */
export function findFamily(name: string): DistributionSpec | undefined {
    return BY_NAME.get(name);
}

/** The family of a lowered distribution (lowering only produces registered names). */
export function familyOf(d: Pick<DistributionIR, 'family'>): DistributionSpec {
    const f = BY_NAME.get(d.family);
    if (!f) throw new Error(`unknown distribution family ${d.family}`);
    return f;
}

/** The names, for messages: "Normal, Bernoulli, … or DiscretizedLogistic". */
export function familyNames(): string {
    const names = FAMILIES.map(f => f.name);
    return `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`;
}

export function positionalParameters(f: DistributionSpec): string[] {
    return f.parameters.filter(p => p.positional).map(p => p.name);
}

export function parameterSpec(f: DistributionSpec, name: string): ParameterSpec | undefined {
    return f.parameters.find(p => p.name === name);
}

/** The closed-form KL(q ‖ p), if the registry has one for this pair. */
export function closedFormKl(q: DistributionIR, p: DistributionIR, known: (e: IRExpr) => number | undefined): KlSpec | undefined {
    return familyOf(q).kl.find(k => k.p === p.family && (!k.applies || k.applies(p, known)));
}

/** Whether draws from `d` are reparameterized (z = g(ε, params)). */
export function isReparameterized(d: DistributionIR): boolean {
    return familyOf(d).reparameterized(d.params);
}

/** Discrete support: binary, categorical or a grid of levels. */
export function isDiscrete(d: Pick<DistributionIR, 'family'>): boolean {
    return familyOf(d).support !== 'real';
}

/** The library declarations of the families (`builtin distribution Normal(mean, std?, …)`), with their docs. */
export function libraryDeclarations(): string {
    return FAMILIES.map(f => {
        const required = new Set(f.alternatives.filter(a => !a.default && a.names.length === 1).flatMap(a => a.names));
        const params = f.parameters.map(p => p.name + (required.has(p.name) && !p.fromData ? '' : '?')).join(', ');
        return `/** ${f.doc} */\nbuiltin distribution ${f.name}(${params})`;
    }).join('\n');
}
