/**
 * The three estimators of a discrete latent, numerically, on a model small enough to sum exactly: a
 * Categorical c over 3 values with p(x | c) Bernoulli. Enumeration equals the exact sum Σ_k q(k | x) f(k);
 * the score-function gradient (NVIL, with a learned baseline) is unbiased: its mean over independent draws
 * equals the finite-difference gradient of the exact bound within standard errors; the relaxed estimator
 * trains through Gumbel-softmax draws.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { deriveBound, type Derivation } from '@gm/language/derivation';
import type { DiscreteEstimatorIR, ModelIR } from '@gm/language';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { selectBackend } from '../src/backend/index.js';
import { compileBound, compileModel, type CompiledModel } from '../src/compile/index.js';
import { TfjsExecutor } from '../src/compile/tfjs-executor.js';
import { relaxedSampleFrom, sampleFrom } from '../src/compile/distributions.js';
import { newScope, outputProgram } from '../src/compile/expressions.js';
import { here, loadExample } from './fixtures.js';

const SOURCE = `
model Discrete {
  data d = images("toy.idx", binarize: fixed)
  observed x : Real[6] from d
  latent   c : Int[3]
  net enc = MLP(6 -> 3)
  net b   = MLP(6 -> 1)
  net dec = MLP(3 -> 6)
  p(c)     = Categorical(probs: 1 / 3)
  p(x | c) = Bernoulli(logits: dec(c))
  q(c | x) = Categorical(logits: enc(x))
  train { batch: 4, seed: 0, estimator: score(baseline: b(x)) }
}`;

const X = [
    [1, 0, 1, 1, 0, 0],
    [0, 0, 1, 0, 1, 1],
    [1, 1, 1, 0, 0, 0],
    [0, 1, 0, 0, 1, 0],
];

let model: ModelIR;
const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'gm-discrete-'));
beforeAll(async () => {
    await selectBackend('wasm');
    fs.writeFileSync(path.join(dir, 'discrete.gm'), SOURCE);
    model = (await loadExample(path.join(dir, 'discrete.gm'))).model;
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

function derive(estimator: DiscreteEstimatorIR): Derivation {
    const r = deriveBound({ ...model, train: { ...model.train, estimator } });
    if (!r.ok) throw new Error(r.failure.reasons.map(x => x.message).join('; '));
    return r.derivation;
}

const softmax = (l: number[]) => {
    const m = Math.max(...l);
    const e = l.map(v => Math.exp(v - m));
    const s = e.reduce((a, b) => a + b, 0);
    return e.map(v => v / s);
};
const logSigmoid = (v: number) => -Math.log1p(Math.exp(-v));

/** The bound of each example summed exactly over c, with the compiled model's own networks, in double precision. */
function exactTerms(c: CompiledModel, x: number[][]): { ell: number[]; kl: number[] } {
    const q = (c.networks.get('enc')!.apply(tf.tensor2d(x)).arraySync() as number[][]).map(softmax);
    const eye = [0, 1, 2].map(k => [0, 1, 2].map(j => (j === k ? 1 : 0)));
    const logits = c.networks.get('dec')!.apply(tf.tensor2d(eye)).arraySync() as number[][];
    const ll = x.map(xn => logits.map(l => l.reduce((s, li, i) => s + xn[i]! * logSigmoid(li) + (1 - xn[i]!) * logSigmoid(-li), 0)));
    return {
        ell: q.map((qn, n) => qn.reduce((s, qk, k) => s + qk * ll[n]![k]!, 0)),
        kl: q.map(qn => qn.reduce((s, qk) => s + qk * Math.log(3 * qk), 0)),
    };
}

