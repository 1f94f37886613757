import * as tf from '@tensorflow/tfjs';
import type { MlpIR, UNetIR } from '@gm/language';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../src/backend/index.js';
import { buildNetwork, groupCount, groupNorm, ParameterStore, subsample2x, timestepEmbedding, upsample2x, type Network } from '../src/nets/index.js';
import { Random } from '../src/rng/index.js';
import { here, unet } from './fixtures.js';

function mlp(name: string, layers: number[], extra: Partial<MlpIR> = {}): MlpIR {
    return { architecture: 'MLP', name, layers, activation: 'relu', inputSize: layers[0], outputSize: layers[layers.length - 1], range: here, ...extra };
}

const built: Network[] = [];
function build(ir: MlpIR | UNetIR, seed = 1, shape?: number[]): Network {
    const net = buildNetwork(ir, seed, shape);
    built.push(net);
    return net;
}

beforeAll(async () => {
    await selectBackend('cpu');
});
afterEach(() => {
    built.splice(0).forEach(n => n.dispose());
});

function values(net: Network, suffix: string): Float32Array {
    const p = net.parameters.find(q => q.name.endsWith(suffix));
    if (!p) throw new Error(`no parameter ${suffix}`);
    return p.variable.dataSync() as Float32Array;
}

/** Sets every parameter to U(−a, a), so that no branch starts at (nearly) zero. */
function randomize(net: Network, a: number, seed: number): void {
    const rng = new Random(seed);
    for (const p of net.parameters)
        p.variable.assign(
            tf.tensor(
                Float32Array.from({ length: p.variable.size }, () => (2 * rng.next() - 1) * a),
                p.variable.shape,
            ),
        );
}

describe('MLP', () => {
    it('computes dense layers with the activation between them and none after the last', () => {
        const net = build(mlp('f', [3, 4, 2]));
        expect(net.parameterCount).toBe(3 * 4 + 4 + 4 * 2 + 2);
        expect(net.parameters.map(p => p.name)).toEqual(['f/dense0/kernel', 'f/dense0/bias', 'f/dense1/kernel', 'f/dense1/bias']);
        const [w0, b0, w1, b1] = ['dense0/kernel', 'dense0/bias', 'dense1/kernel', 'dense1/bias'].map(s => values(net, s));
        const x = [
            [0.5, -1, 2],
            [-0.3, 0.2, -0.7],
        ];
        const y = net.apply(tf.tensor2d(x)).arraySync() as number[][];
        x.forEach((row, n) => {
            const h = [0, 1, 2, 3].map(j => Math.max(0, b0[j] + row.reduce((s, v, i) => s + v * w0[i * 4 + j], 0)));
            [0, 1].forEach(k => expect(y[n][k]).toBeCloseTo(b1[k] + h.reduce((s, v, j) => s + v * w1[j * 2 + k], 0), 5));
        });
    });

    it('initializes like PyTorch (U(−1/√fan_in, 1/√fan_in)), from the seed and the name only', () => {
        const net = build(mlp('enc', [784, 400]));
        const w = values(net, 'dense0/kernel');
        const bound = 1 / Math.sqrt(784);
        let sq = 0;
        for (const v of w) {
            expect(Math.abs(v)).toBeLessThanOrEqual(bound);
            sq += v * v;
        }
        expect(Math.sqrt(sq / w.length)).toBeCloseTo(bound / Math.sqrt(3), 4);
        expect(Array.from(values(build(mlp('enc', [784, 400])), 'dense0/kernel').subarray(0, 20))).toEqual(Array.from(w.subarray(0, 20)));
        expect(values(build(mlp('enc', [784, 400]), 2), 'dense0/kernel')[0]).not.toBe(w[0]);
        expect(values(build(mlp('dec', [784, 400])), 'dense0/kernel')[0]).not.toBe(w[0]);
    });

    it('time-conditioned: depends on t, needs t, and returns the input shape for a denoiser', () => {
        const net = build(mlp('eps', [16, 32, 32, 16], { timeEmbedding: 8, activation: 'silu' }));
        expect(net.timeConditioned).toBe(true);
        const x = tf.randomNormal([2, 1, 4, 4], 0, 1, 'float32', 3);
        const a = net.apply(x, tf.tensor1d([1, 1]));
        const b = net.apply(x, tf.tensor1d([500, 1]));
        expect(a.shape).toEqual([2, 1, 4, 4]);
        const diff = tf.abs(tf.sub(a, b)).sum(1).sum(1).sum(1).arraySync() as number[];
        expect(diff[0]).toBeGreaterThan(1e-4); // the first example's t changed
        expect(diff[1]).toBeLessThan(1e-6); // the second's did not
        expect(() => net.apply(x)).toThrow(/time-conditioned: call it as eps\(x, t\)/);
    });

    it('a denoiser has a skip path from its input, gated per dimension by t and starting at zero', () => {
        const ir = mlp('eps', [6, 12, 6], { timeEmbedding: 8, activation: 'silu' });
        const net = build(ir);
        expect(net.parameters.map(p => p.name)).toContain('eps/time/skip/kernel');
        expect(Array.from(values(net, 'time/skip/kernel')).every(v => v === 0)).toBe(true);
        const x = tf.randomNormal([3, 6], 0, 1, 'float32', 5);
        const t = tf.tensor1d([1, 50, 200]);
        const before = net.apply(x, t).arraySync() as number[][];
        // Gate bias g = (1, 2, …, 6), kernel 0: the output moves by g ⊙ x exactly.
        const gate = net.parameters.find(p => p.name === 'eps/time/skip/bias')!;
        gate.variable.assign(tf.tensor1d([1, 2, 3, 4, 5, 6]));
        const after = net.apply(x, t).arraySync() as number[][];
        const xs = x.arraySync() as number[][];
        xs.forEach((row, n) => row.forEach((v, i) => expect(after[n][i] - before[n][i]).toBeCloseTo((i + 1) * v, 5)));
        // An MLP whose output differs in size from its input (an encoder) has no such path.
        expect(build(mlp('enc', [6, 12, 4], { timeEmbedding: 8 })).parameters.some(p => p.name.includes('skip'))).toBe(false);
    });

    it('rejects inputs of the wrong size', () => {
        const net = build(mlp('g', [5, 2]));
        expect(() => net.apply(tf.zeros([3, 4]))).toThrow(/expected inputs of size 5/);
    });
});

