import * as tf from '@tensorflow/tfjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { installFastGradients, selectBackend } from '../src/backend/index.js';
import { buildNetwork } from '../src/nets/index.js';
import { Random } from '../src/rng/index.js';
import { unet } from './fixtures.js';

function randomArray(n: number, rng: Random): Float32Array {
    const a = new Float32Array(n);
    for (let i = 0; i < n; i++) a[i] = rng.normal();
    return a;
}

/** ‖a − b‖ / ‖b‖ */
function relativeError(a: Float32Array, b: Float32Array): number {
    let num = 0;
    let den = 0;
    for (let i = 0; i < a.length; i++) {
        num += (a[i] - b[i]) ** 2;
        den += b[i] ** 2;
    }
    return Math.sqrt(num / den);
}

type Inputs = { shape: number[]; data: Float32Array }[];

/** Gradients of Σ f(inputs) ⊙ R with respect to every input, on the active backend. */
function gradients(f: (...xs: tf.Tensor[]) => tf.Tensor, inputs: Inputs, weights: Float32Array): Float32Array[] {
    return tf.tidy(() => {
        const xs = inputs.map(i => tf.tensor(i.data, i.shape));
        const g = tf.grads((...args: tf.Tensor[]) => {
            const y = f(...args);
            return tf.sum(tf.mul(y, tf.tensor(weights.subarray(0, y.size), y.shape)));
        });
        return g(xs).map(t => t.dataSync() as Float32Array);
    });
}

/** Stock gradients on cpu (the reference) against the fast gradients on wasm. */
async function compare(f: (...xs: tf.Tensor[]) => tf.Tensor, shapes: number[][], seed: number): Promise<number[]> {
    const rng = new Random(seed);
    const inputs = shapes.map(shape => ({
        shape,
        data: randomArray(
            shape.reduce((a, b) => a * b, 1),
            rng,
        ),
    }));
    const weights = randomArray(1 << 16, rng);
    await selectBackend('cpu');
    const restore = installFastGradients();
    restore();
    const reference = gradients(f, inputs, weights);
    await selectBackend('wasm'); // installs the fast gradients again
    expect(tf.getBackend()).toBe('wasm');
    const fast = gradients(f, inputs, weights);
    return fast.map((g, i) => {
        expect(g.length).toBe(reference[i].length);
        return relativeError(g, reference[i]);
    });
}

