/**
 * Sampling a Markov-chain model by running its reverse chain: ancestral sampling through all steps
 * (Ho et al. 2020, Algorithm 2) or DDIM with fewer steps (Song et al. 2021, eq. 12). Both work from the
 * model's own reverse factor: its mean μ_θ(x_t, t) and variance σ_t² are compiled as a program, and
 * the prediction of x_0 is recovered from μ_θ by inverting the derived posterior mean
 * μ̃_t = a_t x_0 + b_t x_t, whatever the parameterization (ε, x_0 or μ). Predicted x_0 can be
 * clipped to the data range. With a learned Σ_θ (Nichol & Dhariwal 2021), ancestral steps use it as the model
 * gives it, and DDIM with η > 0 uses it respaced to the stride (their §4) in place of η² β̃.
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelIR } from '@gm/language';
import type { Derivation } from '@gm/language/derivation';
import { canonical, sampleFrom } from '../compile/distributions.js';
import { CompileError, newScope, outputProgram } from '../compile/expressions.js';
import type { Program } from '../compile/program.js';
import { TfjsExecutor } from '../compile/tfjs-executor.js';
import type { Network } from '../nets/network.js';
import { deriveSeed } from '../rng/seeds.js';

export interface ChainSampleOptions {
    n: number;
    sampler: 'ancestral' | 'ddim';
    /** DDIM steps (default 50). */
    steps?: number;
    /** DDIM η: 0 is deterministic, 1 is DDPM-like. */
    eta?: number;
    /** Clip predicted x_0 to this range. */
    clip?: [number, number];
    seed: number;
    /** Frames to record for a trajectory strip (x_T … x_0), 0 for none. */
    frames?: number;
}

export interface ChainSamples {
    /** [n, ...shape] on the host. */
    samples: Float32Array;
    shape: number[];
    /** Recorded states from x_T to x_0, each [n, ...shape]. */
    trajectory: Float32Array[];
    /** The t of each recorded state (the chain's upper index first, its lower index last). */
    trajectoryTimesteps: number[];
}

/** The reverse factor's mean and variance as a program of the inputs `x[t]` and `t`. */
export function compileReverseStep(model: ModelIR, derivation: Derivation): { program: Program; chain: string } {
    const derived = derivation.chains[0];
    if (!derived) throw new CompileError(`model ${model.name} has no chain`);
    const chain = model.chains.find(c => c.name === derived.chain)!;
    const reverse = model.factors.find(f => f.id === derived.reverse.id);
    if (!reverse || reverse.distribution.family !== 'Normal') throw new CompileError(`the reverse factor of chain ${chain.name} must be a Normal`);
    const scope = newScope(model);
    const stateKey = `${chain.name}[${chain.index}]`;
    scope.variables.set(stateKey, scope.builder.emit({ op: 'data', variable: stateKey }));
    scope.shapes.set(stateKey, chain.shape);
    scope.indices.set(chain.index, { value: scope.builder.emit({ op: 'data', variable: chain.index }) });
    const { mean, variance } = canonical(reverse.distribution, scope);
    const inputs = [
        { variable: stateKey, shape: chain.shape },
        { variable: chain.index, shape: [] },
    ];
    const program = outputProgram(
        scope,
        inputs,
        { mean: mean!, variance: variance! },
        chain.shape.reduce((a, b) => a * b, 1),
    );
    return { program, chain: chain.name };
}

/** A draw of x_T from the declared prior p(x_T) (whatever its family and parameters), as a program with no inputs. */
export function compilePriorDraw(model: ModelIR, derivation: Derivation): Program {
    const derived = derivation.chains[0];
    if (!derived) throw new CompileError(`model ${model.name} has no chain`);
    const chain = model.chains.find(c => c.name === derived.chain)!;
    const prior = model.factors.find(f => f.id === derived.prior.id);
    if (!prior) throw new CompileError(`the prior of chain ${chain.name} is not declared`);
    const scope = newScope(model);
    const x = sampleFrom(prior.distribution, chain.shape, 'sample/prior', scope);
    return outputProgram(
        scope,
        [],
        { x },
        chain.shape.reduce((a, b) => a * b, 1),
    );
}

