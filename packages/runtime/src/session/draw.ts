import * as tf from '@tensorflow/tfjs';
import { familyOf } from '@gm/language';
import { TfjsExecutor } from '../compile/tfjs-executor.js';
import { asFeed, labelTensor, type Dataset, type Feed } from '../data/index.js';
import { conditionsOf, type ModelIR, type VariableIR } from '@gm/language';
import { compileDecoder, compilePriorSampler, compileReconstruction, sampleChain } from '../sample/index.js';
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
    /** For a model conditioned on labels: the class of every sample; by default one row per class. */
    classes?: number[];
}

export interface Drawn {
    images: ImageBatch;
    /** Samples per row of the grid: one row per class for a model conditioned on labels. */
    columns?: number;
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
            n: o.n,
            seed: o.seed,
            sampler: o.sampler ?? model.sample.sampler,
            ...((o.steps ?? model.sample.steps) ? { steps: o.steps ?? model.sample.steps! } : {}),
            eta: o.eta ?? model.sample.eta,
            ...(model.sample.clip ? { clip: [lo, hi] as [number, number] } : {}),
            ...(o.frames ? { frames: o.frames } : {}),
        });
        const shape = [o.n, ...out.shape.slice(1)];
        return { images: { values: out.samples, shape }, trajectory: out.trajectory.map(values => ({ values, shape })) };
    }
    const conditions = conditionsOf(model);
    // A conditional model p(x | y) with no class asked for: the n samples spread over one row per class (Sohn et al. 2015, Figure 3).
    const count = conditions.length && !o.classes ? classCount(model, conditions[0]!) : undefined;
    const perClass = count ? Math.ceil(o.n / count) : undefined;
    const classes = o.classes ?? (count && perClass ? Array.from({ length: count * perClass }, (_, i) => Math.floor(i / perClass)) : undefined);
    const n = classes?.length ?? o.n;
    const executor = new TfjsExecutor(compilePriorSampler(model), compiled.networks, o.seed);
    const inputs = classes ? Object.fromEntries(conditions.map(v => [v.name, labelTensor(classes, v.labels!)])) : {};
    const values = tf.tidy(() => executor.outputs(inputs, 0, { batch: n })[prepared.observed.name]!);
    try {
        return { images: { values: await values.data(), shape: values.shape }, ...(perClass ? { columns: perClass } : {}) };
    } finally {
        tf.dispose([values, ...Object.values(inputs)]);
        executor.dispose();
    }
}

/** The classes of a label variable: its one-hot width, or those of its dataset. */
export function classCount(model: ModelIR, v: VariableIR): number {
    if (v.labels?.classes) return v.labels.classes;
    const data = model.data.find(d => d.name === v.data);
    if (data?.dataset === 'mnist' || data?.dataset === 'fashion-mnist') return 10;
    throw new Error(`'${v.name}' holds class indices of IDX files, whose number of classes is not declared; give the class with --class k, or declare ${v.name} : Int[K]`);
}

