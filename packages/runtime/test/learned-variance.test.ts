/**
 * The learned reverse variance of Nichol & Dhariwal (2021), compiled from the derivation: one MLP outputs ε
 * and v, Σ_θ = exp(v log β_t + (1 − v) log β̃_t) with v = (out + 1)/2 (eq. 15), trained on
 * L_hybrid = L_simple + λ L_vlb (eq. 16). The program's L_vlb does not reach the mean (§3.1), Σ_θ stays in
 * [β̃_t, β_t] for v in [0, 1], and the compiled KL with the learned variance equals its Monte Carlo estimate.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadModel, type ModelIR } from '@gm/language';
import { deriveFromLowering, type Derivation } from '@gm/language/derivation';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../src/backend/index.js';
import { compileBound, TfjsExecutor } from '../src/compile/index.js';
import { buildNetwork, type Network } from '../src/nets/index.js';
import { compileReverseStep, sampleChain } from '../src/sample/index.js';

const dir = mkdtempSync(path.join(tmpdir(), 'gm-learned-variance-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const D = 784;

/** A ten-step chain whose MLP outputs [ε | v] as in examples/ddpm-mlp-learned.gm, or whose U-Net outputs them as channels as in ddpm-cosine.gm. */
function learnedModel(objective: string, net: 'MLP' | 'UNet' = 'MLP'): string {
    const shape = net === 'MLP' ? '784' : '1, 28, 28';
    const [eps, v] = net === 'MLP' ? ['[0:784]', '[784:1568]'] : ['[0:1]', '[1:2]'];
    const declaration = net === 'MLP' ? 'MLP(784 -> 32 -> 1568, time_embedding: 16)' : 'UNet(in: 1, out: 2, channels: 8, mults: [1, 2], time_embedding: 16)';
    return `model TinyLearned {
  const T = 10
  schedule beta[t in 1..T] = linear(1e-3, 0.2)
  let alpha[t] = 1 - beta[t]
  let alphabar[t] = prod(alpha[1..t])
  let betatilde[t] = (1 - alphabar[t - 1]) / (1 - alphabar[t]) * beta[t]
  let logbetatilde[t] = log(max(betatilde[t], betatilde[2]))
  data mnist = images("mnist", split: train, range: [-1, 1])
  observed x0 : Real[${shape}] from mnist
  chain x[t in 0..T] starts x0
  net eps = ${declaration}
  q(x[t] | x[t-1]) = Normal(sqrt(1 - beta[t]) * x[t-1], var: beta[t])
  p(x[T]) = Normal(0, 1)
  p(x[t-1] | x[t]) = Normal((x[t] - beta[t] / sqrt(1 - alphabar[t]) * eps(x[t], t)${eps}) / sqrt(alpha[t]),
                            logvar: (eps(x[t], t)${v} + 1) / 2 * log(beta[t]) + (1 - eps(x[t], t)${v}) / 2 * logbetatilde[t])
  train { objective: ${objective}, batch: 4, seed: 2 }
}`;
}

async function load(objective: string, net: 'MLP' | 'UNet' = 'MLP', edit: (text: string) => string = t => t): Promise<{ model: ModelIR; derivation: Derivation }> {
    const file = path.join(dir, `${objective}-${Math.random().toString(36).slice(2)}.gm`);
    writeFileSync(file, edit(learnedModel(objective, net)));
    const { result } = await loadModel(file);
    const derived = deriveFromLowering(result);
    if (!derived.ok) throw new Error(derived.failure.reasons.map(r => r.message).join('; '));
    return { model: result.model, derivation: derived.derivation };
}

/** A stand-in for the MLP: ε = 0.3 x_t + 0.1 and a constant v-output; it records the x_t it is called with. */
function fixedOutput(vOut: number, seen: number[][] = []): Network {
    return {
        name: 'eps',
        architecture: 'MLP',
        timeConditioned: true,
        apply: x => {
            seen.push(...(x.arraySync() as number[][]));
            return tf.concat([tf.add(tf.mul(x, 0.3), 0.1), tf.fill([x.shape[0], D], vOut)], 1);
        },
        parameters: [],
        variables: [],
        parameterCount: 0,
        dispose: () => undefined,
    };
}

beforeAll(async () => {
    await selectBackend('wasm');
});

