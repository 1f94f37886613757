import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { loadModel } from '@gm/language';
import { deriveFromLowering } from '@gm/language/derivation';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../src/backend/index.js';
import { compileModel } from '../src/compile/index.js';
import { loadDataset } from '../src/data/index.js';
import { compileImportanceEstimate, estimateNegativeLogLikelihood, evaluateBound } from '../src/evaluate/index.js';
import { Random } from '../src/rng/index.js';

const examples = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../examples');

beforeAll(async () => {
    await selectBackend('wasm');
});

describe('evaluation of the VAE on the MNIST test split', () => {
    it('gives the bound term by term, in nats and bits/dim, and a tighter importance-sampled −log p(x)', async () => {
        const { result } = await loadModel(path.join(examples, 'vae.gm'));
        const derived = deriveFromLowering(result);
        if (!derived.ok) throw new Error('no derivation');
        const model = result.model;
        const c = compileModel(model, derived.derivation, 1);
        // Larger encoder weights put q(z|x) far from p(z), so that importance weighting has something to gain.
        const rng = new Random(2);
        for (const p of c.networks.get('encoder')!.parameters) p.variable.assign(tf.tensor(Float32Array.from({ length: p.variable.size }, () => (rng.next() - 0.5) * 0.3), p.variable.shape));
        const test = await loadDataset({ ...model.data[0], split: 'test' }, [784], { seed: 1 });
        expect(test.size).toBe(1000);

        const bound = await evaluateBound(c.program, c.networks, test, 1, { batch: 16, limit: 40 });
        expect(bound.examples).toBe(40);
        expect(bound.nats).toBeCloseTo(bound.terms['kl(z)'] - bound.terms['ell(x)'], 4);
        expect(bound.bitsPerDim).toBeCloseTo(bound.nats / (784 * Math.LN2), 8);
        expect(bound.terms['kl(z)']).toBeGreaterThan(0);

        const program = compileImportanceEstimate(model, derived.derivation, 64);
        expect(program.replicas).toBe(64);
        expect(program.terms.map((t) => t.id)).toEqual(['log p(x)']);
        const iw1 = await estimateNegativeLogLikelihood(model, derived.derivation, c.networks, test, 1, 1, { batch: 16, limit: 40 });
        const iw64 = await estimateNegativeLogLikelihood(model, derived.derivation, c.networks, test, 1, 64, { batch: 8, limit: 40 });
        // L_1 is an unbiased estimate of the ELBO; L_64 ≥ L_1 (Burda et al., Theorem 1).
        expect(Math.abs(iw1.nats - bound.nats)).toBeLessThan(0.05 * bound.terms['kl(z)'] + 2);
        expect(iw64.nats).toBeLessThan(iw1.nats - 1);
        expect(iw64.nats).toBeLessThan(bound.nats - 1);
        c.dispose();
    });
});
