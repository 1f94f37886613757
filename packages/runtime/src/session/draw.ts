import * as tf from '@tensorflow/tfjs';
import { compileBound } from '../compile/compile.js';
import { TfjsExecutor } from '../compile/tfjs-executor.js';
import type { Dataset } from '../data/index.js';
import { compilePriorSampler, compileReconstruction, sampleChain } from '../sample/index.js';
import type { ImageBatch } from '../image/index.js';
import type { PreparedModel } from './prepare.js';

export interface DrawOptions {
    n: number;
    seed: number;
    /** For chains: the model's `sample` block unless overridden. */
    sampler?: 'ancestral' | 'ddim';
    steps?: number;
    eta?: number;
    /** Frames of x_T … x_0 to keep for a trajectory strip (chains only). */
    frames?: number;
}

export interface Drawn {
    images: ImageBatch;
    trajectory?: ImageBatch[];
}

const isChain = (p: PreparedModel) => p.derivation.chains.length > 0;

/**
 * Samples from the trained generative model: ancestral sampling of p for latent-variable models
 * (the observed variable shown as its likelihood's mean), the reverse chain for diffusion models.
 */
export async function drawSamples(prepared: PreparedModel, o: DrawOptions): Promise<Drawn> {
    const { model, derivation, compiled } = prepared;
    if (isChain(prepared)) {
        const [lo, hi] = model.data.find(d => d.name === prepared.observed.data)?.valueRange ?? [-1, 1];
        const out = await sampleChain(model, derivation, compiled.networks, {
            n: o.n, seed: o.seed,
            sampler: o.sampler ?? model.sample.sampler,
            ...(o.steps ?? model.sample.steps ? { steps: o.steps ?? model.sample.steps! } : {}),
            eta: o.eta ?? model.sample.eta,
            ...(model.sample.clip ? { clip: [lo, hi] as [number, number] } : {}),
            ...(o.frames ? { frames: o.frames } : {}),
        });
        const shape = [o.n, ...out.shape.slice(1)];
        return { images: { values: out.samples, shape }, trajectory: out.trajectory.map(values => ({ values, shape })) };
    }
    const executor = new TfjsExecutor(compilePriorSampler(model), compiled.networks, o.seed);
    const values = tf.tidy(() => executor.outputs({}, 0, { batch: o.n })[prepared.observed.name]!);
    try {
        return { images: { values: await values.data(), shape: values.shape } };
    } finally {
        values.dispose();
        executor.dispose();
    }
}

/** Test images beside their reconstructions (x → q's mean → p's mean), alternating rows of inputs and outputs. */
export async function drawReconstructions(prepared: PreparedModel, test: Dataset, n: number): Promise<ImageBatch | undefined> {
    if (isChain(prepared)) return undefined;
    const { model, compiled, observed } = prepared;
    const executor = new TfjsExecutor(compileReconstruction(model), compiled.networks, 1);
    const x = test.slice(0, n);
    const pair = tf.tidy(() => {
        const y = executor.outputs({ [observed.name]: x }, 0)[observed.name]!;
        const flat = [n, -1];
        // Rows of 8: inputs, then their reconstructions.
        const rows: tf.Tensor[] = [];
        for (let r = 0; r * 8 < n; r++) {
            const count = Math.min(8, n - r * 8);
            rows.push(tf.slice(tf.reshape(x, flat), [r * 8, 0], [count, -1]), tf.slice(tf.reshape(y, flat), [r * 8, 0], [count, -1]));
        }
        return tf.concat(rows, 0);
    });
    try {
        return { values: await pair.data(), shape: [pair.shape[0]!, ...observed.shape] };
    } finally {
        tf.dispose([x, pair]);
        executor.dispose();
    }
}

/** The compiled bound with every term (also those the training objective drops). */
export function fullBoundProgram(prepared: PreparedModel) {
    return compileBound(prepared.model, prepared.derivation);
}