describe('learned reverse variance (Nichol & Dhariwal 2021)', () => {
    it('hybrid: L_vlb trains the v half of the output only, L_simple the ε half only; vlb trains both', async () => {
        /** Σ|∂(terms)/∂W| over the ε and v columns of the last layer (and the ε-only skip gate). */
        const gradients = async (objective: string, which: (t: { inBound: boolean }) => boolean) => {
            const { model, derivation } = await load(objective);
            const net = buildNetwork(model.networks[0]!, 3, [D]);
            const program = compileBound(model, derivation);
            const executor = new TfjsExecutor(program, new Map([['eps', net]]), 1);
            const x = tf.randomUniform([4, D], -1, 1, 'float32', 5);
            const params = net.parameters.map(p => p.variable);
            const { grads } = tf.variableGrads(() => {
                const values = executor.evaluate({ x0: x }, 3, { training: true });
                return program.terms
                    .filter(which)
                    .map(t => tf.mul(tf.mean(values[t.id]!), t.sign))
                    .reduce((a, b) => tf.add(a, b)) as tf.Scalar;
            }, params);
            const byName = new Map(net.parameters.map(p => [p.name, grads[p.variable.name]!]));
            const kernel = byName.get('eps/dense1/kernel')!;
            const abs = async (g: tf.Tensor) => (await tf.sum(tf.abs(g)).data())[0]!;
            const result = {
                eps: await abs(tf.slice(kernel, [0, 0], [-1, D])),
                v: await abs(tf.slice(kernel, [0, D], [-1, D])),
                skip: await abs(byName.get('eps/time/skip/kernel')!),
            };
            tf.dispose([x, ...Object.values(grads)]);
            net.dispose();
            return result;
        };
        const vlb = await gradients('hybrid', t => t.inBound);
        expect(vlb.eps).toBe(0);
        expect(vlb.skip).toBe(0);
        expect(vlb.v).toBeGreaterThan(0);
        const simple = await gradients('hybrid', t => !t.inBound);
        expect(simple.eps).toBeGreaterThan(0);
        expect(simple.v).toBe(0);
        const full = await gradients('vlb', t => t.inBound);
        expect(full.eps).toBeGreaterThan(0);
        expect(full.v).toBeGreaterThan(0);
    });

    it('the U-Net version: L_vlb trains output channel 1 (v) only, L_simple channel 0 (ε) only', async () => {
        const gradients = async (which: (t: { inBound: boolean }) => boolean) => {
            const { model, derivation } = await load('hybrid', 'UNet');
            const net = buildNetwork(model.networks[0]!, 3, [1, 28, 28]);
            const program = compileBound(model, derivation);
            const executor = new TfjsExecutor(program, new Map([['eps', net]]), 1);
            const x = tf.randomUniform([2, 1, 28, 28], -1, 1, 'float32', 5);
            const { grads } = tf.variableGrads(
                () => {
                    const values = executor.evaluate({ x0: x }, 3, { training: true });
                    return program.terms
                        .filter(which)
                        .map(t => tf.mul(tf.mean(values[t.id]!), t.sign))
                        .reduce((a, b) => tf.add(a, b)) as tf.Scalar;
                },
                net.parameters.map(p => p.variable),
            );
            // The last convolution's kernel [k, k, C, 2]: its output channel 0 is ε, 1 is v.
            const kernel = grads[net.parameters.find(p => p.name === 'eps/conv_out/kernel')!.variable.name]!;
            const [k, , c] = kernel.shape;
            const abs = async (g: tf.Tensor) => (await tf.sum(tf.abs(g)).data())[0]!;
            const result = { eps: await abs(tf.slice(kernel, [0, 0, 0, 0], [k!, k!, c!, 1])), v: await abs(tf.slice(kernel, [0, 0, 0, 1], [k!, k!, c!, 1])) };
            tf.dispose([x, ...Object.values(grads)]);
            net.dispose();
            return result;
        };
        const vlb = await gradients(t => t.inBound);
        expect(vlb.eps).toBe(0);
        expect(vlb.v).toBeGreaterThan(0);
        const simple = await gradients(t => !t.inBound);
        expect(simple.eps).toBeGreaterThan(0);
        expect(simple.v).toBe(0);
    });

    it('Σ_θ of the sampler stays in [β̃_t, β_t] for v in [0, 1], from β̃_t at v = 0 to β_t at v = 1', async () => {
        const { model, derivation } = await load('hybrid');
        const { program } = compileReverseStep(model, derivation);
        const c = derivation.chains[0]!.coefficients;
        for (const t of [1, 2, 5, 10]) {
            const beta = c.forwardVar[t]!;
            // At t = 1 the declared clip: β̃_1 = 0 becomes β̃_2 (Nichol & Dhariwal's code).
            const betaTilde = c.posteriorVar[Math.max(t, 2)]!;
            let previous = 0;
            for (const v of [0, 0.25, 0.5, 0.75, 1]) {
                const executor = new TfjsExecutor(program, new Map([['eps', fixedOutput(2 * v - 1)]]), 1);
                const out = executor.outputs({ 'x[t]': tf.zeros([2, D]), t: tf.fill([2], t) }, t);
                const variance = Array.from(await out['variance']!.data());
                tf.dispose(Object.values(out));
                executor.dispose();
                expect(Math.min(...variance)).toBeGreaterThanOrEqual(betaTilde * (1 - 1e-5));
                expect(Math.max(...variance)).toBeLessThanOrEqual(beta * (1 + 1e-5));
                expect(variance[0]).toBeGreaterThanOrEqual(previous);
                previous = variance[0]!;
                if (v === 0) expect(variance[0]! / betaTilde).toBeCloseTo(1, 4);
                if (v === 1) expect(variance[0]! / beta).toBeCloseTo(1, 4);
            }
        }
    });

    it('DDIM with η = 1 uses Σ_θ respaced to the stride: at v = 0 it is the fixed-β̃ DDIM, at v = 1 it adds more noise', async () => {
        const learned = await load('hybrid');
        const fixed = await load('hybrid', 'MLP', text => text.replace(/logvar: .*$/m, 'var: betatilde[t])'));
        expect(fixed.derivation.chains[0]!.learnedVariance).toBe(false);
        const options = { n: 64, sampler: 'ddim' as const, steps: 4, eta: 1, seed: 7 };
        const run = async (d: typeof learned, vOut: number) => (await sampleChain(d.model, d.derivation, new Map([['eps', fixedOutput(vOut)]]), options)).samples;
        const reference = await run(fixed, 0);
        const atZero = await run(learned, -1);
        let largest = 0;
        for (let k = 0; k < reference.length; k++) largest = Math.max(largest, Math.abs(atZero[k]! - reference[k]!));
        expect(largest).toBeLessThan(1e-4);
        const spread = (x: Float32Array) => Math.sqrt(x.reduce((a, b) => a + b * b, 0) / x.length);
        expect(spread(await run(learned, 1))).toBeGreaterThan(spread(reference) * 1.01);
    });

    it('the compiled L_{t−1} with the learned variance equals E_q[log q − log p] by Monte Carlo', async () => {
        const { model, derivation } = await load('hybrid');
        const term = derivation.terms.find(t => t.computation.kind === 'chain-kl')!;
        const program = compileBound(model, { ...derivation, terms: [term] }, { timestep: 'input' });
        const seen: number[][] = [];
        const vOut = 0.4;
        const executor = new TfjsExecutor(program, new Map([['eps', fixedOutput(vOut, seen)]]), 1);
        const x0 = tf.randomUniform([2, D], -1, 1, 'float32', 9);
        const t = 6;
        const kl = Array.from(await executor.evaluate({ x0, t: tf.fill([2], t) }, 1)[term.id]!.data());
        const x0s = x0.arraySync() as number[][];
        executor.dispose();
        x0.dispose();
        const c = derivation.chains[0]!.coefficients;
        const v = (vOut + 1) / 2;
        const sigma2 = Math.exp(v * Math.log(c.forwardVar[t]!) + (1 - v) * Math.log(c.posteriorVar[t]!));
        const bt = c.posteriorVar[t]!;
        // Mulberry32, a small seeded generator for the Monte Carlo draws y ~ q(x_{t−1} | x_t, x_0).
        let state = 12345;
        const uniform = () => {
            state = (state + 0x6d2b79f5) | 0;
            let z = Math.imul(state ^ (state >>> 15), 1 | state);
            z = (z + Math.imul(z ^ (z >>> 7), 61 | z)) ^ z;
            return (((z ^ (z >>> 14)) >>> 0) + 0.5) / 4294967296;
        };
        const normal = () => Math.sqrt(-2 * Math.log(uniform())) * Math.cos(2 * Math.PI * uniform());
        for (let i = 0; i < 2; i++) {
            const xt = seen[i]!;
            const muQ = xt.map((x, j) => c.posteriorMeanX0[t]! * x0s[i]![j]! + c.posteriorMeanXt[t]! * x);
            const muP = xt.map(x => c.reverseMeanXt![t]! * x + c.reverseMeanNet![t]! * (0.3 * x + 0.1));
            const draws: number[] = [];
            for (let n = 0; n < 4000; n++) {
                let logRatio = 0;
                for (let j = 0; j < D; j++) {
                    const y = muQ[j]! + Math.sqrt(bt) * normal();
                    logRatio += -0.5 * Math.log(bt) - (y - muQ[j]!) ** 2 / (2 * bt) + 0.5 * Math.log(sigma2) + (y - muP[j]!) ** 2 / (2 * sigma2);
                }
                draws.push(logRatio);
            }
            const mean = draws.reduce((a, b) => a + b, 0) / draws.length;
            const se = Math.sqrt(draws.reduce((a, b) => a + (b - mean) ** 2, 0) / (draws.length - 1) / draws.length);
            // And the closed form ½ Σ_j [log σ²/β̃ + (β̃ + (μ̃ − μ_θ)²)/σ² − 1] in double precision, to float32 rounding.
            const exact = muQ.reduce((a, m, j) => a + 0.5 * (Math.log(sigma2 / bt) + (bt + (m - muP[j]!) ** 2) / sigma2 - 1), 0);
            expect(Math.abs(kl[i]! - exact)).toBeLessThanOrEqual(1e-5 * exact);
            expect(Math.abs(kl[i]! - mean)).toBeLessThanOrEqual(4 * se + 1e-4 * Math.abs(mean));
        }
    });
});
