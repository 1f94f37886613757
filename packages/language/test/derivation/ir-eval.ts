/**
 * A small, separate, plain-JS evaluator of IR expressions on vectors, for the numerical tests:
 * random variables are Float64 vectors, scalars broadcast, networks are random linear maps
 * (random parameter values). Distributions and functions are the registry's, evaluated in double
 * precision (their formulas are tested on their own in distributions.test.ts); nothing here shares
 * code with the derivation's rules, so the tests compare two independent computations of a bound.
 */
import { familyOf } from '../../src/distributions/registry.js';
import type { Canonical } from '../../src/distributions/family.js';
import { vectorNoise, vectorOps } from '../../src/distributions/vector-ops.js';
import { functionSpec } from '../../src/ir/functions.js';
import type { DistributionIR, IRExpr, ModelIR } from '../../src/ir/types.js';

export type Vec = number[];

/** A seeded generator (mulberry32) with standard normals by Box–Muller. */
export class Rng {
    private state: number;
    constructor(seed: number) {
        this.state = seed >>> 0;
    }
    uniform(): number {
        this.state = (this.state + 0x6d2b79f5) >>> 0;
        let t = this.state;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return (((t ^ (t >>> 14)) >>> 0) + 0.5) / 4294967296;
    }
    normal(): number {
        return Math.sqrt(-2 * Math.log(this.uniform())) * Math.cos(2 * Math.PI * this.uniform());
    }
    normals(n: number): Vec {
        return Array.from({ length: n }, () => this.normal());
    }
}

/** A random linear map from the concatenated inputs to `out` outputs (a stand-in for any network). */
export function randomLinear(rng: Rng, out: number, scale = 0.5): (inputs: Vec[]) => Vec {
    let W: number[][] | undefined;
    let b: Vec | undefined;
    return inputs => {
        const x = inputs.flat();
        if (!W) {
            W = Array.from({ length: out }, () => rng.normals(x.length).map(v => (v * scale) / Math.sqrt(x.length)));
            b = rng.normals(out).map(v => v * 0.1);
        }
        return W.map((row, i) => row.reduce((s, w, j) => s + w * x[j]!, b![i]!));
    };
}

export interface EvalContext {
    model: ModelIR;
    /** Variables by name; chain elements by `x[3]`. */
    values: Map<string, Vec>;
    indices: Record<string, number>;
    networks: Map<string, (inputs: Vec[]) => Vec>;
}

function seq(model: ModelIR, name: string, index: number | undefined): number {
    const s = model.sequences.find(q => q.name === name);
    if (!s) throw new Error(`no sequence ${name}`);
    if (index === undefined) return s.value!;
    const v = s.values![index - s.lower!];
    if (v === undefined) throw new Error(`${name}[${index}] undefined`);
    return v;
}

const map2 = (a: Vec, b: Vec, f: (x: number, y: number) => number): Vec => {
    const n = Math.max(a.length, b.length);
    if (a.length !== b.length && a.length !== 1 && b.length !== 1) throw new Error(`shape mismatch ${a.length} vs ${b.length}`);
    return Array.from({ length: n }, (_, i) => f(a[a.length === 1 ? 0 : i]!, b[b.length === 1 ? 0 : i]!));
};

