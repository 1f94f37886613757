/**
 * Kernels within the device's limits, and device errors that stop the run. A parameter read by more
 * consumers than the device has storage bindings makes backprop sum its gradients with one AddN of
 * that many inputs: chunked, it is exact; with tfjs's stock kernel planted back, Dawn rejects the
 * pipeline and the training step must fail with a message naming the kernel and `--backend wasm`.
 */
import * as tf from '@tensorflow/tfjs';
import type { TrainIR } from '@gm/language';
import { afterEach, describe, expect, it } from 'vitest';
import { stockAddN } from '../src/backend/webgpu-addn.js';
import { clearDeviceErrorForTest } from '../src/backend/webgpu-errors.js';
import { asInputs } from '../src/data/index.js';
import { createOptimizer } from '../src/optim/index.js';
import { trainStep } from '../src/session/step.js';
import { runSession } from '../src/session/session.js';
import type { TrainEvent } from '../src/train/events.js';
import type { TrainingProgram } from '../src/session/program.js';
import { webgpuOrWhyNot } from './webgpu/available.js';

const train = { optimizer: { name: 'SGD', lr: 0.1, options: {} }, batch: 1, seed: 1, beta: 1, k: 1, samples: 1, hybridWeight: 0.001, optionRanges: [] } as unknown as TrainIR;

/** loss = Σ_k mean((k+1) · w · x): dloss/dw sums `consumers` gradients with one AddN. */
function manyConsumers(consumers: number): TrainingProgram {
    const w = tf.variable(tf.ones([8]), true, `w${consumers}`);
    return {
        parameters: [{ name: 'w', variable: w }],
        loss: batch => {
            const x = asInputs(batch, 'x')['x']!;
            const parts = Array.from({ length: consumers }, (_, k) => tf.mean(tf.mul(tf.mul(w, x), k + 1)));
            return { loss: tf.addN(parts) as tf.Scalar, terms: {} };
        },
    };
}

async function bindingLimit(ctx: { skip(): void }): Promise<number | undefined> {
    const gpu = await webgpuOrWhyNot();
    if (!gpu.ok) {
        console.warn(`WebGPU cannot run on this machine: ${gpu.why}`);
        ctx.skip();
        return undefined;
    }
    return (tf.backend() as unknown as { device: GPUDeviceLike }).device.limits.maxStorageBuffersPerShaderStage;
}
interface GPUDeviceLike {
    limits: { maxStorageBuffersPerShaderStage: number };
}

describe('WebGPU kernels and device errors', () => {
    afterEach(() => {
        // Put the chunked kernel back and forget the planted error, whatever the test did.
        const current = tf.getKernel('AddN', 'webgpu');
        if (current && current === stockAddN()) {
            tf.unregisterKernel('AddN', 'webgpu');
            tf.registerKernel(savedOverride!);
        }
        clearDeviceErrorForTest();
    });
    let savedOverride: ReturnType<typeof tf.getKernel>;

    it('sums more inputs than the device binds, exactly, and a training step gets the right gradient', async ctx => {
        const limit = await bindingLimit(ctx);
        const n = 3 * limit! + 2;
        const sum = tf.addN(Array.from({ length: n }, (_, i) => tf.fill([5], i)));
        expect(Array.from(await sum.data())).toEqual(Array(5).fill((n * (n - 1)) / 2));
        const program = manyConsumers(n);
        const x = tf.fill([8], 2);
        const optimizer = createOptimizer(train, program.parameters);
        const { loss } = await trainStep(program, optimizer, train, x, 0);
        // Σ_k (k+1)·mean(2w) = 2·n(n+1)/2 with w = 1; the gradient of each w_i is that over 8, and SGD steps by 0.1 of it.
        expect(loss).toBeCloseTo(n * (n + 1), 3);
        const w = await program.parameters[0]!.variable.data();
        w.forEach(v => expect(v).toBeCloseTo(1 - (0.1 * n * (n + 1)) / 8, 4));
    }, 120_000);

    it('pads above rank 4 (the gradient of a rank-6 slice) with the right values', async ctx => {
        await bindingLimit(ctx);
        const x = tf.range(1, 1 + 2 * 3 * 2 * 2 * 2 * 2).reshape([2, 3, 2, 2, 2, 2]);
        const padded = tf.pad(
            x,
            [
                [0, 0],
                [1, 0],
                [0, 1],
                [0, 0],
                [2, 1],
                [0, 0],
            ],
            -1,
        );
        expect(padded.shape).toEqual([2, 4, 3, 2, 5, 2]);
        const values = await padded.data();
        const xs = await x.data();
        // Every entry: -1 in the padding, x's entry at the shifted index elsewhere.
        const [, A, B, C, D, E] = padded.shape as number[];
        for (let i = 0; i < values.length; i++) {
            let r = i;
            const e = r % E!;
            r = (r - e) / E!;
            const d = r % D!;
            r = (r - d) / D!;
            const c = r % C!;
            r = (r - c) / C!;
            const b = r % B!;
            r = (r - b) / B!;
            const a = r % A!;
            const n = (r - a) / A!;
            const inside = a >= 1 && b < 2 && d >= 2 && d < 4;
            const expected = inside ? xs[((((n * 3 + (a - 1)) * 2 + b) * 2 + c) * 2 + (d - 2)) * 2 + e]! : -1;
            expect(values[i], `entry ${i}`).toBe(expected);
        }
        const grad = tf.grad((t: tf.Tensor) => tf.sum(tf.slice(t, [0, 0, 0, 0, 0, 0], [2, 3, 1, 2, 1, 2])))(x);
        const g = await grad.data();
        // 1 where the slice read (axes 2 and 4 at index 0), 0 elsewhere.
        g.forEach((v, i) => expect(v, `gradient entry ${i}`).toBe(Math.floor(i / 8) % 2 === 0 && Math.floor(i / 2) % 2 === 0 ? 1 : 0));
    }, 120_000);

    it('with the stock AddN planted back, training stops at the first step with a message naming the kernel and --backend wasm', async ctx => {
        const limit = await bindingLimit(ctx);
        savedOverride = tf.getKernel('AddN', 'webgpu');
        expect(savedOverride).not.toBe(stockAddN());
        tf.unregisterKernel('AddN', 'webgpu');
        tf.registerKernel(stockAddN()!);
        const program = manyConsumers(limit! + 4);
        const optimizer = createOptimizer(train, program.parameters);
        // The training loop, as gm train runs it: it must stop at the first step, before any checkpoint.
        const events: TrainEvent[] = [];
        const dataset = { size: 4, batchesPerEpoch: () => 4, batch: () => ({ x: tf.fill([8], 2) }), slice: () => ({ x: tf.fill([1, 8], 2) }) };
        const saved: number[] = [];
        const run = runSession({
            program,
            optimizer,
            train,
            dataset,
            batch: 1,
            startStep: 0,
            totalSteps: 4,
            checkpointEvery: 1,
            signal: { stop: false },
            reporter: { emit: e => events.push(e), close: () => {} },
            checkpoints: {
                save: async step => {
                    saved.push(step);
                    return `step-${step}`;
                },
                newest: async () => undefined,
            },
        });
        await expect(run).rejects.toThrow(/^WebGPU validation error in kernel AddNPackedProgram on the webgpu backend: .*storage buffers.*Use --backend wasm\.$/s);
        expect(events.filter(e => e.event === 'progress')).toEqual([]);
        expect(saved).toEqual([]);
        // Once an error happened, nothing more runs on the device: the next read fails the same way.
        await expect(tf.scalar(1).data()).rejects.toThrow(/kernel AddNPackedProgram/);
    }, 120_000);
});
