/**
 * `TensorOps` on double-precision vectors: one example's values as a plain array, scalars as
 * arrays of length 1 that broadcast. Constant folding, and reference values in tests, use it.
 */
import type { NoiseSource, TensorOps } from './ops.js';

export type Vec = number[];

/** The i-th value of a vector that may be a broadcast scalar. */
const at = (v: Vec, i: number): number => v[v.length === 1 ? 0 : i]!;

/** The length vectors broadcast to. */
function broadcast(...vs: Vec[]): number {
    const n = Math.max(...vs.map(v => v.length));
    if (vs.some(v => v.length !== n && v.length !== 1)) throw new Error(`vectors of ${vs.map(v => v.length).join(', ')} values do not broadcast`);
    return n;
}

function zip(a: Vec, b: Vec, f: (x: number, y: number) => number): Vec {
    return Array.from({ length: broadcast(a, b) }, (_, i) => f(at(a, i), at(b, i)));
}

/** erfc(x) with fractional error below 1.2e-7 everywhere (Numerical Recipes, erfcc, Chebyshev fit). */
export function erfc(x: number): number {
    const z = Math.abs(x);
    const t = 1 / (1 + 0.5 * z);
    const r =
        t *
        Math.exp(
            -z * z -
                1.26551223 +
                t *
                    (1.00002368 +
                        t * (0.37409196 + t * (0.09678418 + t * (-0.18628806 + t * (0.27886807 + t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
        );
    return x >= 0 ? r : 2 - r;
}

export const softplus = (x: number): number => (x > 30 ? x : Math.log1p(Math.exp(x)));
export const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));

/** The scalar functions of the registry's algebra, for constant folding anywhere. */
export const SCALAR = {
    exp: Math.exp,
    log: Math.log,
    sqrt: Math.sqrt,
    square: (x: number) => x * x,
    abs: Math.abs,
    neg: (x: number) => -x,
    sigmoid,
    softplus,
    tanh: Math.tanh,
    erf: (x: number) => 1 - erfc(x),
    round: Math.round,
} as const;

export const vectorOps: TensorOps<Vec> = {
    constant: v => [v],
    known: x => (x.length === 1 ? x[0] : undefined),
    add: (a, b) => zip(a, b, (x, y) => x + y),
    sub: (a, b) => zip(a, b, (x, y) => x - y),
    mul: (a, b) => zip(a, b, (x, y) => x * y),
    div: (a, b) => zip(a, b, (x, y) => x / y),
    pow: (a, b) => zip(a, b, (x, y) => x ** y),
    max: (a, b) => zip(a, b, Math.max),
    min: (a, b) => zip(a, b, Math.min),
    less: (a, b) => zip(a, b, (x, y) => (x < y ? 1 : 0)),
    neg: x => x.map(SCALAR.neg),
    exp: x => x.map(SCALAR.exp),
    log: x => x.map(SCALAR.log),
    sqrt: x => x.map(SCALAR.sqrt),
    square: x => x.map(SCALAR.square),
    abs: x => x.map(SCALAR.abs),
    sigmoid: x => x.map(SCALAR.sigmoid),
    softplus: x => x.map(SCALAR.softplus),
    tanh: x => x.map(SCALAR.tanh),
    erf: x => x.map(SCALAR.erf),
    round: x => x.map(SCALAR.round),
    where: (cond, a, b) => Array.from({ length: broadcast(cond, a, b) }, (_, i) => (at(cond, i) !== 0 ? at(a, i) : at(b, i))),
    logSoftmax(x) {
        const m = Math.max(...x);
        const z = Math.log(x.reduce((s, v) => s + Math.exp(v - m), 0)) + m;
        return x.map(v => v - z);
    },
    oneHotMax(x) {
        const k = x.indexOf(Math.max(...x));
        return x.map((_, i) => (i === k ? 1 : 0));
    },
    sumEvent: x => [x.reduce((s, v) => s + v, 0)],
    stopGradient: x => x,
    concat: parts => parts.flat(),
};

/** Noise from a source of uniforms (tests give a seeded generator). */
export function vectorNoise(n: number, uniform: () => number): NoiseSource<Vec> {
    const each = (f: () => number) => Array.from({ length: n }, f);
    return {
        normal: () => each(() => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform())),
        uniform: (low = 0, high = 1) => each(() => low + (high - low) * uniform()),
        gamma: alpha => each(() => gammaDraw(alpha, uniform)),
    };
}

/** Gamma(α, 1) by Marsaglia and Tsang (2000), with the α < 1 boost. */
function gammaDraw(alpha: number, uniform: () => number): number {
    if (alpha < 1) return gammaDraw(alpha + 1, uniform) * uniform() ** (1 / alpha);
    const d = alpha - 1 / 3,
        c = 1 / Math.sqrt(9 * d);
    for (;;) {
        const x = Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
        const v = (1 + c * x) ** 3;
        if (v <= 0) continue;
        const u = uniform();
        if (Math.log(u) < 0.5 * x * x + d - d * v + d * Math.log(v)) return d * v;
    }
}
