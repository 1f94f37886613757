/**
 * The runtime pieces together, the way the trainer uses them: a small VAE (Kingma & Welling 2013:
 * Bernoulli decoder, closed-form Gaussian KL) on MNIST digits on the wasm backend. Tensors must not
 * leak across steps, and a run resumed from a checkpoint must reproduce the uninterrupted losses.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import type { DataIR, MlpIR, TrainIR } from '@gm/language';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../src/backend/index.js';
import { loadCheckpoint, restore, saveCheckpoint, snapshotAsync, sourceHash } from '../src/checkpoint/index.js';
import { asInputs, loadDataset, type Dataset } from '../src/data/index.js';
import { buildNetwork, type Network } from '../src/nets/index.js';
import { createOptimizer, type Optimizer } from '../src/optim/index.js';
import { deriveSeed } from '../src/rng/index.js';
import type { TrainingProgram } from '../src/session/program.js';
import { trainStep } from '../src/session/step.js';

const here = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };
const mlp = (name: string, layers: number[]): MlpIR => ({
    architecture: 'MLP',
    name,
    layers,
    activation: 'relu',
    inputSize: layers[0],
    outputSize: layers[layers.length - 1],
    range: here,
});
const data: DataIR = { name: 'mnist', dataset: 'mnist', split: 'train', binarize: 'stochastic', valueRange: [0, 1], limit: 512, shape: [784], range: here };
const train: TrainIR = { optimizer: { name: 'Adam', lr: 1e-3, options: {} }, batch: 64, seed: 1, beta: 1, k: 1, samples: 1, hybridWeight: 0, optionRanges: [], epochs: 1 };
const LATENT = 8;

const dir = mkdtempSync(path.join(tmpdir(), 'gm-train-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Run {
    encoder: Network;
    decoder: Network;
    optimizer: Optimizer;
    dataset: Dataset;
}

async function setUp(): Promise<Run> {
    const encoder = buildNetwork(mlp('encoder', [784, 64, 2 * LATENT]), train.seed);
    const decoder = buildNetwork(mlp('decoder', [LATENT, 64, 784]), train.seed);
    const optimizer = createOptimizer(train, [...encoder.parameters, ...decoder.parameters]);
    const dataset = await loadDataset(data, [784], { seed: train.seed });
    return { encoder, decoder, optimizer, dataset };
}

function dispose(run: Run): void {
    run.encoder.dispose();
    run.decoder.dispose();
    run.optimizer.dispose();
}

/** The VAE's loss; its noise depends only on (seed, step). */
function program(run: Run): TrainingProgram {
    return {
        parameters: run.optimizer.parameters,
        loss(batch, step) {
            const x = asInputs(batch, 'x')['x']!;
            const h = run.encoder.apply(x);
            const mean = tf.slice(h, [0, 0], [-1, LATENT]);
            const logvar = tf.slice(h, [0, LATENT], [-1, LATENT]);
            const eps = tf.randomNormal(mean.shape, 0, 1, 'float32', deriveSeed(train.seed, step, 'eps'));
            const z = tf.add(mean, tf.mul(tf.exp(tf.mul(logvar, 0.5)), eps));
            const logits = run.decoder.apply(z);
            // log p(x|z) = Σ x·l − softplus(l);  KL = −½ Σ (1 + log σ² − μ² − σ²)
            const rec = tf.mean(tf.sum(tf.sub(tf.mul(x, logits), tf.softplus(logits)), 1)) as tf.Scalar;
            const kl = tf.mean(tf.mul(-0.5, tf.sum(tf.sub(tf.sub(tf.add(1, logvar), tf.square(mean)), tf.exp(logvar)), 1))) as tf.Scalar;
            return { loss: tf.sub(kl, rec) as tf.Scalar, terms: { reconstruction: rec, 'kl(z)': kl } };
        },
    };
}

/** Step `step` of the run: its batch and its noise depend only on (seed, step). */
async function step(run: Run, step: number): Promise<number> {
    const perEpoch = run.dataset.batchesPerEpoch(train.batch);
    const batch = run.dataset.batch(Math.floor(step / perEpoch), step % perEpoch, train.batch);
    try {
        return (await trainStep(program(run), run.optimizer, train, batch, step)).loss;
    } finally {
        batch.dispose();
    }
}

beforeAll(async () => {
    await selectBackend('wasm');
});

describe('training steps on wasm', () => {
    it('leak no tensors: the count is flat over steps, and the loss goes down', async () => {
        const run = await setUp();
        const losses = [await step(run, 0), await step(run, 1)];
        const count = tf.memory().numTensors;
        for (let s = 2; s < 40; s++) {
            losses.push(await step(run, s));
            expect(tf.memory().numTensors).toBe(count);
        }
        // Nats per image: ~543 at the start (784 · ln 2), well below after 40 steps.
        expect(losses[0]).toBeGreaterThan(450);
        expect(losses[39]).toBeLessThan(losses[0] - 100);
        dispose(run);
    });

    it('resume from a checkpoint reproduces the uninterrupted losses exactly', async () => {
        const uninterrupted = await setUp();
        const expected: number[] = [];
        for (let s = 0; s < 12; s++) expected.push(await step(uninterrupted, s));
        dispose(uninterrupted);

        const first = await setUp();
        const losses: number[] = [];
        for (let s = 0; s < 7; s++) losses.push(await step(first, s));
        const hash = sourceHash('model VAE { … }');
        await saveCheckpoint(
            dir,
            await snapshotAsync({ model: 'VAE', sourceHash: hash, step: 7, epoch: 0, seed: train.seed, parameters: first.optimizer.parameters, optimizer: first.optimizer }),
        );
        dispose(first);

        const resumed = await setUp();
        const ckpt = await loadCheckpoint(dir);
        expect(() => restore(ckpt, { parameters: resumed.optimizer.parameters, sourceHash: sourceHash('model VAE { changed }') })).toThrow(/source changed/);
        restore(ckpt, { parameters: resumed.optimizer.parameters, optimizer: resumed.optimizer, sourceHash: hash });
        expect(resumed.optimizer.iterations).toBe(7);
        for (let s = ckpt.step; s < 12; s++) losses.push(await step(resumed, s));
        dispose(resumed);
        expect(losses).toEqual(expected);
    });
});
