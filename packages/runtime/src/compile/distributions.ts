/**
 * Distributions as program instructions: the registry's formulas (log-density, closed-form KL,
 * sampler, mean), written once in `@gm/language`, emitted through the program builder. Nothing here
 * knows a family by name.
 */
import { familyOf, type Canonical, type DistributionIR, type NoiseSource, type TensorOps } from '@gm/language';
import type { KlFormula } from '@gm/language/derivation';
import type { ProgramBuilder } from './builder.js';
import { CompileError, compileExpr, type Scope } from './expressions.js';

/** The registry's algebra on program values: each operation emits (or folds) an instruction. */
export function programOps(b: ProgramBuilder): TensorOps<number> {
    return {
        constant: v => b.constant(v),
        known: x => b.constantOf(x),
        add: (x, y) => b.add(x, y),
        sub: (x, y) => b.sub(x, y),
        mul: (x, y) => b.mul(x, y),
        div: (x, y) => b.div(x, y),
        pow: (x, y) => b.binary('pow', x, y),
        max: (x, y) => b.binary('max', x, y),
        min: (x, y) => b.binary('min', x, y),
        less: (x, y) => b.binary('less', x, y),
        neg: x => b.unary('neg', x),
        exp: x => b.unary('exp', x),
        log: x => b.unary('log', x),
        sqrt: x => b.unary('sqrt', x),
        square: x => b.unary('square', x),
        abs: x => b.unary('abs', x),
        sigmoid: x => b.unary('sigmoid', x),
        softplus: x => b.unary('softplus', x),
        tanh: x => b.unary('tanh', x),
        erf: x => b.unary('erf', x),
        round: x => b.unary('round', x),
        where: (cond, x, y) => b.select(cond, x, y),
        logSoftmax: x => b.emit({ op: 'log-softmax', x }),
        oneHotMax: x => b.emit({ op: 'one-hot-max', x }),
        sumEvent: x => b.sum(x),
        stopGradient: x => b.stopGradient(x),
        concat: parts => b.emit({ op: 'concat', parts }),
    };
}

/** A distribution's canonical parameters, each parameter compiled when the family first reads it. */
export function canonical(d: DistributionIR, scope: Scope): Canonical<number> {
    return familyOf(d).canonical(programOps(scope.builder), {
        has: name => d.params[name] !== undefined,
        get: name => {
            const e = d.params[name];
            if (!e) throw new CompileError(`${d.family} needs its parameter ${name}`);
            return compileExpr(e, scope);
        },
    });
}

/** log density of `d` at `x`, summed over the variable's dimensions: [B]. `c` overrides the parameters. */
export function logDensity(d: DistributionIR, x: number, scope: Scope, c: Canonical<number> = canonical(d, scope)): number {
    return scope.builder.sum(familyOf(d).logDensity(programOps(scope.builder), c, x));
}

/** KL(q ‖ p) by the registry's closed form `formula`, summed over the variable's dimensions: [B]. */
export function klDivergence(q: DistributionIR, p: DistributionIR, formula: KlFormula, scope: Scope): number {
    const spec = familyOf(q).kl.find(k => k.formula === formula);
    if (!spec) throw new CompileError(`no closed-form KL ${formula} for ${q.family}`);
    return scope.builder.sum(spec.compute(programOps(scope.builder), canonical(q, scope), canonical(p, scope)));
}

/** Noise of one example's `shape` under the seed stream `stream` (a gamma draw gets a stream of its own). */
function noise(scope: Scope, shape: number[], stream: string): NoiseSource<number> {
    const b = scope.builder;
    return {
        normal: () => b.emit({ op: 'normal-noise', shape, stream }),
        uniform: (low = 0, high = 1) => b.emit({ op: 'uniform-noise', shape, stream, low, high }),
        gamma: alpha => b.emit({ op: 'gamma-noise', shape, stream: `${stream}/gamma`, alpha }),
    };
}

/** A draw of `d` with the per-example `shape`, reparameterized where the family is (z = μ + σ ⊙ ε). */
export function sampleFrom(d: DistributionIR, shape: number[], stream: string, scope: Scope): number {
    return familyOf(d).sample(programOps(scope.builder), canonical(d, scope), noise(scope, shape, stream));
}

/** A relaxed (Gumbel-softmax / Concrete) draw of the discrete `d` at temperature τ: differentiable in its parameters. */
export function relaxedSampleFrom(d: DistributionIR, shape: number[], stream: string, temperature: number, scope: Scope): number {
    const f = familyOf(d);
    if (!f.relaxedSample) throw new CompileError(`${d.family} has no relaxed (Concrete) draw`);
    return f.relaxedSample(programOps(scope.builder), canonical(d, scope), noise(scope, shape, stream), temperature);
}

/** What a sample grid shows of `d`: μ, or the Bernoulli's probabilities. */
export function distributionMean(d: DistributionIR, scope: Scope): number {
    return familyOf(d).mean(programOps(scope.builder), canonical(d, scope));
}
