import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../src/backend/index.js';
import { compileModel } from '../src/compile/index.js';
import { encodeIdxUint8, loadDataset } from '../src/data/index.js';
import { compileImportanceEstimate, estimateNegativeLogLikelihood, evaluateBound } from '../src/evaluate/index.js';
import { Random } from '../src/rng/index.js';
import { loadExample } from './fixtures.js';

beforeAll(async () => {
    await selectBackend('wasm');
});

describe('evaluation of the VAE on the MNIST test split', () => {
    it('gives the bound term by term, in nats and bits/dim, and a tighter importance-sampled −log p(x)', async () => {
        const { model, derivation } = await loadExample('vae.gm');
        const c = compileModel(model, derivation, 1);
        // Larger encoder weights put q(z|x) far from p(z), so that importance weighting has something to gain.
        const rng = new Random(2);
        for (const p of c.networks.get('encoder')!.parameters)
            p.variable.assign(
                tf.tensor(
                    Float32Array.from({ length: p.variable.size }, () => (rng.next() - 0.5) * 0.3),
                    p.variable.shape,
                ),
            );
        const test = await loadDataset({ ...model.data[0], split: 'test' }, [784], { seed: 1 });
        expect(test.size).toBe(10000); // the standard test split

        const bound = await evaluateBound(c.program, c.networks, test, 1, { batch: 16, limit: 40 });
        expect(bound.examples).toBe(40);
        expect(bound.nats).toBeCloseTo(bound.terms['kl(z)'] - bound.terms['ell(x)'], 4);
        expect(bound.bitsPerDim).toBeCloseTo(bound.nats / (784 * Math.LN2), 8);
        expect(bound.terms['kl(z)']).toBeGreaterThan(0);

        const program = compileImportanceEstimate(model, derivation, 64);
        expect(program.replicas).toBe(64);
        expect(program.terms.map(t => t.id)).toEqual(['log p(x)']);
        const iw1 = await estimateNegativeLogLikelihood(model, derivation, c.networks, test, 1, 1, { batch: 16, limit: 40 });
        const iw64 = await estimateNegativeLogLikelihood(model, derivation, c.networks, test, 1, 64, { batch: 8, limit: 40 });
        // L_1 is an unbiased estimate of the ELBO; L_64 ≥ L_1 (Burda et al., Theorem 1).
        expect(Math.abs(iw1.nats - bound.nats)).toBeLessThan(0.05 * bound.terms['kl(z)'] + 2);
        expect(iw64.nats).toBeLessThan(iw1.nats - 1);
        expect(iw64.nats).toBeLessThan(bound.nats - 1);
        c.dispose();
    });
});

/** log N(x; μ, Σ) for a small dense Σ, by Cholesky (Σ = L Lᵀ). */
function logNormalDensity(x: number[], mu: number[], sigma: number[][]): number {
    const n = x.length;
    const L = sigma.map(() => new Array<number>(n).fill(0));
    for (let i = 0; i < n; i++) {
        for (let j = 0; j <= i; j++) {
            let s = sigma[i]![j]!;
            for (let k = 0; k < j; k++) s -= L[i]![k]! * L[j]![k]!;
            L[i]![j] = i === j ? Math.sqrt(s) : s / L[j]![j]!;
        }
    }
    // Solve L y = x − μ; then log N = −½ (n log 2π + 2 Σ log L_ii + ‖y‖²).
    const y = new Array<number>(n).fill(0);
    for (let i = 0; i < n; i++) {
        let s = x[i]! - mu[i]!;
        for (let k = 0; k < i; k++) s -= L[i]![k]! * y[k]!;
        y[i] = s / L[i]![i]!;
    }
    let logDet = 0;
    for (let i = 0; i < n; i++) logDet += 2 * Math.log(L[i]![i]!);
    return -0.5 * (n * Math.log(2 * Math.PI) + logDet + y.reduce((a, v) => a + v * v, 0));
}

describe('the importance-sampled log p(x) of a linear-Gaussian model', () => {
    it('tightens with k and converges to the exact marginal N(x; b, WᵀW + σ²I) (Burda et al. 2015)', async () => {
        const dir = mkdtempSync(path.join(tmpdir(), 'gm-linear-gaussian-'));
        try {
            // z ~ N(0, I₂), x | z ~ N(z W + b, 0.25 I₄): a linear decoder (one dense layer) and a learned q.
            writeFileSync(
                path.join(dir, 'linear.gm'),
                `model LinearGaussian {
  data toy = images("toy")
  observed x : Real[4] from toy
  latent z : Real[2]
  net encoder = MLP(4 -> 8 -> 4, activation: tanh)
  net decoder = MLP(2 -> 4)
  p(z) = Normal(0, 1)
  p(x | z) = Normal(decoder(z), var: 0.25)
  q(z | x) = Normal(mean: encoder(x)[0:2], logvar: encoder(x)[2:4])
}
`,
            );
            const rng = new Random(5);
            const pixels = Uint8Array.from({ length: 6 * 4 }, () => Math.floor(rng.next() * 256));
            writeFileSync(path.join(dir, 't10k-images-idx3-ubyte'), encodeIdxUint8([6, 2, 2], pixels));
            writeFileSync(path.join(dir, 'train-images-idx3-ubyte'), encodeIdxUint8([6, 2, 2], pixels));
            const { model, derivation } = await loadExample(path.join(dir, 'linear.gm'));
            const c = compileModel(model, derivation, 3);
            const test = await loadDataset({ ...model.data[0], dataset: 'idx', path: dir, split: 'test' }, [4], { seed: 1 });
            expect(test.size).toBe(6);

            // The exact marginal from the decoder's weights: x ~ N(b, WᵀW + σ²I).
            const decoder = c.networks.get('decoder')!;
            const W = decoder.parameters.find(p => p.name.endsWith('kernel'))!.variable.arraySync() as number[][]; // [2, 4]
            const b = decoder.parameters.find(p => p.name.endsWith('bias'))!.variable.arraySync() as number[];
            const cov = [0, 1, 2, 3].map(i => [0, 1, 2, 3].map(j => W[0]![i]! * W[0]![j]! + W[1]![i]! * W[1]![j]! + (i === j ? 0.25 : 0)));
            const xs = test.slice(0, 6).arraySync() as number[][];
            const exact = -xs.reduce((a, x) => a + logNormalDensity(x, b, cov), 0) / xs.length;

            const bound = await evaluateBound(c.program, c.networks, test, 1, { batch: 6 });
            const estimate = async (k: number) => (await estimateNegativeLogLikelihood(model, derivation, c.networks, test, 1, k, { batch: 6 })).nats;
            const [k1, k16, k4096] = [await estimate(1), await estimate(16), await estimate(4096)];
            // −ELBO ≥ −L_16 ≥ −L_4096 ≥ −log p(x), and L_k → log p(x) as k grows.
            expect(bound.nats - exact).toBeGreaterThan(0.05);
            expect(Math.abs(k1 - bound.nats)).toBeLessThan(0.5 * (bound.nats - exact) + 0.05);
            expect(k16).toBeLessThan(bound.nats);
            expect(k4096).toBeLessThan(k16);
            expect(Math.abs(k4096 - exact)).toBeLessThan(0.02);
            c.dispose();
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });
});