describe('enumeration', () => {
    test('the program sums over the 3 values exactly: ell(x) = Σ_k q(k | x) log p(x | k), kl(c) in closed form', () => {
        const c = compileModel(model, derive({ kind: 'enumerate' }), 1, { terms: 'all' });
        try {
            expect(c.program.instructions.filter(i => i.op === 'enumerate').length).toBe(1);
            const out = tf.tidy(() => {
                const r = c.executor.evaluate({ x: tf.tensor2d(X) }, 0);
                return { ell: Array.from(r['ell(x)']!.dataSync()), kl: Array.from(r['kl(c)']!.dataSync()) };
            });
            const exact = exactTerms(c, X);
            out.ell.forEach((v, n) => expect(v).toBeCloseTo(exact.ell[n]!, 4));
            out.kl.forEach((v, n) => expect(v).toBeCloseTo(exact.kl[n]!, 5));
            // The same at any step: nothing is sampled.
            const again = tf.tidy(() => Array.from(c.executor.evaluate({ x: tf.tensor2d(X) }, 7)['ell(x)']!.dataSync()));
            expect(again).toEqual(out.ell);
        } finally {
            c.dispose();
        }
    });

    test('the GMM-VAE enumerates the 10 values of c without replicating the batch (only what reads c sees them)', async () => {
        const { model: gmm, derivation } = await loadExample('gmm-vae.gm');
        const c = compileModel(gmm, derivation, 1, { terms: 'all' });
        try {
            const builder = c.program.instructions;
            expect(builder.filter(i => i.op === 'enumerate').map(i => (i as { combinations: number }).combinations)).toEqual([10]);
            expect(c.program.replicas).toBe(1);
            const x = tf.randomUniform([3, 784], 0, 1, 'float32', 2).greater(0.5).asType('float32');
            const terms = tf.tidy(() => Object.fromEntries(Object.entries(c.executor.evaluate({ x }, 0)).map(([k, v]) => [k, Array.from(v.dataSync())])));
            expect(Object.keys(terms).sort()).toEqual(['ell(x)', 'kl(c)', 'kl(z)']);
            for (const v of Object.values(terms)) expect(v.length === 3 && v.every(Number.isFinite)).toBe(true);
            x.dispose();
        } finally {
            c.dispose();
        }
    });
});

describe('the score-function estimator (NVIL)', () => {
    test('its gradient is unbiased: the mean over draws equals the finite-difference gradient of the exact bound', () => {
        const c = compileModel(model, derive(model.train.estimator!), 1);
        const exact = new TfjsExecutor(compileBound(model, derive({ kind: 'enumerate' }), { terms: 'loss' }), c.networks, 1);
        const x = tf.tensor2d(X);
        const enc = c.parameters.filter(p => p.name.startsWith('enc/'));
        try {
            expect(c.program.terms.map(t => t.id).sort()).toEqual(['baseline(c)', 'ell(x)', 'kl(c)', 'score(c)']);
            // Value 0 by construction: the loss is −ELBO at the sampled c.
            const { loss, ell, kl } = tf.tidy(() => {
                const r = c.loss(x, 3);
                return { loss: r.loss.dataSync()[0]!, ell: r.terms['ell(x)']!.dataSync()[0]!, kl: r.terms['kl(c)']!.dataSync()[0]! };
            });
            expect(loss).toBeCloseTo(kl - ell, 4);
            // Finite differences of the exact −ELBO (batch mean) in every encoder parameter.
            const exactLoss = () => tf.tidy(() => exact.loss({ x }, 0).loss.dataSync()[0]!);
            const h = 1e-2;
            const fd: number[] = [];
            for (const p of enc) {
                const base = p.variable.dataSync().slice();
                for (let j = 0; j < base.length; j++) {
                    const at = (d: number) => {
                        const v = base.slice();
                        v[j] = v[j]! + d;
                        p.variable.assign(tf.tensor(v, p.variable.shape));
                        return exactLoss();
                    };
                    fd.push((at(h) - at(-h)) / (2 * h));
                    p.variable.assign(tf.tensor(base, p.variable.shape));
                }
            }
            // The score-function gradient at independent draws (the noise of each step is its own).
            const draws = 600;
            const grads = Array.from({ length: draws }, (_, step) =>
                tf.tidy(() => {
                    const { grads } = tf.variableGrads(
                        () => c.loss(x, step).loss,
                        enc.map(p => p.variable),
                    );
                    return enc.flatMap(p => Array.from(grads[p.variable.name]!.dataSync()));
                }),
            );
            let within = 0;
            fd.forEach((g, j) => {
                const xs = grads.map(r => r[j]!);
                const mean = xs.reduce((a, b) => a + b, 0) / draws;
                const se = Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (draws - 1) / draws);
                expect(Math.abs(mean - g), `parameter ${j}: ${mean} ± ${se} against ${g}`).toBeLessThanOrEqual(4.5 * se + 1e-3);
                if (Math.abs(mean - g) <= 2 * se + 1e-3) within++;
            });
            // About 95% of the coordinates within two standard errors, not just within the wider bound.
            expect(within / fd.length).toBeGreaterThan(0.8);
            // The gradient is not zero: the test can tell a missing surrogate.
            expect(Math.max(...fd.map(Math.abs))).toBeGreaterThan(0.05);
        } finally {
            x.dispose();
            exact.dispose();
            c.dispose();
        }
    }, 120_000);
});