describe('building blocks', () => {
    it('sinusoidal embedding: sin(t f_k), cos(t f_k), f_k = 10000^(−k/(h−1))', () => {
        const e = timestepEmbedding(tf.tensor1d([0, 3, 250]), 8).arraySync();
        [0, 3, 250].forEach((t, n) => {
            for (let k = 0; k < 4; k++) {
                const f = Math.pow(10000, -k / 3);
                expect(e[n][k]).toBeCloseTo(Math.sin(t * f), 4);
                expect(e[n][4 + k]).toBeCloseTo(Math.cos(t * f), 4);
            }
        });
    });

    it('group norm: every group of every example has mean 0 and variance 1 before the affine part', () => {
        const store = new ParameterStore(1, 'gn');
        expect([groupCount(128), groupCount(64), groupCount(32), groupCount(8), groupCount(6)]).toEqual([32, 16, 8, 2, 1]);
        const norm = groupNorm(store, 'n', 8);
        const norm128 = groupNorm(store, 'n128', 128);
        const x = tf.add(tf.mul(tf.randomNormal([2, 3, 3, 128], 0, 1, 'float32', 5), 4), 7);
        const y = norm128(x).reshape([2, 9, 32, 4]);
        const { mean, variance } = tf.moments(y, [1, 3]);
        for (const m of mean.dataSync()) expect(Math.abs(m)).toBeLessThan(1e-4);
        for (const v of variance.dataSync()) expect(v).toBeCloseTo(1, 3);
        expect(norm(tf.ones([1, 2, 2, 8])).shape).toEqual([1, 2, 2, 8]);
        store.parameters.forEach(p => p.variable.dispose());
    });

    it('upsampling by broadcast is nearest neighbour; conv + subsampling is a stride-2 conv with padding 1', () => {
        const x = tf.randomNormal([2, 3, 4, 5], 0, 1, 'float32', 1);
        const up = upsample2x(x).arraySync() as number[][][][];
        const xa = x.arraySync() as number[][][][];
        for (let i = 0; i < 6; i++) for (let j = 0; j < 8; j++) expect(up[1][i][j][2]).toBe(xa[1][i >> 1][j >> 1][2]);
        const img = tf.randomNormal([2, 8, 6, 3], 0, 1, 'float32', 2) as tf.Tensor4D;
        const w = tf.randomNormal([3, 3, 3, 4], 0, 1, 'float32', 3) as tf.Tensor4D;
        const ours = subsample2x(tf.conv2d(img, w, 1, 'same'));
        const strided = tf.conv2d(img, w, 2, [
            [0, 0],
            [1, 1],
            [1, 1],
            [0, 0],
        ]);
        expect(ours.shape).toEqual([2, 4, 3, 4]);
        expect(tf.max(tf.abs(tf.sub(ours, strided))).dataSync()[0]).toBeLessThan(1e-5);
        expect(() => subsample2x(tf.zeros([1, 7, 7, 1]))).toThrow(/must be even/);
    });
});

