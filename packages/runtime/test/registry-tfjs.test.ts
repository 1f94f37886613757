/**
 * The registry's formulas compiled into programs and run by TensorFlow.js equal the same formulas
 * in double precision, for every family and parameter form; noise programs draw what they should;
 * a stop-gradient passes values and blocks gradients.
 */
import * as tf from '@tensorflow/tfjs';
import { FAMILIES, familyOf, vectorOps, type DistributionIR, type IRExpr } from '@gm/language';
import { beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../src/backend/index.js';
import { ProgramBuilder } from '../src/compile/builder.js';
import { logDensity, sampleFrom } from '../src/compile/distributions.js';
import { newScope } from '../src/compile/expressions.js';
import { TfjsExecutor } from '../src/compile/index.js';
import type { Program } from '../src/compile/program.js';

beforeAll(async () => {
    await selectBackend('wasm');
});

const num = (value: number): IRExpr => ({ kind: 'number', value });
const range = { start: { line: 0, character: 0 }, end: { line: 0, character: 0 } };

/** One distribution per family and parameter form, with scalar parameters (Categorical: logits per category). */
const CASES: Array<{ d: DistributionIR; x: number[] }> = [
    { d: { family: 'Normal', params: { mean: num(0.3), std: num(1.7) }, range }, x: [-2, 0.1, 3.5] },
    { d: { family: 'Normal', params: { mean: num(-1), logvar: num(-0.5) }, range }, x: [-1.5, 0, 0.7] },
    { d: { family: 'Bernoulli', params: { logits: num(-1.2) }, range }, x: [0, 1, 1] },
    { d: { family: 'Bernoulli', params: { probs: num(0.3) }, range }, x: [1, 0, 0] },
    { d: { family: 'Laplace', params: { mean: num(0.5), scale: num(0.8) }, range }, x: [-1, 0.5, 2] },
    { d: { family: 'StudentT', params: { df: num(5), mean: num(0.2), scale: num(1.3) }, range }, x: [-4, 0.2, 9] },
    { d: { family: 'DiscretizedLogistic', params: { mean: num(0.1), scale: num(0.2), bins: num(16), low: num(-1), high: num(1) }, range }, x: [-1, 1 / 15, 1] },
    { d: { family: 'Categorical', params: { logits: { kind: 'variable', name: 'logits' } }, range }, x: [0, 1, 0] },
];

/** A program of one term: log p(x) summed over the example, with x (and Categorical logits) as data. */
function densityProgram(d: DistributionIR, n: number): Program {
    const scope = newScope({ chains: [], sequences: [] } as never);
    const builder = scope.builder;
    const x = builder.emit({ op: 'data', variable: 'x' });
    scope.variables.set('logits', builder.emit({ op: 'data', variable: 'logits' }));
    const value = logDensity(d, x, scope);
    return {
        model: 'M',
        inputs: [
            { variable: 'x', shape: [n] },
            { variable: 'logits', shape: [n] },
        ],
        replicas: 1,
        instructions: builder.instructions,
        batched: builder.batched,
        terms: [{ id: 'log p', value, sign: 1, inBound: true, weight: { value: 1 } }],
        networks: [],
        dimensions: n,
    };
}

describe('the registry on TensorFlow.js', () => {
    it('covers every family', () => {
        for (const f of FAMILIES)
            expect(
                CASES.some(c => c.d.family === f.name),
                f.name,
            ).toBe(true);
    });

    it.each(CASES.map(c => [c.d.family, Object.keys(c.d.params).join(', '), c] as const))(
        '%s (%s): log p(x) equals the double-precision formula',
        async (_family, _params, { d, x }) => {
            const logits = [0.2, -1, 1.5];
            const executor = new TfjsExecutor(densityProgram(d, x.length), new Map(), 1);
            const value = tf.tidy(() => executor.evaluate({ x: tf.tensor2d([x]), logits: tf.tensor2d([logits]) }, 0)['log p']!);
            const got = (await value.data())[0]!;
            value.dispose();
            const f = familyOf(d);
            const params = {
                has: (k: string) => d.params[k] !== undefined,
                get: (k: string) => (k === 'logits' && d.family === 'Categorical' ? logits : [(d.params[k] as { value: number }).value]),
            };
            const want = f.logDensity(vectorOps, f.canonical(vectorOps, params), x).reduce((a, b) => a + b, 0);
            expect(got).toBeCloseTo(want, 4);
        },
    );

    it("draws Student's t with the variance ν/(ν − 2) through the gamma noise", async () => {
        const scope = newScope({} as never);
        const builder = scope.builder;
        const z = sampleFrom({ family: 'StudentT', params: { df: num(5), mean: num(1), scale: num(2) }, range }, [1000], 'z', scope);
        const program: Program = {
            model: 'M',
            inputs: [],
            replicas: 1,
            instructions: builder.instructions,
            batched: builder.batched,
            terms: [],
            outputs: { z },
            networks: [],
            dimensions: 1000,
        };
        const draws = new TfjsExecutor(program, new Map(), 7).outputs({}, 0, { batch: 20 }).z!;
        const values = Array.from(await draws.data());
        draws.dispose();
        const mean = values.reduce((a, b) => a + b, 0) / values.length;
        const variance = values.reduce((a, b) => a + (b - mean) ** 2, 0) / values.length;
        expect(mean).toBeCloseTo(1, 1);
        // Var = σ² ν/(ν − 2) = 4 · 5/3; the sample variance of a t with 5 df is itself noisy.
        expect(variance / ((4 * 5) / 3)).toBeGreaterThan(0.85);
        expect(variance / ((4 * 5) / 3)).toBeLessThan(1.15);
    });

    it('a stop-gradient passes the value and blocks the gradient', async () => {
        const builder = new ProgramBuilder();
        const x = builder.emit({ op: 'data', variable: 'x' });
        const y = builder.sum(builder.add(builder.unary('square', x), builder.stopGradient(builder.mul(builder.constant(3), x))));
        const program: Program = {
            model: 'M',
            inputs: [{ variable: 'x', shape: [2] }],
            replicas: 1,
            instructions: builder.instructions,
            batched: builder.batched,
            terms: [{ id: 'y', value: y, sign: 1, inBound: true, weight: { value: 1 } }],
            networks: [],
            dimensions: 2,
        };
        const executor = new TfjsExecutor(program, new Map(), 1);
        const input = tf.tensor2d([[1, 2]]);
        const { value, grads } = tf.valueAndGrads((t: tf.Tensor) => tf.sum(executor.evaluate({ x: t }, 0)['y']!))([input]);
        // y = Σ x² + 3x: the value sees 3x, the gradient only 2x.
        expect((await value.data())[0]).toBeCloseTo(1 + 4 + 9, 5);
        expect(Array.from(await grads[0]!.data())).toEqual([2, 4]);
        tf.dispose([input, value, ...grads]);
    });
});
