import * as tf from '@tensorflow/tfjs';
import type { TrainIR } from '@gm/language';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../src/backend/index.js';
import { ParameterStore } from '../src/nets/index.js';
import { restore, snapshotAsync } from '../src/checkpoint/index.js';
import { Adam, clipByGlobalNorm, createOptimizer, Ema, learningRate, RmsProp, Sgd, type Optimizer } from '../src/optim/index.js';

beforeAll(async () => {
    await selectBackend('cpu');
});

function params(values: number[]) {
    const store = new ParameterStore(1, 'p');
    const v = store.create('w', [values.length], { kind: 'zeros' });
    v.assign(tf.tensor1d(values));
    return store.parameters;
}

function train(partial: Partial<TrainIR>): TrainIR {
    return { optimizer: { name: 'Adam', lr: 1e-3, options: {} }, batch: 1, seed: 1, beta: 1, k: 1, samples: 1, hybridWeight: 0.001, optionRanges: [], ...partial };
}

/** Runs `steps` updates of the quadratic loss ½ Σ a_i w_i², whose gradient is a ⊙ w. */
function run(opt: Optimizer, a: number[], steps: number, lr: number): number[] {
    const p = opt.parameters[0].variable;
    for (let s = 0; s < steps; s++) {
        tf.tidy(() => {
            const { grads } = tf.variableGrads(() => tf.mul(0.5, tf.sum(tf.mul(tf.tensor1d(a), tf.square(p)))) as tf.Scalar, [p]);
            opt.apply([grads[p.name]], lr);
        });
    }
    return Array.from(p.dataSync());
}

describe('optimizers against their update rules in double precision', () => {
    const a = [1, 3, 0.5];
    const w0 = [1, -2, 4];

    it('Adam (Kingma & Ba, Algorithm 1)', () => {
        const [b1, b2, eps, lr] = [0.9, 0.999, 1e-8, 0.05];
        const w = [...w0];
        const m = [0, 0, 0];
        const v = [0, 0, 0];
        for (let t = 1; t <= 5; t++) {
            for (let i = 0; i < 3; i++) {
                const g = a[i] * w[i];
                m[i] = b1 * m[i] + (1 - b1) * g;
                v[i] = b2 * v[i] + (1 - b2) * g * g;
                w[i] -= (lr * (m[i] / (1 - b1 ** t))) / (Math.sqrt(v[i] / (1 - b2 ** t)) + eps);
            }
        }
        const got = run(createOptimizer(train({ optimizer: { name: 'Adam', lr, options: {} } }), params(w0)), a, 5, lr);
        got.forEach((g, i) => expect(g).toBeCloseTo(w[i], 5));
    });

    it('AdamW decays the weights decoupled from the gradient', () => {
        const lr = 0.05;
        const opt = new Adam(params(w0), { beta1: 0.9, beta2: 0.999, eps: 1e-8, weightDecay: 0.1 }, true);
        // With a zero gradient (a = 0) Adam's step is 0 and only the decay remains: w ← w (1 − lr λ).
        const got = run(opt, [0, 0, 0], 3, lr);
        got.forEach((g, i) => expect(g).toBeCloseTo(w0[i] * (1 - lr * 0.1) ** 3, 5));
    });

    it('SGD with momentum (PyTorch form) and RMSProp', () => {
        const lr = 0.1;
        const mu = 0.9;
        const w = [...w0];
        const b = [0, 0, 0];
        for (let t = 1; t <= 4; t++) {
            for (let i = 0; i < 3; i++) {
                const g = a[i] * w[i];
                b[i] = t === 1 ? g : mu * b[i] + g;
                w[i] -= lr * b[i];
            }
        }
        run(new Sgd(params(w0), mu), a, 4, lr).forEach((g, i) => expect(g).toBeCloseTo(w[i], 5));

        const r = [...w0];
        const sq = [0, 0, 0];
        for (let t = 1; t <= 4; t++) {
            for (let i = 0; i < 3; i++) {
                const g = a[i] * r[i];
                sq[i] = 0.99 * sq[i] + 0.01 * g * g;
                r[i] -= (0.01 * g) / (Math.sqrt(sq[i]) + 1e-8);
            }
        }
        run(new RmsProp(params(w0), 0.99, 1e-8), a, 4, 0.01).forEach((g, i) => expect(g).toBeCloseTo(r[i], 5));
    });

    it('state saved after 3 steps and loaded into a fresh optimizer continues bit for bit', async () => {
        const first = createOptimizer(train({}), params(w0));
        run(first, a, 3, 0.01);
        const state = await first.saveStateAsync();
        const weights = Array.from(first.parameters[0].variable.dataSync());
        const uninterrupted = run(first, a, 2, 0.01);
        const second = createOptimizer(train({}), params(weights));
        second.loadState(state);
        expect(second.iterations).toBe(3);
        expect(run(second, a, 2, 0.01)).toEqual(uninterrupted);
    });
});

