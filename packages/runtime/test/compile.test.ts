/**
 * The compiled bound against the derivation: for fixed weights, data and noise, every term the
 * compiled program computes equals the derived term evaluated numerically with the derivation's
 * own closed forms and coefficients (one source of truth).
 */
import * as tf from '@tensorflow/tfjs';
import { klNormal, type Derivation } from '@gm/language/derivation';
import type { ModelIR } from '@gm/language';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../src/backend/index.js';
import { compileBound, compileModel, type CompiledModel } from '../src/compile/index.js';
import { deriveSeed, Random } from '../src/rng/index.js';
import { trainStep } from '../src/session/step.js';
import { loadExample } from './fixtures.js';

const compiled: CompiledModel[] = [];
function compile(model: ModelIR, derivation: Derivation, seed = 1, terms: 'loss' | 'all' = 'loss'): CompiledModel {
    const c = compileModel(model, derivation, seed, { terms });
    compiled.push(c);
    return c;
}

beforeAll(async () => {
    await selectBackend('wasm');
});
afterEach(() => compiled.splice(0).forEach(c => c.dispose()));

/** A batch of binary "images" from a seeded generator. */
function binaryBatch(n: number, d: number, seed: number): tf.Tensor2D {
    const rng = new Random(seed);
    return tf.tensor2d(
        Float32Array.from({ length: n * d }, () => (rng.next() < 0.3 ? 1 : 0)),
        [n, d],
    );
}

function rows(t: tf.Tensor): number[][] {
    return t.arraySync() as number[][];
}

describe('the VAE (examples/vae.gm)', () => {
    it('compiles to one encoder call, one decoder call and the two derived terms', async () => {
        const { model, derivation } = await loadExample('vae.gm');
        const c = compile(model, derivation);
        const calls = c.program.instructions.filter(i => i.op === 'network').map(i => (i as { network: string }).network);
        expect(calls).toEqual(['encoder', 'decoder']);
        expect(c.program.terms.map(t => t.id).sort()).toEqual(['ell(x)', 'kl(z)']);
        expect(c.parameters.length).toBe(8);
        expect(c.program.replicas).toBe(1);
        // The program is plain data: it survives JSON (a PyTorch target reads the same program).
        expect(JSON.parse(JSON.stringify(c.program))).toEqual(c.program);
    });

    it('each term equals the derivation evaluated numerically (closed-form KL, Bernoulli log-likelihood)', async () => {
        const { model, derivation } = await loadExample('vae.gm');
        const c = compile(model, derivation);
        const x = binaryBatch(5, 784, 3);
        const step = 17;
        const terms = tf.tidy(() => {
            const out = c.executor.evaluate({ x }, step);
            return { ell: Array.from(out['ell(x)'].dataSync()), kl: Array.from(out['kl(z)'].dataSync()) };
        });
        // The same numbers by hand: the networks applied directly, the derivation's klNormal, the noise re-drawn.
        const h = rows(c.networks.get('encoder')!.apply(x));
        const eps = rows(tf.randomNormal([5, 20], 0, 1, 'float32', deriveSeed(1, step, 'eps/z')));
        const xs = rows(x);
        for (let n = 0; n < 5; n++) {
            const mu = h[n].slice(0, 20);
            const logvar = h[n].slice(20, 40);
            const variance = logvar.map(Math.exp);
            const kl = klNormal(mu, variance, new Array(20).fill(0), new Array(20).fill(1));
            expect(terms.kl[n]).toBeCloseTo(kl, 3);
            const z = mu.map((m, j) => m + Math.exp(0.5 * logvar[j]) * eps[n][j]);
            const logits = rows(c.networks.get('decoder')!.apply(tf.tensor2d([z])))[0];
            // Σ_i x_i log π_i + (1 − x_i) log(1 − π_i)
            const ell = logits.reduce((s, l, i) => s + xs[n][i] * -Math.log1p(Math.exp(-l)) + (1 - xs[n][i]) * -Math.log1p(Math.exp(l)), 0);
            expect(Math.abs(terms.ell[n] - ell) / Math.abs(ell)).toBeLessThan(1e-5);
        }
    });

    it('the loss is −(ell − kl), averaged over the batch, and training lowers it', async () => {
        const { model, derivation } = await loadExample('vae.gm');
        const c = compile(model, derivation);
        const x = binaryBatch(32, 784, 4);
        const { loss, ell, kl } = tf.tidy(() => {
            const out = c.loss(x, 0);
            return { loss: out.loss.dataSync()[0], ell: out.terms['ell(x)'].dataSync()[0], kl: out.terms['kl(z)'].dataSync()[0] };
        });
        expect(loss).toBeCloseTo(kl - ell, 3);
        const train = { ...model.train, optimizer: { ...model.train.optimizer, lr: 1e-3 } };
        const { createOptimizer } = await import('../src/optim/index.js');
        const opt = createOptimizer(train, c.parameters);
        const losses: number[] = [];
        for (let s = 0; s < 15; s++) losses.push((await trainStep(c, opt, train, x, s)).loss);
        expect(losses[14]).toBeLessThan(losses[0] - 50);
        opt.dispose();
    });
});