/** Test images beside their reconstructions (x → q's mean → p's mean), alternating rows of inputs and outputs. */
export async function drawReconstructions(prepared: PreparedModel, test: Dataset | Feed, n: number): Promise<ImageBatch | undefined> {
    if (isChain(prepared)) return undefined;
    const { model, compiled, observed } = prepared;
    const executor = new TfjsExecutor(compileReconstruction(model), compiled.networks, 1);
    const inputs = asFeed(test, observed.name).slice(0, n);
    const x = inputs[observed.name]!;
    const pair = tf.tidy(() => {
        const y = executor.outputs(inputs, 0)[observed.name]!;
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
        tf.dispose([...Object.values(inputs), pair]);
        executor.dispose();
    }
}

/** Φ⁻¹(p), the standard normal quantile (Acklam's rational approximation, relative error < 1.2e-9). */
export function normalQuantile(p: number): number {
    const a = [-3.969683028665376e1, 2.209460984245205e2, -2.759285104469687e2, 1.38357751867269e2, -3.066479806614716e1, 2.506628277459239];
    const b = [-5.447609879822406e1, 1.615858368580409e2, -1.556989798598866e2, 6.680131188771972e1, -1.328068155288572e1];
    const c = [-7.784894002430293e-3, -3.223964580411365e-1, -2.400758277161838, -2.549732539343734, 4.374664141464968, 2.938163982698783];
    const d = [7.784695709041462e-3, 3.224671290700398e-1, 2.445134137142996, 3.754408661907416];
    const tail = (q: number) => (((((c[0]! * q + c[1]!) * q + c[2]!) * q + c[3]!) * q + c[4]!) * q + c[5]!) / ((((d[0]! * q + d[1]!) * q + d[2]!) * q + d[3]!) * q + 1);
    if (p < 0.02425) return tail(Math.sqrt(-2 * Math.log(p)));
    if (p > 1 - 0.02425) return -tail(Math.sqrt(-2 * Math.log(1 - p)));
    const q = p - 0.5,
        r = q * q;
    return ((((((a[0]! * r + a[1]!) * r + a[2]!) * r + a[3]!) * r + a[4]!) * r + a[5]!) * q) / (((((b[0]! * r + b[1]!) * r + b[2]!) * r + b[3]!) * r + b[4]!) * r + 1);
}

/**
 * For a model with one 2-D latent: the decoder's mean over a side × side grid of the latent space,
 * z = (Φ⁻¹(u), Φ⁻¹(v)) for u, v evenly spaced in (0, 1) (Kingma & Welling 2013, Figure 4).
 */
export async function drawLatentGrid(prepared: PreparedModel, side: number, label = 0): Promise<ImageBatch> {
    const { model, compiled, observed } = prepared;
    const latents = model.variables.filter(v => v.role === 'latent');
    const [z] = latents;
    if (isChain(prepared) || latents.length !== 1 || !z || z.shape.length !== 1 || z.shape[0] !== 2) {
        throw new Error(
            `a latent-space grid needs a model with exactly one latent of shape [2]; ${model.name} has ${latents.map(v => `${v.name} : [${v.shape.join(', ')}]`).join(', ') || 'none'}`,
        );
    }
    const grid = new Float32Array(side * side * 2);
    for (let i = 0; i < side; i++) {
        for (let j = 0; j < side; j++) {
            grid[(i * side + j) * 2] = normalQuantile((j + 0.5) / side);
            grid[(i * side + j) * 2 + 1] = normalQuantile(1 - (i + 0.5) / side);
        }
    }
    // A conditional model's grid is drawn for one class.
    const conditions = conditionsOf(model);
    const executor = new TfjsExecutor(compileDecoder(model, [z.name, ...conditions.map(v => v.name)]), compiled.networks, 1);
    const inputs: Record<string, tf.Tensor> = { [z.name]: tf.tensor2d(grid, [side * side, 2]) };
    for (const v of conditions) inputs[v.name] = labelTensor(new Array<number>(side * side).fill(label), v.labels!);
    const values = tf.tidy(() => executor.outputs(inputs, 0)[observed.name]!);
    try {
        return { values: await values.data(), shape: [side * side, ...observed.shape] };
    } finally {
        tf.dispose([...Object.values(inputs), values]);
        executor.dispose();
    }
}

/**
 * Samples with a discrete latent held at each of its values (a GMM-VAE's clusters): one row per value of
 * `name`, `perRow` samples each, the other latents drawn from their p factors given it.
 */
export async function drawPerValue(prepared: PreparedModel, name: string, perRow: number, seed: number): Promise<{ images: ImageBatch; rows: number }> {
    const { model, compiled, observed } = prepared;
    const v = model.variables.find(x => x.name === name && x.role === 'latent');
    const q = model.factors.find(f => f.kind === 'q' && f.target.name === name);
    const table = q ? familyOf(q.distribution).values?.(v?.shape ?? []) : undefined;
    if (!v || !table || table.length > 100) throw new Error(`--per-value needs a discrete latent with at most 100 values; '${name}' is not one`);
    const inputs = table.flatMap(value => Array.from({ length: perRow }, () => value));
    const executor = new TfjsExecutor(compileDecoder(model, [v.name]), compiled.networks, seed);
    const input = tf.tensor(inputs, [inputs.length, ...v.shape]);
    const values = tf.tidy(() => executor.outputs({ [v.name]: input }, 0)[observed.name]!);
    try {
        return { images: { values: await values.data(), shape: [inputs.length, ...observed.shape] }, rows: table.length };
    } finally {
        tf.dispose([input, values]);
        executor.dispose();
    }
}
