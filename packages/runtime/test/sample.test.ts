import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../src/backend/index.js';
import { TfjsExecutor } from '../src/compile/index.js';
import { buildNetwork } from '../src/nets/index.js';
import { compilePriorSampler, compileReconstruction, sampleChain, samplingTimesteps } from '../src/sample/index.js';
import { examples, loadExample, optimalDenoiser } from './fixtures.js';

beforeAll(async () => {
    await selectBackend('wasm');
});

describe('reverse-chain sampling (examples/ddpm-mlp.gm)', () => {
    it('visits T..1 (ancestral) or an evenly spaced subsequence from T down to 1 (DDIM)', () => {
        expect(samplingTimesteps(0, 5, 'ancestral')).toEqual([5, 4, 3, 2, 1]);
        const ddim = samplingTimesteps(0, 1000, 'ddim', 50);
        expect(ddim.length).toBe(50);
        expect(ddim[0]).toBe(1000);
        expect(ddim[49]).toBe(1);
        for (let i = 1; i < 50; i++) expect(ddim[i]).toBeLessThan(ddim[i - 1]);
    });

    for (const [sampler, eta] of [
        ['ancestral', 0],
        ['ddim', 0],
        ['ddim', 1],
    ] as const) {
        it(`${sampler}${sampler === 'ddim' ? ` (η = ${eta})` : ''} with the exact denoiser of a point mass ends at that point`, async () => {
            const { model, derivation } = await loadExample('ddpm-mlp.gm');
            const c = tf.keep(tf.linspace(-0.8, 0.8, 784).reshape([1, 784]));
            const net = optimalDenoiser(derivation, c);
            const out = await sampleChain(model, derivation, new Map([['eps', net]]), { n: 3, sampler, steps: 20, eta, seed: 4, frames: 5 });
            expect(out.shape).toEqual([3, 784]);
            const target = c.dataSync();
            let worst = 0;
            for (let i = 0; i < out.samples.length; i++) worst = Math.max(worst, Math.abs(out.samples[i] - target[i % 784]));
            expect(worst).toBeLessThan(2e-3);
            expect(out.trajectory.length).toBe(5);
            // The first frame is x_T ~ N(0, I): far from c; the last is the sample.
            const first = out.trajectory[0];
            const sd = Math.sqrt(first.reduce((s, v) => s + v * v, 0) / first.length);
            expect(sd).toBeGreaterThan(0.9);
            expect(sd).toBeLessThan(1.1);
            expect(Array.from(out.trajectory[4])).toEqual(Array.from(out.samples));
            expect(out.trajectoryTimesteps[0]).toBe(200);
            expect(out.trajectoryTimesteps[4]).toBe(0);
            if (sampler === 'ddim' && eta === 0) {
                // Deterministic DDIM keeps ε̂ fixed: every state is x_τ = m_τ c + √s_τ ε̂_T (Song et al. eq. 12).
                const co = derivation.chains[0].coefficients;
                const epsT = Array.from(first, (v, i) => (v - co.marginalMean[200] * target[i % 784]) / Math.sqrt(co.marginalVar[200]));
                out.trajectory.forEach((frame, k) => {
                    const tau = out.trajectoryTimesteps[k];
                    for (let i = 0; i < frame.length; i += 97) {
                        expect(frame[i]).toBeCloseTo(co.marginalMean[tau] * target[i % 784] + Math.sqrt(co.marginalVar[tau]) * epsT[i], 3);
                    }
                });
            }
            net.dispose();
            c.dispose();
        });
    }

    it('DDIM with η = 1 over all T steps is ancestral sampling with σ_t² = β̃_t, sample by sample (Song et al. §4.1)', async () => {
        // The example's reverse variance β_t replaced by the posterior's β̃_t = (1 − ᾱ_{t−1})/(1 − ᾱ_t) β_t.
        const dir = mkdtempSync(path.join(tmpdir(), 'gm-ddim-eta1-'));
        try {
            const source = readFileSync(path.join(examples, 'ddpm-mlp.gm'), 'utf8');
            const tilde = source.replace(
                'eps(x[t], t)) / sqrt(alpha[t]), var: beta[t])',
                'eps(x[t], t)) / sqrt(alpha[t]), var: (1 - alphabar[t-1]) / (1 - alphabar[t]) * beta[t])',
            );
            expect(tilde).not.toBe(source);
            writeFileSync(path.join(dir, 'tilde.gm'), tilde);
            const { model, derivation } = await loadExample(path.join(dir, 'tilde.gm'));
            // An untrained network: any ε̂ will do, the identity is algebraic.
            const net = buildNetwork(
                model.networks.find(n => n.name === 'eps')!,
                3,
            );
            const nets = new Map([['eps', net]]);
            const options = { n: 4, steps: 200, seed: 9 };
            const ancestral = await sampleChain(model, derivation, nets, { ...options, sampler: 'ancestral', eta: 0 });
            const ddim = await sampleChain(model, derivation, nets, { ...options, sampler: 'ddim', eta: 1 });
            const largestDifference = (a: Float32Array, b: Float32Array) => a.reduce((m, v, i) => Math.max(m, Math.abs(v - b[i]!)), 0);
            expect(largestDifference(ancestral.samples, ddim.samples)).toBeLessThan(1e-3);
            // …and not trivially: with η = 0 the same noise gives other samples.
            const deterministic = await sampleChain(model, derivation, nets, { ...options, sampler: 'ddim', eta: 0 });
            expect(largestDifference(ancestral.samples, deterministic.samples)).toBeGreaterThan(0.1);
            net.dispose();
        } finally {
            rmSync(dir, { recursive: true, force: true });
        }
    });

    it('leaves no tensors behind across repeated sampling calls', async () => {
        const { model, derivation } = await loadExample('ddpm-mlp.gm');
        const net = buildNetwork(
            model.networks.find(n => n.name === 'eps')!,
            1,
        );
        const nets = new Map([['eps', net]]);
        const run = () => sampleChain(model, derivation, nets, { n: 2, sampler: 'ddim', steps: 5, eta: 0.5, seed: 2, frames: 3, clip: [-1, 1] });
        await run(); // the first call may create lasting tables
        const before = tf.memory().numTensors;
        for (let k = 0; k < 3; k++) await run();
        expect(tf.memory().numTensors).toBe(before);
        net.dispose();
    });

    it('clips predicted x_0 to the data range', async () => {
        const { model, derivation } = await loadExample('ddpm-mlp.gm');
        const c = tf.keep(tf.fill([1, 784], 3)); // outside [−1, 1]
        const net = optimalDenoiser(derivation, c);
        const out = await sampleChain(model, derivation, new Map([['eps', net]]), { n: 2, sampler: 'ddim', steps: 10, eta: 0, seed: 1, clip: [-1, 1] });
        for (const v of out.samples) expect(v).toBeLessThanOrEqual(1 + 1e-5);
        net.dispose();
        c.dispose();
    });
});