describe('clipping, warm-up, EMA', () => {
    it('clips by the global norm (Pascanu et al.) and leaves small gradients alone', () => {
        const g = [tf.tensor1d([3, 0]), tf.tensor1d([0, 4])]; // ‖g‖ = 5
        const { grads, norm } = clipByGlobalNorm(g, 1);
        expect(norm.dataSync()[0]).toBeCloseTo(5, 5);
        expect(Array.from(grads[0].dataSync())[0]).toBeCloseTo(0.6, 5);
        expect(Array.from(grads[1].dataSync())[1]).toBeCloseTo(0.8, 5);
        const small = clipByGlobalNorm(g, 10).grads;
        expect(Array.from(small[1].dataSync())[1]).toBeCloseTo(4, 5);
    });

    it('warms the learning rate up linearly', () => {
        const t = train({ optimizer: { name: 'Adam', lr: 2e-4, options: {} }, lrWarmup: 100 });
        expect(learningRate(t, 0)).toBeCloseTo(2e-6, 12);
        expect(learningRate(t, 49)).toBeCloseTo(1e-4, 12);
        expect(learningRate(t, 5000)).toBe(2e-4);
        expect(learningRate(train({}), 0)).toBe(1e-3);
    });

    it('EMA: θ̄ ← d θ̄ + (1 − d) θ, swapped in and back out', async () => {
        const ps = params([1, 1]);
        const ema = new Ema(ps, 0.5);
        ps[0].variable.assign(tf.tensor1d([3, 5]));
        ema.update(); // (1+3)/2, (1+5)/2
        ps[0].variable.assign(tf.tensor1d([5, 5]));
        ema.update(); // (2+5)/2, (3+5)/2
        const inside = await ema.withAveragedWeights(() => Array.from(ps[0].variable.dataSync()));
        expect(inside).toEqual([3.5, 4]);
        expect(Array.from(ps[0].variable.dataSync())).toEqual([5, 5]);
        ema.dispose();
    });

    it('EMA weights and optimizer state survive snapshot → restore into fresh objects', async () => {
        const ps = params([1, 2]);
        const opt = createOptimizer(train({}), ps);
        const ema = new Ema(ps, 0.9);
        run(opt, [1, 1], 3, 0.1);
        ema.update();
        const saved = await snapshotAsync({ model: 'M', sourceHash: 'h', step: 3, epoch: 0, seed: 1, parameters: ps, optimizer: opt, ema });
        expect(saved.weights[0]!.values).toEqual(Float32Array.from((await ps[0]!.variable.data()) as Float32Array));
        const ps2 = params([0, 0]);
        const opt2 = createOptimizer(train({}), ps2);
        const ema2 = new Ema(ps2, 0.9);
        restore(saved, { parameters: ps2, optimizer: opt2, ema: ema2, sourceHash: 'h' });
        expect(Array.from(ps2[0].variable.dataSync())).toEqual(Array.from(ps[0].variable.dataSync()));
        expect(Array.from(ema2.shadows[0].dataSync())).toEqual(Array.from(ema.shadows[0].dataSync()));
        expect(opt2.iterations).toBe(3);
        expect(run(opt2, [1, 1], 2, 0.1)).toEqual(run(opt, [1, 1], 2, 0.1));
        expect(() => restore(saved, { parameters: ps2, optimizer: new Sgd(ps2, 0) })).toThrow(/optimizer is Adam, the model's is SGD/);
    });
});
