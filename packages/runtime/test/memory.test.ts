/**
 * The training-memory estimate against the real thing: for example models on wasm, the estimate
 * (gradient computations on 1 and 2 examples, extrapolated; the optimizer update's own peak) is
 * compared with the peak bytes TensorFlow.js holds during a real training step of the full batch,
 * measured with tf.profile. Measured: VAE at batch 512 0.97 of the peak, TinyDDPM at 256 0.89.
 */
import * as tf from '@tensorflow/tfjs';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../src/backend/index.js';
import { compileModel } from '../src/compile/index.js';
import { createOptimizer } from '../src/optim/index.js';
import { estimateTrainingMemory, memoryProblem } from '../src/session/memory.js';
import { trainStep } from '../src/session/step.js';
import { loadExample } from './fixtures.js';

beforeAll(async () => {
    await selectBackend('wasm');
});

describe('the training-memory estimate', () => {
    for (const [example, batch] of [
        ['vae.gm', 512],
        ['ddpm-mlp.gm', 256],
    ] as const) {
        it(`is within a factor of 1.25 of the measured peak of a training step (${example}, batch ${batch})`, async () => {
            const { model, derivation } = await loadExample(example);
            const compiled = compileModel(model, derivation, 1);
            const before = tf.memory().numBytes;
            const optimizer = createOptimizer({ ...model.train, batch }, compiled.parameters);
            const stateBytes = tf.memory().numBytes - before;
            const shape = model.variables.find(v => v.name === compiled.program.inputs[0]!.variable)!.shape;
            const estimate = await estimateTrainingMemory(compiled, n => tf.zeros([n, ...shape]), batch, stateBytes, 'wasm');
            expect(estimate.parameters).toBe(compiled.parameters.reduce((n, p) => n + p.variable.size * 4, 0));
            const x = tf.randomUniform([batch, ...shape]);
            const base = tf.memory().numBytes - x.size * 4;
            const profile = await tf.profile(async () => {
                await trainStep(compiled, optimizer, { ...model.train, batch }, x, 0);
            });
            x.dispose();
            // Everything the step held at its peak, plus what was allocated before it (parameters, optimizer state).
            const measured = profile.peakBytes - base + estimate.parameters + estimate.optimizer;
            expect(estimate.total / measured).toBeGreaterThan(0.8);
            expect(estimate.total / measured).toBeLessThan(1.25);
            expect(memoryProblem(estimate, batch)).toBeUndefined();
            expect(memoryProblem({ ...estimate, available: estimate.total - 1 }, batch)).toMatch(/Use a smaller --batch \(about \d+ fits\)/);
            optimizer.dispose();
            compiled.dispose();
        }, 120_000);
    }
});
