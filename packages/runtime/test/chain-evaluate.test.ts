import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { loadModel } from '@gm/language';
import { deriveFromLowering, klNormal, type Derivation } from '@gm/language/derivation';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../src/backend/index.js';
import { encodeIdxUint8, loadDataset } from '../src/data/index.js';
import { evaluateChainBound } from '../src/evaluate/index.js';
import type { Network } from '../src/nets/index.js';

const examples = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../examples');
const dir = mkdtempSync(path.join(tmpdir(), 'gm-chain-eval-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeAll(async () => {
    await selectBackend('wasm');
});

/** The exact ε-predictor when every example is the point c. */
function optimalDenoiser(derivation: Derivation, c: number): Network {
    const co = derivation.chains[0].coefficients;
    const m = tf.keep(tf.tensor1d(co.marginalMean));
    const s = tf.keep(tf.tensor1d(co.marginalVar));
    return {
        name: 'eps',
        architecture: 'MLP',
        timeConditioned: true,
        apply: (x, t) => {
            const ti = tf.cast(t!, 'int32');
            return tf.div(tf.sub(x, tf.mul(tf.reshape(tf.gather(m, ti), [-1, 1]), c)), tf.sqrt(tf.reshape(tf.gather(s, ti), [-1, 1])));
        },
        parameters: [],
        variables: [],
        parameterCount: 0,
        dispose: () => tf.dispose([m, s]),
    };
}

describe('the full bound of a chain model (examples/ddpm-mlp.gm)', () => {
    it('with the exact denoiser, each L_{t−1} is only the variance mismatch (klConstant[t]), and L_T is the closed-form KL', async () => {
        const { result } = await loadModel(path.join(examples, 'ddpm-mlp.gm'));
        const derived = deriveFromLowering(result);
        if (!derived.ok) throw new Error('no derivation');
        const model = result.model;
        const derivation = derived.derivation;
        // Four identical images of intensity 128/255, scaled to [−1, 1].
        writeFileSync(path.join(dir, 'train-images-idx3-ubyte'), encodeIdxUint8([4, 28, 28], new Uint8Array(4 * 784).fill(128)));
        writeFileSync(path.join(dir, 't10k-images-idx3-ubyte'), encodeIdxUint8([4, 28, 28], new Uint8Array(4 * 784).fill(128)));
        const c = -1 + (2 * 128) / 255;
        const dataset = await loadDataset({ ...model.data[0], dataset: 'idx', path: dir, split: 'test' }, [784], { seed: 1 });
        const net = optimalDenoiser(derivation, c);
        const out = await evaluateChainBound(model, derivation, new Map([['eps', net]]), dataset, 1, { batch: 4 });
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
        net.dispose();
    });
});