/** The timesteps visited: all of upper..lower+1, or `steps` of them evenly spaced for DDIM. */
export function samplingTimesteps(lower: number, upper: number, sampler: 'ancestral' | 'ddim', steps = 50): number[] {
    const count = upper - lower;
    if (sampler === 'ancestral' || steps >= count) return Array.from({ length: count }, (_, i) => upper - i);
    const ts = new Set<number>();
    for (let i = 0; i < steps; i++) ts.add(lower + 1 + Math.round((i * (count - 1)) / Math.max(1, steps - 1)));
    return [...ts].sort((a, b) => b - a);
}

/** Runs the reverse chain. Reads back to the host with `await data()` only (WebGPU under Node has no dataSync). */
export async function sampleChain(model: ModelIR, derivation: Derivation, networks: Map<string, Network>, o: ChainSampleOptions): Promise<ChainSamples> {
    const { program } = compileReverseStep(model, derivation);
    const derived = derivation.chains[0];
    const chain = model.chains.find(c => c.name === derived.chain)!;
    const c = derived.coefficients;
    const off = chain.lower;
    const at = (table: number[], t: number) => table[t - off];
    const executor = new TfjsExecutor(program, networks, o.seed);
    const stateKey = `${chain.name}[${chain.index}]`;
    const shape = [o.n, ...chain.shape];
    const timesteps = samplingTimesteps(chain.lower, chain.upper, o.sampler, o.steps);
    const eta = o.eta ?? 0;
    const frameEvery = o.frames ? Math.max(1, Math.floor(timesteps.length / Math.max(1, o.frames - 1))) : 0;
    const trajectory: Float32Array[] = [];
    const trajectoryTimesteps: number[] = [];
    // x_T from the declared prior p(x_T), seeded as step T + 1 of the sampler.
    const priorDraw = new TfjsExecutor(compilePriorDraw(model, derivation), networks, o.seed);
    let x: tf.Tensor = tf.tidy(() => tf.reshape(priorDraw.outputs({}, chain.upper + 1, { batch: o.n }).x, shape));
    priorDraw.dispose();
    const record = async (t: number) => {
        trajectory.push(Float32Array.from((await x.data()) as Float32Array));
        trajectoryTimesteps.push(t);
    };
    if (frameEvery) await record(chain.upper);
    try {
        for (let k = 0; k < timesteps.length; k++) {
            const t = timesteps[k];
            const prev = k + 1 < timesteps.length ? timesteps[k + 1] : chain.lower;
            const next = tf.tidy(() => {
                const out = executor.outputs({ [stateKey]: x, [chain.index]: tf.fill([o.n], t) }, t);
                const a = at(c.posteriorMeanX0, t);
                const b = at(c.posteriorMeanXt, t);
                // x̂_0 from μ_θ = a x̂_0 + b x_t
                let x0 = tf.div(tf.sub(out.mean, tf.mul(b, x)), a);
                if (o.clip) x0 = tf.clipByValue(x0, o.clip[0], o.clip[1]);
                const z = tf.randomNormal(shape, 0, 1, 'float32', deriveSeed(o.seed, t, 'sample/z'));
                if (o.sampler === 'ancestral') {
                    // x_{t−1} = μ_θ(x_t, t) + σ_t z, no noise at the last step (Ho et al., Algorithm 2).
                    const mean = o.clip ? tf.add(tf.mul(a, x0), tf.mul(b, x)) : out.mean;
                    // σ_t² is per example ([n]) or one number: make it broadcast over an example's axes.
                    const variance = out.variance.rank === 1 ? tf.reshape(out.variance, [o.n, ...chain.shape.map(() => 1)]) : out.variance;
                    return prev === chain.lower ? mean : tf.add(mean, tf.mul(tf.sqrt(variance), z));
                }
                // DDIM: x_prev = m_prev x̂_0 + √(s_prev − σ²) ε̂ + σ z, ε̂ = (x_t − m_t x̂_0)/√s_t (Song et al. eq. 12),
                // σ² = η² (s_prev/s_t)(s_t − (m_t/m_prev)² s_prev).
                const mt = at(c.marginalMean, t);
                const st = at(c.marginalVar, t);
                const mp = at(c.marginalMean, prev);
                const sp = at(c.marginalVar, prev);
                const epsHat = tf.div(tf.sub(x, tf.mul(mt, x0)), Math.sqrt(st));
                const lv = learnedLogVariance(derived, t);
                if (lv && eta > 0 && sp > 0) {
                    // A learned Σ_θ (Nichol & Dhariwal eq. 15): its v at t, read back from the model's σ_t², interpolates
                    // the same way between the strided β_S = 1 − ᾱ_t/ᾱ_prev and β̃_S = (1 − ᾱ_prev)/(1 − ᾱ_t) β_S (their §4); σ² = η² Σ_S.
                    const variance = out.variance.rank === 1 ? tf.reshape(out.variance, [o.n, ...chain.shape.map(() => 1)]) : out.variance;
                    const v = tf.div(tf.add(tf.div(tf.sub(tf.log(variance), lv.c), lv.d), 1), 2);
                    const { beta, betaTilde } = stridedVariances(mt, st, mp, sp);
                    const sigma2 = tf.mul(eta * eta, tf.exp(tf.add(tf.mul(v, Math.log(beta)), tf.mul(tf.sub(1, v), Math.log(betaTilde)))));
                    const keep = tf.sqrt(tf.maximum(tf.sub(sp, sigma2), 0));
                    return tf.add(tf.add(tf.mul(mp, x0), tf.mul(keep, epsHat)), tf.mul(tf.sqrt(sigma2), z));
                }
                const sigma2 = eta * eta * (sp / st) * Math.max(0, st - (mt / mp) ** 2 * sp);
                let xPrev = tf.add(tf.mul(mp, x0), tf.mul(Math.sqrt(Math.max(0, sp - sigma2)), epsHat));
                if (sigma2 > 0) xPrev = tf.add(xPrev, tf.mul(Math.sqrt(sigma2), z));
                return xPrev;
            });
            x.dispose();
            x = next;
            if (frameEvery && ((k + 1) % frameEvery === 0 || k + 1 === timesteps.length) && trajectory.length < (o.frames ?? 0)) await record(prev);
        }
        return { samples: Float32Array.from((await x.data()) as Float32Array), shape, trajectory, trajectoryTimesteps };
    } finally {
        x.dispose();
        executor.dispose();
    }
}

/**
 * The forward and posterior variances of the strided chain from t to prev (Nichol & Dhariwal 2021, §4):
 * β_S = 1 − ᾱ_t/ᾱ_prev and β̃_S = (1 − ᾱ_prev)/(1 − ᾱ_t) β_S, written with m = √ᾱ and s = 1 − ᾱ.
 */
export function stridedVariances(mt: number, st: number, mp: number, sp: number): { beta: number; betaTilde: number } {
    const beta = 1 - (mt / mp) ** 2;
    return { beta, betaTilde: (sp / st) * beta };
}

/** log σ_t² = c + d · out of a learned Σ_θ in Nichol & Dhariwal's form (eq. 15), when the derivation read it so. */
function learnedLogVariance(derived: Derivation['chains'][number], t: number): { c: number; d: number } | undefined {
    const k = derived.coefficients;
    if (derived.varianceForm?.form !== 'interpolation' || !k.reverseLogVarConst || !k.reverseLogVarNet) return undefined;
    const i = t - derived.lower;
    const d = k.reverseLogVarNet[i]!;
    return d !== 0 ? { c: k.reverseLogVarConst[i]!, d } : undefined;
}