describe('U-Net', () => {
    it('maps [B, C, H, W] to [B, C, H, W] and starts as (nearly) zero, as in Ho et al.', () => {
        const net = build(unet());
        const y = net.apply(tf.randomNormal([2, 1, 8, 8], 0, 1, 'float32', 4), tf.tensor1d([3, 700]));
        expect(y.shape).toEqual([2, 1, 8, 8]);
        // Ho et al. scale the last layer of every branch by 1e-10: outputs ~1e-5 instead of ~1.
        expect(tf.max(tf.abs(y)).dataSync()[0]).toBeLessThan(1e-3);
        expect(() => net.apply(tf.zeros([1, 1, 8, 8]))).toThrow(/time-conditioned/);
    });

    it('places self-attention at the listed resolutions only', () => {
        const net = build(unet({ attention: [4] }), 1, [1, 8, 8]);
        const names = net.parameters.map(p => p.name);
        expect(names.some(n => n.startsWith('eps/down1/block0/attn/'))).toBe(true);
        expect(names.some(n => n.startsWith('eps/up1/block1/attn/'))).toBe(true);
        expect(names.some(n => n.startsWith('eps/down0/block0/attn/'))).toBe(false);
        expect(names.some(n => n.startsWith('eps/up0/'))).toBe(true);
        expect(() => build(unet({ attention: [4] }))).toThrow(/needs the input image size/);
    });

    it("has the 35.7 M parameters of Ho et al.'s CIFAR-10 model (ch 128, mults 1,2,2,2, 2 blocks, attention at 16)", () => {
        const net = build(unet({ inChannels: 3, outChannels: 3, channels: 128, mults: [1, 2, 2, 2], blocks: 2, attention: [16], timeEmbedding: 512 }), 1, [3, 32, 32]);
        expect(net.parameterCount).toBe(35_746_307);
    });

    it('every parameter receives a gradient, and the output depends on t', () => {
        const net = build(unet({ attention: [4] }), 1, [1, 8, 8]);
        randomize(net, 0.2, 9);
        const x = tf.randomNormal([2, 1, 8, 8], 0, 1, 'float32', 4);
        const t = tf.tensor1d([3, 700]);
        const a = net.apply(x, t);
        const b = net.apply(x, tf.tensor1d([4, 700]));
        const diff = tf.abs(tf.sub(a, b)).sum([1, 2, 3]).arraySync() as number[];
        expect(diff[0]).toBeGreaterThan(1e-4);
        expect(diff[1]).toBeLessThan(1e-5);
        const { grads } = tf.variableGrads(() => tf.mean(tf.square(net.apply(x, t))) as tf.Scalar, net.variables);
        for (const p of net.parameters) {
            const g = grads[p.variable.name];
            expect(g, p.name).toBeDefined();
            const norm = tf.norm(g).dataSync()[0];
            expect(Number.isFinite(norm) && norm > 0, `${p.name}: ‖grad‖ = ${norm}`).toBe(true);
        }
    });
});
