import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../src/backend/index.js';
import { benchVae } from '../src/bench/train-bench.js';

const examples = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../examples');

beforeAll(async () => {
    await selectBackend('wasm');
});

describe('the VAE benchmark harness', () => {
    it('trains the compiled and the hand-written VAE of the same size on the same batches and reports both', async () => {
        const r = await benchVae({ modelFile: path.join(examples, 'vae.gm'), batch: 32, warmup: 1, steps: 5 });
        expect(r.compiled.parameters).toBe(r.handWritten.parameters);
        expect(r.compiled.parameters).toBe(784 * 400 + 400 + 400 * 40 + 40 + 20 * 400 + 400 + 400 * 784 + 784);
        for (const b of [r.compiled, r.handWritten]) {
            expect(b.imagesPerSecond).toBeGreaterThan(0);
            // Both start near 784 · ln 2 ≈ 543 nats and learn.
            expect(b.firstLoss).toBeGreaterThan(450);
            expect(b.lastLoss).toBeLessThan(b.firstLoss);
        }
        expect(r.ratio).toBeCloseTo(r.compiled.imagesPerSecond / r.handWritten.imagesPerSecond, 10);
    });
});

describe('the diffusion benchmark harness', () => {
    it('runs the compiled and a hand-written L_simple step around the same denoiser', async () => {
        const { benchDdpm } = await import('../src/bench/train-bench.js');
        const r = await benchDdpm({ modelFile: path.join(examples, 'ddpm-mlp.gm'), batch: 16, warmup: 1, steps: 3 });
        expect(r.compiled.parameters).toBe(r.handWritten.parameters);
        for (const b of [r.compiled, r.handWritten]) {
            expect(b.imagesPerSecond).toBeGreaterThan(0);
            // L_simple starts near E[ε²] = 1.
            expect(b.firstLoss).toBeGreaterThan(0.7);
            expect(b.firstLoss).toBeLessThan(1.5);
        }
    });
});