describe('Categorical draws on TensorFlow.js (one-hot-max and log-softmax of the program builder)', () => {
    test('Gumbel-max draws are one-hot with the frequencies of softmax(logits); relaxed draws at τ = 0.01 are nearly one-hot', async () => {
        const scope = newScope({ chains: [], sequences: [] } as never);
        scope.variables.set('l', scope.builder.emit({ op: 'data', variable: 'l' }));
        const d = { family: 'Categorical', params: { logits: { kind: 'variable' as const, name: 'l' } }, range: here };
        const hard = sampleFrom(d, [3], 'c', scope);
        const soft = relaxedSampleFrom(d, [3], 'c', 0.01, scope);
        const executor = new TfjsExecutor(outputProgram(scope, [{ variable: 'l', shape: [3] }], { hard, soft }), new Map(), 1);
        const n = 20_000;
        const logits = [0.2, -1, 1.5];
        const l = tf.tile(tf.tensor2d([logits]), [n, 1]);
        const out = tf.tidy(() => executor.outputs({ l }, 0));
        const [h, r] = [(await out['hard']!.array()) as number[][], (await out['soft']!.array()) as number[][]];
        tf.dispose([l, out['hard']!, out['soft']!]);
        expect(h.every(x => x.filter(v => v === 1).length === 1 && x.filter(v => v === 0).length === 2)).toBe(true);
        softmax(logits).forEach((p, k) => {
            const freq = h.filter(x => x[k] === 1).length / n;
            expect(Math.abs(freq - p)).toBeLessThanOrEqual(5 * Math.sqrt((p * (1 - p)) / n));
        });
        // The same noise stream: the relaxed draw rounds to the hard one.
        expect(r.filter((x, i) => x.map(Math.round).join() !== h[i]!.join()).length / n).toBeLessThan(0.005);
    });
});

describe('the relaxed estimator', () => {
    test('c is a Gumbel-softmax draw on the simplex, and the gradient reaches the encoder through it', () => {
        const c = compileModel(model, derive({ kind: 'relaxed', temperature: 0.5 }), 1);
        const x = tf.tensor2d(X);
        try {
            const enc = c.parameters.filter(p => p.name.startsWith('enc/'));
            const norm = tf.tidy(() => {
                // Only ell(x) reads c: its gradient in the encoder comes through the relaxed draw alone.
                const { grads } = tf.variableGrads(
                    () => tf.neg(tf.mean(c.executor.evaluate({ x }, 0)['ell(x)']!)) as tf.Scalar,
                    enc.map(p => p.variable),
                );
                return Object.values(grads).reduce((s, g) => s + tf.sum(tf.square(g)).dataSync()[0]!, 0);
            });
            expect(norm).toBeGreaterThan(0);
        } finally {
            x.dispose();
            c.dispose();
        }
    });
});