describe('fast wasm gradients against the stock cpu gradients', () => {
    beforeAll(async () => {
        await selectBackend('wasm');
    });
    afterAll(async () => {
        await selectBackend('cpu');
    });

    const matMulCases: [string, number[], number[], boolean, boolean][] = [
        ['A B', [7, 5], [5, 3], false, false],
        ['Aᵀ B', [5, 7], [5, 3], true, false],
        ['A Bᵀ', [7, 5], [3, 5], false, true],
        ['Aᵀ Bᵀ', [5, 7], [3, 5], true, true],
        ['batched A B', [2, 4, 6], [2, 6, 3], false, false],
        ['batched Aᵀ Bᵀ', [2, 6, 4], [2, 3, 6], true, true],
    ];
    for (const [name, sa, sb, ta, tb] of matMulCases) {
        it(`matMul ${name}`, async () => {
            const errors = await compare((a, b) => tf.matMul(a, b, ta, tb), [sa, sb], 11);
            for (const e of errors) expect(e).toBeLessThanOrEqual(1e-5);
        });
    }

    it('matMul in an MLP layer stack (the VAE shape, small)', async () => {
        const f = (x: tf.Tensor, w1: tf.Tensor, w2: tf.Tensor) => tf.matMul(tf.relu(tf.matMul(x, w1)), w2);
        const errors = await compare(
            f,
            [
                [16, 64],
                [64, 32],
                [32, 10],
            ],
            3,
        );
        for (const e of errors) expect(e).toBeLessThanOrEqual(1e-5);
    });

    const convCases: [string, number[], number[], 'same' | 'valid'][] = [
        ['3×3 same', [2, 8, 8, 3], [3, 3, 3, 4], 'same'],
        ['3×3 valid', [2, 7, 9, 2], [3, 3, 2, 5], 'valid'],
        ['1×1 same', [3, 5, 5, 4], [1, 1, 4, 6], 'same'],
        ['4×4 same (uneven padding)', [2, 6, 6, 2], [4, 4, 2, 3], 'same'],
        ['2×3 valid', [1, 6, 7, 3], [2, 3, 3, 2], 'valid'],
    ];
    for (const [name, sx, sw, pad] of convCases) {
        it(`conv2d ${name}`, async () => {
            const errors = await compare((x, w) => tf.conv2d(x as tf.Tensor4D, w as tf.Tensor4D, 1, pad), [sx, sw], 5);
            expect(errors).toHaveLength(2);
            for (const e of errors) expect(e).toBeLessThanOrEqual(1e-5);
        });
    }

    it('without the override, wasm cannot train a conv at all (the override is what runs above)', async () => {
        await selectBackend('wasm');
        const restore = installFastGradients();
        restore();
        try {
            const x = tf.ones([1, 4, 4, 1]) as tf.Tensor4D;
            const w = tf.ones([3, 3, 1, 1]) as tf.Tensor4D;
            expect(() => tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 1, 'same')))([x, w])).toThrow(/Conv2DBackpropFilter/);
            tf.dispose([x, w]);
        } finally {
            installFastGradients();
        }
    });

    it('stride-2 conv2d falls back to the stock gradient (cpu reference still matches on cpu)', async () => {
        await selectBackend('cpu');
        const rng = new Random(9);
        const x = tf.tensor(randomArray(2 * 8 * 8 * 2, rng), [2, 8, 8, 2]) as tf.Tensor4D;
        const w = tf.tensor(randomArray(3 * 3 * 2 * 3, rng), [3, 3, 2, 3]) as tf.Tensor4D;
        const [dx, dw] = tf.grads((a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.conv2d(a as tf.Tensor4D, b as tf.Tensor4D, 2, 'same')))([x, w]);
        expect(dx.shape).toEqual([2, 8, 8, 2]);
        expect(dw.shape).toEqual([3, 3, 2, 3]);
        tf.dispose([x, w, dx, dw]);
    });

    it('a U-Net (convs, group norm, attention, up/down sampling): loss and every gradient match', async () => {
        const ir = unet({ attention: [4] });
        await selectBackend('cpu');
        const net = buildNetwork(ir, 3, [1, 8, 8]);
        const rng = new Random(4);
        // Random weights everywhere, so that no branch starts at (nearly) zero.
        for (const p of net.parameters)
            p.variable.assign(
                tf.tensor(
                    randomArray(p.variable.size, rng).map(v => v * 0.2),
                    p.variable.shape,
                ),
            );
        const x = randomArray(2 * 64, rng);
        const run = () =>
            tf.tidy(() => {
                const { value, grads } = tf.variableGrads(() => tf.mean(tf.square(net.apply(tf.tensor(x, [2, 1, 8, 8]), tf.tensor1d([5, 600])))) as tf.Scalar, net.variables);
                return { loss: value.dataSync()[0], grads: net.variables.map(v => grads[v.name].dataSync() as Float32Array) };
            });
        installFastGradients()();
        const reference = run();
        await selectBackend('wasm');
        const fast = run();
        expect(Math.abs(fast.loss - reference.loss) / reference.loss).toBeLessThanOrEqual(1e-5);
        const norm = (g: Float32Array) => Math.sqrt(g.reduce((s, v) => s + v * v, 0));
        const total = Math.sqrt(reference.grads.reduce((s, g) => s + norm(g) ** 2, 0));
        fast.grads.forEach((g, i) => {
            const name = net.parameters[i].name;
            const ref = reference.grads[i];
            // The key bias's gradient is 0 in exact arithmetic (softmax ignores a per-query constant):
            // compare such vanishing gradients in absolute terms, the others relatively.
            if (norm(ref) < 1e-6 * total) expect(norm(g), name).toBeLessThan(1e-6 * total);
            else expect(relativeError(g, ref), name).toBeLessThanOrEqual(1e-5);
        });
        net.dispose();
    });
});
