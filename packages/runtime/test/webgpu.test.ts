/**
 * The same training on WebGPU as on wasm. On this kind of machine WebGPU runs on Mesa's software
 * rasterizer through Dawn's OpenGL ES backend (select-backend.ts). Where the optional
 * packages or any driver (libEGL, libvulkan) are missing the test is skipped with `--backend webgpu`'s
 * reason; where a driver is present and no adapter starts, it fails (webgpu/available.ts).
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { loadModel } from '@gm/language';
import { deriveFromLowering } from '@gm/language/derivation';
import { describe, expect, it } from 'vitest';
import { selectBackend } from '../src/backend/index.js';
import { snapshotAsync } from '../src/checkpoint/index.js';
import { compileModel } from '../src/compile/index.js';
import { createOptimizer } from '../src/optim/index.js';
import { Random } from '../src/rng/index.js';
import { trainStep } from '../src/session/step.js';
import { webgpuOrWhyNot } from './webgpu/available.js';

const examples = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../examples');

/** Three steps of the VAE on a fixed batch; the losses. */
async function losses(backend: 'wasm' | 'webgpu'): Promise<number[]> {
    const { result } = await loadModel(path.join(examples, 'vae.gm'));
    const derived = deriveFromLowering(result);
    if (!derived.ok) throw new Error('no derivation');
    const model = result.model;
    const c = compileModel(model, derived.derivation, 1);
    const opt = createOptimizer(model.train, c.parameters);
    const rng = new Random(3);
    const x = tf.tensor2d(
        Float32Array.from({ length: 16 * 784 }, () => (rng.next() < 0.3 ? 1 : 0)),
        [16, 784],
    );
    expect(tf.getBackend()).toBe(backend);
    const out: number[] = [];
    for (let s = 0; s < 3; s++) out.push((await trainStep(c, opt, model.train, x, s)).loss);
    // A checkpoint can be taken on every backend (WebGPU under Node has no dataSync).
    const snap = await snapshotAsync({ model: model.name, sourceHash: 'h', step: 3, epoch: 0, seed: 1, parameters: c.parameters, optimizer: opt });
    expect(snap.weights.length).toBe(8);
    expect(snap.optimizer!.iterations).toBe(3);
    x.dispose();
    opt.dispose();
    c.dispose();
    return out;
}

describe('WebGPU', () => {
    it('trains the VAE with the same losses as wasm', async ctx => {
        await selectBackend('wasm');
        const reference = await losses('wasm');
        // Fails where Mesa or a GPU driver is installed but WebGPU does not start; skipped only without them.
        const gpu = await webgpuOrWhyNot();
        if (!gpu.ok) {
            expect(gpu.why).toMatch(/^--backend webgpu: (no WebGPU in this Node|WebGPU found no GPU adapter|no Vulkan loader|the optional package)/);
            console.warn(`WebGPU cannot run on this machine: ${gpu.why}`);
            ctx.skip();
            return;
        }
        const choice = gpu.choice;
        expect(choice.reason).toMatch(/adapter: /);
        const onGpu = await losses('webgpu');
        onGpu.forEach((l, i) => expect(Math.abs(l - reference[i]) / reference[i], `step ${i}: ${l} vs ${reference[i]}`).toBeLessThan(1e-4));
        // auto never picks a software renderer (wasm is faster than Mesa's llvmpipe).
        const auto = await selectBackend('auto');
        expect(auto.kind).toBe(/llvmpipe|lavapipe|swiftshader/i.test(choice.reason) ? 'wasm' : auto.kind);
    }, 120_000);
});
