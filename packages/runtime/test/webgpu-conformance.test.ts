/**
 * Every example computes the same numbers on WebGPU as on wasm: one training step (loss and every
 * gradient) from the same weights, batch and noise, and samples from the same noise. On this kind of
 * machine WebGPU is Mesa's software renderer (Dawn's OpenGL ES backend), so the U-Nets use batch 1.
 * The wasm side runs first and is kept as host arrays; then the engine switches to WebGPU.
 */
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { describe, expect, it } from 'vitest';
import { selectBackend } from '../src/backend/index.js';
import { webgpuOrWhyNot } from './webgpu/available.js';
import { examples, maxAbs, oneStep, relativeError } from './webgpu/one-step.js';

/**
 * Float32 sums in another order: the loss to 1e-4; each gradient and the samples to 2e-3 of their
 * largest entry, where a gradient's scale is at least 1e-4 of the largest entry of all gradients.
 */
const LOSS_TOLERANCE = 1e-4;
const TENSOR_TOLERANCE = 2e-3;
const GRADIENT_FLOOR = 1e-4;

/** Every file in examples/, the U-Nets (Mesa renders them slowly) at batch 1. */
const cases: [file: string, batch: number][] = readdirSync(examples)
    .filter(f => f.endsWith('.gm'))
    .sort()
    .map((f): [string, number] => [f, /UNet\(/.test(readFileSync(path.join(examples, f), 'utf-8')) ? 1 : 4]);

describe('WebGPU against wasm, every example', () => {
    it.for(cases)('%s (batch %i): loss, gradients and samples agree', { timeout: 600_000 }, async ([file, batch], ctx) => {
        await selectBackend('wasm');
        const reference = await oneStep(file, batch);
        const gpu = await webgpuOrWhyNot();
        if (!gpu.ok) {
            console.warn(`WebGPU cannot run on this machine: ${gpu.why}`);
            ctx.skip();
            return;
        }
        expect(tf.getBackend()).toBe('webgpu');
        const actual = await oneStep(file, batch, reference.weights);
        const lossError = Math.abs(actual.loss - reference.loss) / Math.abs(reference.loss);
        const floor = GRADIENT_FLOOR * Math.max(...reference.grads.map(g => maxAbs(g.values)));
        const gradErrors = actual.grads.map((g, i) => relativeError(g.values, reference.grads[i]!.values, floor));
        const worst = gradErrors
            .map((e, i) => [e, actual.grads[i]!.name] as const)
            .sort((a, b) => b[0] - a[0])
            .slice(0, 3)
            .map(([e, n]) => `${n} ${e.toExponential(1)}`);
        console.log(
            `${file}: loss ${reference.loss} (relative error ${lossError.toExponential(1)}); gradients, worst of ${gradErrors.length}: ${worst.join(', ')}; samples ${relativeError(actual.samples, reference.samples).toExponential(1)}`,
        );
        expect(lossError, `loss ${actual.loss} vs ${reference.loss}`).toBeLessThan(LOSS_TOLERANCE);
        expect(actual.grads.length).toBe(reference.grads.length);
        gradErrors.forEach((e, i) => expect(e, `gradient of ${actual.grads[i]!.name}`).toBeLessThan(TENSOR_TOLERANCE));
        expect(relativeError(actual.samples, reference.samples), 'samples').toBeLessThan(TENSOR_TOLERANCE);
    });
});