describe('latent-variable sampling (examples/vae.gm)', () => {
    it('draws z from the prior and shows x as the Bernoulli probabilities; reconstructs through the q and p means', async () => {
        const { model } = await loadExample('vae.gm');
        const networks = new Map(model.networks.map(n => [n.name, buildNetwork(n, 1)]));
        const prior = new TfjsExecutor(compilePriorSampler(model), networks, 7);
        const out = tf.tidy(() => {
            const o = prior.outputs({}, 0, { batch: 6 });
            return { x: o.x.arraySync() as number[][], z: o.z.arraySync() as number[][] };
        });
        expect(out.x.length).toBe(6);
        expect(out.x[0].length).toBe(784);
        for (const row of out.x) for (const v of row) expect(v > 0 && v < 1).toBe(true);
        const zs = out.z.flat();
        expect(Math.abs(zs.reduce((a, b) => a + b, 0) / zs.length)).toBeLessThan(0.3);

        const recon = new TfjsExecutor(compileReconstruction(model), networks, 7);
        const x = tf.randomUniform([4, 784], 0, 1, 'float32', 3);
        const r = recon.outputs({ x }, 0).x;
        expect(r.shape).toEqual([4, 784]);
        // By hand: decoder(encoder(x)[0:20]) through a sigmoid.
        const byHand = tf.sigmoid(networks.get('decoder')!.apply(tf.slice(networks.get('encoder')!.apply(x), [0, 0], [-1, 20])));
        expect(tf.max(tf.abs(tf.sub(r, byHand))).dataSync()[0]).toBeLessThan(1e-6);
        for (const n of networks.values()) n.dispose();
        prior.dispose();
        recon.dispose();
    });
});
