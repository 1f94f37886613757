/**
 * The tensor algebra the distribution registry is written in. A family's log-density, sampler,
 * mean, entropy and closed-form KL are written once against `TensorOps<T>`; each consumer brings
 * its own `T`: the runtime's program builder (instructions any compile target runs), and
 * `VectorOps` (double-precision vectors: constant folding, reference values in tests).
 *
 * Values are per example: elementwise operations broadcast a scalar against an example's values;
 * `sumEvent` sums an example's values into one number.
 */

export interface TensorOps<T> {
    constant(value: number): T;
    /** The number a value is when it is known before training (a constant), else undefined. */
    known(x: T): number | undefined;
    add(a: T, b: T): T;
    sub(a: T, b: T): T;
    mul(a: T, b: T): T;
    div(a: T, b: T): T;
    pow(a: T, b: T): T;
    neg(x: T): T;
    exp(x: T): T;
    log(x: T): T;
    sqrt(x: T): T;
    square(x: T): T;
    abs(x: T): T;
    sigmoid(x: T): T;
    softplus(x: T): T;
    tanh(x: T): T;
    erf(x: T): T;
    round(x: T): T;
    max(a: T, b: T): T;
    min(a: T, b: T): T;
    /** 1 where a < b, else 0. */
    less(a: T, b: T): T;
    /** a where cond ≠ 0, else b. */
    where(cond: T, a: T, b: T): T;
    /** x − log Σ_k exp(x_k) over the last axis (categories). */
    logSoftmax(x: T): T;
    /** 1 at the largest value of the last axis (categories), 0 elsewhere; no gradient (Gumbel-max draws). */
    oneHotMax(x: T): T;
    /** Σ over an example's values: one number per example. */
    sumEvent(x: T): T;
    /** x in the forward pass, no gradient in the backward pass. */
    stopGradient(x: T): T;
    /** An example's values of each part, one after the other (along the feature axis). */
    concat(parts: T[]): T;
}

/** Noise of an example's shape, drawn once per call; the seeds are the consumer's business. */
export interface NoiseSource<T> {
    /** ε ~ 𝒩(0, 1). */
    normal(): T;
    /** u ~ Uniform(low, high), by default (0, 1). */
    uniform(low?: number, high?: number): T;
    /** g ~ Gamma(shape α, rate 1), α a number known before training. */
    gamma(alpha: number): T;
}

/** log σ(x) = −softplus(−x), stable for large |x|. */
export function logSigmoid<T>(o: TensorOps<T>, x: T): T {
    return o.neg(o.softplus(o.neg(x)));
}

/** log(1 + x). */
export function log1p<T>(o: TensorOps<T>, x: T): T {
    return o.log(o.add(o.constant(1), x));
}

const LANCZOS_G = 7;
const LANCZOS = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6,
    1.5056327351493116e-7,
];

/**
 * log Γ(x) for x > 0 from elementwise operations: the Lanczos approximation (g = 7, 9 terms,
 * relative error ~1e-15) at x + 1, then Γ(x) = Γ(x + 1)/x. Folds to a number when x is known.
 */
export function lgamma<T>(o: TensorOps<T>, x: T): T {
    const c = (v: number) => o.constant(v);
    // Lanczos for z = x (that is Γ(z + 1) with z = x): Γ(z + 1) = √(2π) t^(z + ½) e^(−t) A(z), t = z + g + ½.
    let series = c(LANCZOS[0]!);
    for (let i = 1; i < LANCZOS.length; i++) series = o.add(series, o.div(c(LANCZOS[i]!), o.add(x, c(i))));
    const t = o.add(x, c(LANCZOS_G + 0.5));
    const logGammaXPlus1 = o.add(o.sub(o.add(c(0.5 * Math.log(2 * Math.PI)), o.mul(o.add(x, c(0.5)), o.log(t))), t), o.log(series));
    return o.sub(logGammaXPlus1, o.log(x));
}
