/**
 * What gm knows about a distribution family, declared once: its parameters and which of them are
 * alternatives, its support, its log-density, sampler, mean, entropy and closed-form KL divergences
 * (written against `TensorOps`, so every consumer computes the same formulas), whether it is
 * reparameterized, and how the derivation and the hover write it.
 */
import type { DistributionIR, IRExpr } from '../ir/types.js';
import type { NoiseSource, TensorOps } from './ops.js';

export type Notation = 'text' | 'latex';

/** Renders a parameter's expression; `networkSub` is θ (p) or φ (q). Passed in: the registry does not import the renderers. */
export type ExprRenderer = (e: IRExpr, n: Notation, networkSub: string) => string;

export interface ParameterSpec {
    name: string;
    /** Can be given without a name, in the order of `parameters`. */
    positional?: boolean;
    /** The values it may take: checked where they are known before training. */
    domain: 'real' | 'positive' | 'probability' | 'count';
    /** Used when the parameter (or its whole group of alternatives) is not given. */
    default?: number;
    /** Filled in from the dataset of the observed variable the factor is over (its value range). */
    fromData?: 'low' | 'high';
    doc: string;
}

const DOMAINS: ReadonlyArray<ParameterSpec['domain']> = ['real', 'positive', 'probability', 'count'];

/**
 * Parameters written as a table, one per line: `name [positional] domain [default=N] [data=low|high] doc`.
 * A family's parameters read as a table in its file, and are parsed once when the module loads.
 */
export function parameterTable(strings: TemplateStringsArray): ParameterSpec[] {
    return strings.raw
        .join('')
        .trim()
        .split('\n')
        .map(line => {
            const words = line.trim().split(/\s+/);
            const spec: Partial<ParameterSpec> & { name: string } = { name: words.shift()! };
            if (words[0] === 'positional') spec.positional = (words.shift(), true);
            const domain = words.shift() as ParameterSpec['domain'];
            if (!DOMAINS.includes(domain)) throw new Error(`parameter ${spec.name}: unknown domain '${domain}'`);
            spec.domain = domain;
            for (let w = words[0]; w && /^(default|data)=/.test(w); w = words[0]) {
                const [key, value] = words.shift()!.split('=') as [string, string];
                if (key === 'default') spec.default = Number(value);
                else spec.fromData = value as 'low' | 'high';
            }
            return { ...spec, doc: words.join(' ') } as ParameterSpec;
        });
}

/** Parameters of which exactly one is given: a Normal's std | var | logvar. */
export interface Alternatives {
    names: string[];
    /** Absent: one of them must be given. */
    default?: { name: string; value: number };
}

/** A parameter's value inside a family's formulas: compiled on first use. */
export interface Params<T> {
    has(name: string): boolean;
    get(name: string): T;
}

/** The values of a family's canonical parameters (a Normal's mean, variance and log-variance). */
export type Canonical<T> = Record<string, T>;

export interface KlSpec {
    /** A stable id (the derivation's JSON names it): `normal-normal`. */
    formula: string;
    /** The family of p. */
    p: string;
    /** Whether the formula applies to this p (a standard Normal): the first that applies is taken. */
    applies?: (p: DistributionIR, known: (e: IRExpr) => number | undefined) => boolean;
    /** KL(q ‖ p) per value of the variable (summed over an example by the caller). */
    compute<T>(o: TensorOps<T>, q: Canonical<T>, p: Canonical<T>): T;
    /** The closed form in words and symbols, for the derivation's detail lines. */
    detail(q: DistributionIR, p: DistributionIR, conditioned: string, r: ExprRenderer): { text: string; latex: string }[];
}

/** How a log-likelihood specializes (the derivation's JSON names it; renderers use it). */
export type LikelihoodForm =
    | { kind: 'bernoulli-cross-entropy' }
    /** Normal with a variance that is not learned: −scale · ‖x − μ‖² + constant (nats per example). */
    | { kind: 'normal-squared-error'; scale: number; constant: number }
    | { kind: 'normal' }
    | { kind: 'categorical' }
    | { kind: 'laplace' }
    | { kind: 'student-t' }
    | { kind: 'discretized-logistic' };

/** Values of the variable: `grid` is a discretized interval (8-bit pixels). */
export type Support = 'real' | 'binary' | 'categorical' | 'grid';

export interface DistributionSpec {
    name: string;
    /** The library's documentation of the family. */
    doc: string;
    parameters: ParameterSpec[];
    alternatives: Alternatives[];
    support: Support;
    /** Categories on the last axis: parameters have the variable's size times the categories. */
    categoriesOnLastAxis?: boolean;
    /** Whether a sample is a differentiable function of the parameters and parameter-free noise. */
    reparameterized(params: Record<string, IRExpr>): boolean;
    /** Why `reparameterized` can be false for a continuous family, for the diagnostic. */
    whyNotReparameterized?: string;
    /** The reparameterization in words, for the derivation (`z = μ + σ ⊙ ε, ε ~ 𝒩(0, I)`). */
    reparameterization(variable: string): string;
    canonical<T>(o: TensorOps<T>, p: Params<T>): Canonical<T>;
    /** log p(x) per value of the variable. */
    logDensity<T>(o: TensorOps<T>, c: Canonical<T>, x: T): T;
    /** A draw; differentiable in the parameters when `reparameterized`. */
    sample<T>(o: TensorOps<T>, c: Canonical<T>, noise: NoiseSource<T>): T;
    /**
     * A relaxed draw at temperature τ > 0 (the Concrete / Gumbel-softmax distribution, Maddison et al. 2017,
     * Jang et al. 2017): continuous in [0, 1], differentiable in the parameters, one-hot as τ → 0.
     */
    relaxedSample?<T>(o: TensorOps<T>, c: Canonical<T>, noise: NoiseSource<T>, temperature: number): T;
    /** Every value one example of a variable of this `shape` can take, each flattened (exact enumeration). */
    values?(shape: number[]): number[][];
    /** What a sample grid shows for an observed variable (the Bernoulli's probabilities). */
    mean<T>(o: TensorOps<T>, c: Canonical<T>): T;
    /** Entropy per value of the variable, where it has a closed form. */
    entropy?<T>(o: TensorOps<T>, c: Canonical<T>): T;
    kl: KlSpec[];
    likelihoodForm(d: DistributionIR, dimensions: number, known: (e: IRExpr) => number | undefined): LikelihoodForm;
    /** The distribution in the papers' notation; `r` renders a parameter's expression. */
    render(d: DistributionIR, n: Notation, r: (e: IRExpr) => string): string;
}
