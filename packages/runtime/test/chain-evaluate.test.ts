import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { discretizedGaussianLogLikelihood, klNormal } from '@gm/language/derivation';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../src/backend/index.js';
import { discretizedNormalLogLikelihood } from '../src/compile/tfjs-executor.js';
import { encodeIdxUint8, loadDataset } from '../src/data/index.js';
import { evaluateChainBound } from '../src/evaluate/index.js';
import { loadExample, optimalDenoiser } from './fixtures.js';

const dir = mkdtempSync(path.join(tmpdir(), 'gm-chain-eval-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeAll(async () => {
    await selectBackend('wasm');
});

describe('the full bound of a chain model (examples/ddpm-mlp.gm)', () => {
    it('with the exact denoiser, each L_{t−1} is only the variance mismatch (klConstant[t]), and L_T is the closed-form KL', async () => {
        const { model, derivation } = await loadExample('ddpm-mlp.gm');
        // Four identical images of intensity 128/255, scaled to [−1, 1].
        writeFileSync(path.join(dir, 'train-images-idx3-ubyte'), encodeIdxUint8([4, 28, 28], new Uint8Array(4 * 784).fill(128)));
        writeFileSync(path.join(dir, 't10k-images-idx3-ubyte'), encodeIdxUint8([4, 28, 28], new Uint8Array(4 * 784).fill(128)));
        const c = -1 + (2 * 128) / 255;
        const dataset = await loadDataset({ ...model.data[0], dataset: 'idx', path: dir, split: 'test' }, [784], { seed: 1 });
        const net = optimalDenoiser(derivation, c);
        const out = await evaluateChainBound(model, derivation, new Map([['eps', net]]), dataset, 1, { batch: 4, decoder: 'continuous' });
        expect(out.decoder).toBe('continuous');
        const co = derivation.chains[0].coefficients;
        expect(out.perT.from).toBe(2);
        expect(out.perT.values.length).toBe(199);
        out.perT.values.forEach((v, i) => {
            const t = 2 + i;
            // float32 sums of 784 log-ratios: ~1e-4 nats of rounding on values from 285 down to 0.01.
            expect(Math.abs(v - co.klConstant![t])).toBeLessThan(1e-3 + 1e-4 * co.klConstant![t]);
        });
        const lt = klNormal(new Array(784).fill(co.marginalMean[200] * c), new Array(784).fill(co.marginalVar[200]), new Array(784).fill(0), new Array(784).fill(1));
        expect(out.terms['L_T']).toBeCloseTo(lt, 2);
        expect(Object.keys(out.terms).sort()).toEqual(['L_0', 'L_T', 'L_t-1']);
        const elbo = out.terms['L_0'] - out.terms['L_T'] - out.terms['L_t-1'];
        expect(out.nats).toBeCloseTo(-elbo, 6);
        expect(out.bitsPerDim).toBeCloseTo(-elbo / (784 * Math.LN2), 8);
        // The exact denoiser's mean at t = 1 is x_0 itself: L_0 is the Normal's log-density at its mean.
        const variance = co.reverseVar![1]!; // σ_1² = β_1
        expect(out.terms['L_0']).toBeCloseTo(-0.5 * 784 * Math.log(2 * Math.PI * variance), 1);

        // By default, 8-bit images are scored with Ho et al.'s discretized decoder: the Normal's mass on c's bin.
        const discretized = await evaluateChainBound(model, derivation, new Map([['eps', net]]), dataset, 1, { batch: 4 });
        expect(discretized.decoder).toBe('discretized');
        const exact = discretizedGaussianLogLikelihood(new Array(784).fill(c), new Array(784).fill(c), new Array(784).fill(variance), -1, 1, 256);
        expect(discretized.terms['L_0']).toBeCloseTo(exact, 1);
        expect(discretized.terms['L_0']).toBeLessThan(0); // a probability, unlike the density above
        expect(discretized.terms['L_T']).toBeCloseTo(out.terms['L_T'], 6);
        net.dispose();
    });
});

describe('the discretized Gaussian decoder (Ho et al. eq. 13)', () => {
    it('matches the double-precision reference on interior and edge bins', () => {
        const n = 4096;
        const levels = Array.from({ length: n }, (_, i) => (i * 37) % 256);
        const x = levels.map(l => -1 + (2 * l) / 255);
        // Scales from a fifth of a bin to many bins, means within 2σ of the data: masses well above the 1e−12 floor.
        const sd = x.map((_, i) => 0.0008 + (0.05 * ((i * 7919) % 100)) / 100);
        const mean = x.map((v, i) => v + 2 * sd[i]! * Math.sin(i));
        const variance = sd.map(s => s * s);
        const got = tf.tidy(
            () =>
                discretizedNormalLogLikelihood(tf.tensor2d(x, [64, 64]), tf.tensor2d(mean, [64, 64]), tf.tensor2d(variance, [64, 64]), {
                    low: -1,
                    high: 1,
                    bins: 256,
                }).arraySync() as number[],
        );
        for (let row = 0; row < 64; row++) {
            const slice = (a: number[]) => a.slice(row * 64, row * 64 + 64);
            const want = discretizedGaussianLogLikelihood(slice(x), slice(mean), slice(variance), -1, 1, 256);
            expect(Math.abs(got[row]! - want)).toBeLessThan(1e-3 * Math.max(1, Math.abs(want)));
        }
        // The edge bins reach ±∞: a mean far beyond the data range still gives the edge pixel mass ≈ 1.
        const edge = tf.tidy(
            () => discretizedNormalLogLikelihood(tf.tensor2d([[-1, 1]]), tf.tensor2d([[-3, 3]]), tf.scalar(0.01), { low: -1, high: 1, bins: 256 }).arraySync() as number[],
        );
        expect(edge[0]).toBeCloseTo(0, 5);
    });
});
