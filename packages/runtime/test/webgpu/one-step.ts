/**
 * One training step's numbers and a few sampling steps of an example, on the active backend, read
 * to the host: the loss, every gradient, and samples from fixed noise. Weights come from the caller
 * (the other backend's), so both sides start from the same point; batch and noise are seeded.
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { loadModel } from '@gm/language';
import { deriveFromLowering } from '@gm/language/derivation';
import { compileModel, TfjsExecutor } from '../../src/compile/index.js';
import { Random } from '../../src/rng/index.js';
import { compilePriorSampler, sampleChain } from '../../src/sample/index.js';

export const examples = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../examples');

export interface StepNumbers {
    weights: Float32Array[];
    loss: number;
    grads: { name: string; values: Float32Array }[];
    samples: Float32Array;
}

export async function oneStep(file: string, batch: number, weights?: Float32Array[]): Promise<StepNumbers> {
    const { result } = await loadModel(path.join(examples, file));
    const derived = deriveFromLowering(result);
    if (!derived.ok) throw new Error(`${file}: no derivation`);
    const model = result.model;
    const c = compileModel(model, derived.derivation, 11);
    const variables = c.parameters.map((p) => p.variable);
    try {
        if (weights) variables.forEach((v, i) => v.assign(tf.tensor(weights[i]!, v.shape, 'float32')));
        const own = await Promise.all(variables.map(async (v) => Float32Array.from((await v.data()) as Float32Array)));
        const observed = model.variables.find((v) => v.name === c.program.inputs[0]!.variable)!;
        const [lo, hi] = model.data.find((d) => d.name === observed.data)?.valueRange ?? [0, 1];
        const rng = new Random(5);
        const size = batch * observed.shape.reduce((a, b) => a * b, 1);
        const x = tf.tensor(Float32Array.from({ length: size }, () => lo + (hi - lo) * rng.next()), [batch, ...observed.shape]);
        // A step past any warm-up, so every term has its full weight.
        const { value, grads } = tf.variableGrads(() => c.loss(x, 100_000).loss, variables);
        const loss = (await value.data())[0]!;
        const gradValues = await Promise.all(variables.map(async (v) => ({ name: v.name, values: Float32Array.from((await grads[v.name]!.data()) as Float32Array) })));
        tf.dispose([x, value, ...Object.values(grads)]);
        return { weights: own, loss, grads: gradValues, samples: await samples(model, derived.derivation, c) };
    } finally {
        c.dispose();
    }
}

/** Chains: three DDIM steps with η = 1 (fresh noise each step); latent models: ancestral samples of p. */
async function samples(model: Parameters<typeof compilePriorSampler>[0], derivation: Parameters<typeof sampleChain>[1], c: ReturnType<typeof compileModel>): Promise<Float32Array> {
    if (derivation.chains.length > 0) {
        return (await sampleChain(model, derivation, c.networks, { n: 1, seed: 9, sampler: 'ddim', steps: 3, eta: 1 })).samples;
    }
    const executor = new TfjsExecutor(compilePriorSampler(model), c.networks, 9);
    try {
        const observed = c.program.inputs[0]!.variable;
        const values = tf.tidy(() => executor.outputs({}, 0, { batch: 2 })[observed]!);
        const out = Float32Array.from((await values.data()) as Float32Array);
        values.dispose();
        return out;
    } finally {
        executor.dispose();
    }
}

/** The largest difference relative to the reference's largest magnitude (0 when both are zero). */
export function relativeError(actual: Float32Array, reference: Float32Array): number {
    let diff = 0, scale = 0;
    for (let i = 0; i < reference.length; i++) {
        diff = Math.max(diff, Math.abs(actual[i]! - reference[i]!));
        scale = Math.max(scale, Math.abs(reference[i]!));
    }
    if (actual.length !== reference.length) return Infinity;
    return scale === 0 ? diff : diff / scale;
}