/** Evaluates an expression to a vector (length 1 for scalars). */
export function ev(e: IRExpr, ctx: EvalContext): Vec {
    const scalar = (x: IRExpr) => {
        const v = ev(x, ctx);
        if (v.length !== 1) throw new Error('expected a scalar');
        return v[0]!;
    };
    switch (e.kind) {
        case 'number':
            return [e.value];
        case 'constant':
            return [e.value];
        case 'index':
            return [ctx.indices[e.name]!];
        case 'sequence':
            return [seq(ctx.model, e.name, e.index ? scalar(e.index) : undefined)];
        case 'variable': {
            const key = e.index ? `${e.name}[${scalar(e.index)}]` : e.name;
            const v = ctx.values.get(key);
            if (!v) throw new Error(`no value for ${key}`);
            return v;
        }
        case 'network': {
            const f = ctx.networks.get(e.name);
            if (!f) throw new Error(`no network ${e.name}`);
            return f(e.args.map(a => ev(a, ctx)));
        }
        case 'neg':
            return ev(e.operand, ctx).map(v => -v);
        case 'binary': {
            const a = ev(e.left, ctx),
                b = ev(e.right, ctx);
            switch (e.op) {
                case '+':
                    return map2(a, b, (x, y) => x + y);
                case '-':
                    return map2(a, b, (x, y) => x - y);
                case '*':
                    return map2(a, b, (x, y) => x * y);
                case '/':
                    return map2(a, b, (x, y) => x / y);
                case '^':
                    return map2(a, b, (x, y) => x ** y);
            }
            throw new Error('operator');
        }
        case 'call': {
            if (e.fn === 'prod' || e.fn === 'sum') {
                const r = e.args[0]!;
                if (r.kind !== 'range') throw new Error('range expected');
                let acc = e.fn === 'prod' ? 1 : 0;
                for (let i = scalar(r.lower); i <= scalar(r.upper); i++) acc = e.fn === 'prod' ? acc * seq(ctx.model, r.base, i) : acc + seq(ctx.model, r.base, i);
                return [acc];
            }
            return functionSpec(e.fn).apply!(
                vectorOps,
                e.args.map(a => ev(a, ctx)),
            );
        }
        case 'slice':
            return ev(e.base, ctx).slice(e.lower, e.upper);
        default:
            throw new Error(`cannot evaluate ${e.kind}`);
    }
}

/** A distribution's canonical parameters (the registry's), its parameter expressions evaluated here. */
export function canonicalOf(d: DistributionIR, ctx: EvalContext): Canonical<Vec> {
    return familyOf(d).canonical(vectorOps, { has: name => d.params[name] !== undefined, get: name => ev(d.params[name]!, ctx) });
}

/** Mean and variance vectors of a Normal, from whichever of std | var | logvar is given. */
export function normalParams(d: DistributionIR, ctx: EvalContext, n: number): { mean: Vec; variance: Vec } {
    const c = canonicalOf(d, ctx);
    const grow = (v: Vec) => (v.length === 1 ? Array(n).fill(v[0]) : v);
    return { mean: grow(c['mean']!), variance: grow(c['variance']!) };
}

/** log density (or mass) of `x` under `d`, summed over dimensions. */
export function logDensity(d: DistributionIR, x: Vec, ctx: EvalContext): number {
    return familyOf(d)
        .logDensity(vectorOps, canonicalOf(d, ctx), x)
        .reduce((s, v) => s + v, 0);
}

/** A draw from `d` with `n` dimensions. */
export function draw(d: DistributionIR, ctx: EvalContext, n: number, rng: Rng): Vec {
    const v = familyOf(d).sample(
        vectorOps,
        canonicalOf(d, ctx),
        vectorNoise(n, () => rng.uniform()),
    );
    return v.length === 1 ? Array(n).fill(v[0]) : v;
}

/** Random linear networks with the declared output sizes (a UNet maps its input shape to itself). */
export function randomNetworks(model: ModelIR, rng: Rng, dims: (name: string) => number): Map<string, (inputs: Vec[]) => Vec> {
    const nets = new Map<string, (inputs: Vec[]) => Vec>();
    for (const n of model.networks) nets.set(n.name, randomLinear(rng, n.architecture === 'MLP' ? n.outputSize : dims(n.name)));
    return nets;
}

export const size = (shape: number[]) => shape.reduce((a, b) => a * b, 1);

/** Mean and standard error of a sample. */
export function meanSe(xs: number[]): { mean: number; se: number } {
    const mean = xs.reduce((a, b) => a + b, 0) / xs.length;
    const variance = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1);
    return { mean, se: Math.sqrt(variance / xs.length) };
}
