/**
 * One training step's numbers and a few sampling steps of an example, on the active backend, read
 * to the host: the loss, every gradient, and samples from fixed noise. Weights come from the caller
 * (the other backend's), so both sides start from the same point; batch and noise are seeded.
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { conditionsOf, loadModel, type VariableIR } from '@gm/language';
import { deriveFromLowering } from '@gm/language/derivation';
import { compileModel, imageInput, TfjsExecutor } from '../../src/compile/index.js';
import { labelTensor } from '../../src/data/index.js';
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
    const variables = c.parameters.map(p => p.variable);
    try {
        const own = weights ?? (await perturbed(variables));
        variables.forEach((v, i) => v.assign(tf.tensor(own[i]!, v.shape, 'float32')));
        const observed = model.variables.find(v => v.name === imageInput(model, c.program))!;
        const [lo, hi] = model.data.find(d => d.name === observed.data)?.valueRange ?? [0, 1];
        const rng = new Random(5);
        const size = batch * observed.shape.reduce((a, b) => a * b, 1);
        const x = tf.tensor(
            Float32Array.from({ length: size }, () => lo + (hi - lo) * rng.next()),
            [batch, ...observed.shape],
        );
        const inputs = {
            [observed.name]: x,
            ...labels(
                model.variables.filter(v => v.role === 'observed' && v.labels),
                batch,
            ),
        };
        // A step past any warm-up, so every term has its full weight.
        const { value, grads } = tf.variableGrads(() => c.loss(inputs, 100_000).loss, variables);
        const loss = (await value.data())[0]!;
        const gradValues = await Promise.all(
            variables.map(async (v, i) => ({ name: c.parameters[i]!.name, values: Float32Array.from((await grads[v.name]!.data()) as Float32Array) })),
        );
        tf.dispose([...Object.values(inputs), value, ...Object.values(grads)]);
        return { weights: own, loss, grads: gradValues, samples: await samples(model, derived.derivation, c) };
    } finally {
        c.dispose();
    }
}

/**
 * The initial weights plus N(0, 0.02²) noise from a fixed seed: layers initialized to zero (a U-Net's
 * last convolution) would otherwise hide the network from the samples and zero upstream gradients.
 */
async function perturbed(variables: tf.Variable[]): Promise<Float32Array[]> {
    const rng = new Random(17);
    return Promise.all(variables.map(async v => Float32Array.from((await v.data()) as Float32Array, w => w + 0.02 * rng.normal())));
}

/** Chains: three DDIM steps with η = 1 (fresh noise each step); latent models: ancestral samples of p. */
async function samples(model: Parameters<typeof compilePriorSampler>[0], derivation: Parameters<typeof sampleChain>[1], c: ReturnType<typeof compileModel>): Promise<Float32Array> {
    if (derivation.chains.length > 0) {
        return (await sampleChain(model, derivation, c.networks, { n: 1, seed: 9, sampler: 'ddim', steps: 3, eta: 1 })).samples;
    }
    const executor = new TfjsExecutor(compilePriorSampler(model), c.networks, 9);
    const given = labels(conditionsOf(model), 2);
    try {
        const observed = imageInput(model, c.program);
        const values = tf.tidy(() => executor.outputs(given, 0, { batch: 2 })[observed]!);
        const out = Float32Array.from((await values.data()) as Float32Array);
        values.dispose();
        return out;
    } finally {
        tf.dispose(Object.values(given));
        executor.dispose();
    }
}

/** Classes 0, 1, 2, … for label variables. */
function labels(variables: VariableIR[], n: number): Record<string, tf.Tensor> {
    return Object.fromEntries(
        variables.map(v => [
            v.name,
            labelTensor(
                Array.from({ length: n }, (_, i) => i % 10),
                v.labels!,
            ),
        ]),
    );
}

export function maxAbs(values: Float32Array): number {
    let m = 0;
    for (const v of values) m = Math.max(m, Math.abs(v));
    return m;
}

/**
 * The largest difference relative to the reference's largest magnitude, or to `floor` when that is
 * smaller: a gradient that is zero in exact arithmetic (a bias before a normalization) is float noise
 * on both backends, and is compared at the scale of the other gradients.
 */
export function relativeError(actual: Float32Array, reference: Float32Array, floor = 0): number {
    if (actual.length !== reference.length) return Infinity;
    let diff = 0;
    for (let i = 0; i < reference.length; i++) diff = Math.max(diff, Math.abs(actual[i]! - reference[i]!));
    const scale = Math.max(maxAbs(reference), floor);
    return scale === 0 ? diff : diff / scale;
}