describe('the DDPM with an MLP denoiser (examples/ddpm-mlp.gm)', () => {
    it('L_{t−1} computed as KL(q(x_{t−1}|x_t,x_0) ‖ p(x_{t−1}|x_t)) equals the derived mseWeight·‖ε − ε_θ‖² + klConstant', async () => {
        const { model, derivation } = await loadExample('ddpm-mlp.gm');
        const c = compile(model, derivation, 1, 'all');
        // Give ε_θ random weights so that its output is far from 0.
        const rng = new Random(5);
        for (const p of c.parameters)
            p.variable.assign(
                tf.tensor(
                    Float32Array.from({ length: p.variable.size }, () => (rng.next() - 0.5) * 0.1),
                    p.variable.shape,
                ),
            );
        const x0 = tf.tensor2d(
            Float32Array.from({ length: 4 * 784 }, () => rng.next() * 2 - 1),
            [4, 784],
        );
        const step = 3;
        const term = derivation.terms.find(t => t.id === 'L_t-1')!;
        const comp = term.computation as { from: number; to: number; chain: string };
        const computed = tf.tidy(() => Array.from(c.executor.evaluate({ x0 }, step)['L_t-1'].dataSync()));
        // Re-draw t and ε exactly as the program does, then use the derivation's coefficients.
        const stream = `${comp.chain}/${comp.from}-${comp.to}`;
        const trng = new Random(deriveSeed(1, step, `t/${stream}`));
        const ts = Array.from({ length: 4 }, () => comp.from + trng.int(comp.to - comp.from + 1));
        const eps = rows(tf.randomNormal([4, 784], 0, 1, 'float32', deriveSeed(1, step, `eps/${stream}`)));
        const co = derivation.chains[0].coefficients;
        const xs = rows(x0);
        for (let n = 0; n < 4; n++) {
            const t = ts[n];
            const xt = xs[n].map((v, i) => Math.sqrt(co.marginalVar[t]) * eps[n][i] + co.marginalMean[t] * v);
            const pred = rows(c.networks.get('eps')!.apply(tf.tensor2d([xt]), tf.tensor1d([t])))[0];
            const mse = pred.reduce((s, p, i) => s + (eps[n][i] - p) ** 2, 0);
            const expected = (comp.to - comp.from + 1) * (co.mseWeight![t] * mse + co.klConstant![t]);
            expect(Math.abs(computed[n] - expected) / expected).toBeLessThan(2e-5);
        }
    });

    it('trains on L_simple only (objective simple): the loss is the mean squared ε error, and only it is computed', async () => {
        const { model, derivation } = await loadExample('ddpm-mlp.gm');
        const c = compile(model, derivation);
        expect(c.program.terms.map(t => t.id)).toEqual(['L_simple']);
        // One call of ε_θ per step: the terms with weight 0 (L_T, L_{t−1}, L_0) are not compiled for training.
        expect(c.program.instructions.filter(i => i.op === 'network').length).toBe(1);
        const x0 = tf.randomUniform([8, 784], -1, 1, 'float32', 2);
        const out = tf.tidy(() => {
            const r = c.loss(x0, 0);
            return { loss: r.loss.dataSync()[0], simple: r.terms['L_simple'].dataSync()[0] };
        });
        expect(out.loss).toBeCloseTo(out.simple, 5);
        // ε_θ starts near 0 with PyTorch's initialization, so ‖ε − ε_θ‖²/D ≈ E[ε²] = 1.
        expect(out.simple).toBeGreaterThan(0.8);
        expect(out.simple).toBeLessThan(1.5);
        // The whole bound is still there for evaluation.
        const all = compileBound(model, derivation);
        expect(all.terms.map(t => t.id).sort()).toEqual(['L_0', 'L_T', 'L_simple', 'L_t-1']);
    });
});

