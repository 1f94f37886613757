/** `--backend auto` takes a GPU adapter only for the models the measurements say run faster there. */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadModel } from '@gm/language';
import { describe, expect, it } from 'vitest';
import { webGpuFaster } from '../src/backend/auto-rule.js';

const examples = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../examples');

describe('auto: WebGPU or wasm by the measured rule', () => {
    it.for([
        ['vae.gm', false],
        ['vae-gaussian.gm', false],
        ['beta-vae.gm', false],
        ['hvae.gm', false],
        ['iwae.gm', false],
        ['ddpm-mlp.gm', true],
        ['ddpm.gm', true],
        ['ddpm-cosine.gm', true],
    ] as const)('%s: WebGPU faster = %s, and the reason quotes the figures', async ([file, faster]) => {
        const { result } = await loadModel(path.join(examples, file));
        const rule = webGpuFaster(result.model.networks);
        expect(rule.faster).toBe(faster);
        expect(rule.why).toMatch(/rule from measurements in BENCHMARKS\.md \(U-Net 6\.5 M: WebGPU 39 img\/s vs wasm 1\.5/);
        expect(rule.why).toMatch(faster ? /convolutional network eps|run faster on a GPU/ : /run faster on wasm/);
    });
});