describe('the importance-weighted bound (examples/iwae.gm)', () => {
    it('is log (1/k) Σ_i p(x, z_i) / q(z_i | x) over k = 5 samples per example (Burda et al. eq. 8)', async () => {
        const { model, derivation } = await loadExample('iwae.gm');
        const c = compile(model, derivation);
        expect(c.program.replicas).toBe(5);
        const x = binaryBatch(3, 784, 8);
        const step = 2;
        const computed = tf.tidy(() => Array.from(c.executor.evaluate({ x }, step)['iwae'].dataSync()));
        const h = rows(c.networks.get('encoder')!.apply(x));
        // The k samples are the batch replicated: row r·B + n is sample r of example n.
        const eps = rows(tf.randomNormal([15, 20], 0, 1, 'float32', deriveSeed(1, step, 'eps/z')));
        const xs = rows(x);
        const logNormal = (v: number[], mu: number[], logvar: number[]) =>
            v.reduce((s, z, j) => s - 0.5 * (Math.log(2 * Math.PI) + logvar[j] + (z - mu[j]) ** 2 / Math.exp(logvar[j])), 0);
        for (let n = 0; n < 3; n++) {
            const mu = h[n].slice(0, 20);
            const logvar = h[n].slice(20, 40);
            const logw: number[] = [];
            for (let r = 0; r < 5; r++) {
                const z = mu.map((m, j) => m + Math.exp(0.5 * logvar[j]) * eps[r * 3 + n][j]);
                const logits = rows(c.networks.get('decoder')!.apply(tf.tensor2d([z])))[0];
                const ll = logits.reduce((s, l, i) => s + xs[n][i] * l - Math.log1p(Math.exp(l)), 0);
                logw.push(logNormal(z, new Array(20).fill(0), new Array(20).fill(0)) + ll - logNormal(z, mu, logvar));
            }
            const max = Math.max(...logw);
            const expected = max + Math.log(logw.reduce((s, w) => s + Math.exp(w - max), 0) / 5);
            expect(Math.abs(computed[n] - expected) / Math.abs(expected)).toBeLessThan(1e-5);
        }
    });
});

describe('diffusion training steps on wasm', () => {
    for (const [file, batch] of [
        ['ddpm-mlp.gm', 8],
        ['ddpm-cosine.gm', 2],
        ['ddpm.gm', 2],
    ] as const) {
        it(`${file}: a step updates every parameter and the loss stays finite (U-Net convs use the fast gradients)`, async () => {
            const { model, derivation } = await loadExample(file);
            const c = compile(model, derivation);
            const { createOptimizer } = await import('../src/optim/index.js');
            const opt = createOptimizer(model.train, c.parameters);
            const before = c.parameters.map(p => Float32Array.from(p.variable.dataSync() as Float32Array));
            const x0 = tf.randomUniform([batch, ...c.program.inputs[0].shape], -1, 1, 'float32', 5);
            // A step after the learning-rate warm-up (ddpm.gm warms up over 5 000 steps).
            const r = await trainStep(c, opt, model.train, x0, 10_000);
            expect(Number.isFinite(r.loss)).toBe(true);
            // Adam's first step moves a weight by ≈ lr · g/(|g| + ε). Ho et al.'s U-Net starts every residual
            // branch at ~0 (scale 1e-10), so weights inside deep branches get gradients too small to move a
            // float32 in one step; the MLP's all move, and most of the U-Net's, its output layer included.
            const moved = c.parameters.filter((p, i) => {
                const after = p.variable.dataSync();
                for (let k = 0; k < after.length; k++) if (after[k] !== before[i][k]) return true;
                return false;
            });
            if (file === 'ddpm-mlp.gm') expect(moved.length).toBe(c.parameters.length);
            else {
                expect(moved.length).toBeGreaterThan(0.6 * c.parameters.length);
                expect(moved.map(p => p.name)).toContain('eps/conv_out/kernel');
            }
            opt.dispose();
        });
    }
});

describe('other models compile through the same path', () => {
    for (const file of ['iwae.gm', 'hvae.gm', 'beta-vae.gm', 'vae-gaussian.gm', 'ddpm-cosine.gm']) {
        it(`${file}: finite loss and terms`, async () => {
            const { model, derivation } = await loadExample(file);
            const c = compile(model, derivation, 1, 'all');
            const input = c.program.inputs[0];
            const x = tf.randomUniform([3, ...input.shape], 0, 1, 'float32', 1);
            const { loss, terms } = tf.tidy(() => {
                const r = c.loss(x, 0);
                return { loss: r.loss.dataSync()[0], terms: Object.fromEntries(Object.entries(r.terms).map(([k, v]) => [k, v.dataSync()[0]])) };
            });
            expect(Number.isFinite(loss), `${file}: loss ${loss}`).toBe(true);
            for (const [k, v] of Object.entries(terms)) expect(Number.isFinite(v), `${file}: ${k} = ${v}`).toBe(true);
            expect(Object.keys(terms).sort()).toEqual(derivation.terms.map(t => t.id).sort());
        });
    }
});
