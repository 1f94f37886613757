/**
 * Evaluation on a dataset: the bound in nats per example (−ELBO), term by term, and in bits per
 * dimension; and an importance-sampled estimate of log p(x) with K samples (Burda et al. 2015:
 * log p(x) ≥ L_K, and L_K → log p(x) as K grows), compiled from the same factors as the bound.
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelIR } from '@gm/language';
import { deriveBound, type Derivation } from '@gm/language/derivation';
import { compileBound } from '../compile/compile.js';
import type { Program } from '../compile/program.js';
import { TfjsExecutor } from '../compile/tfjs-executor.js';
import type { Dataset } from '../data/dataset.js';
import { asFeed, type Feed } from '../data/feed.js';
import type { Network } from '../nets/network.js';

export interface BoundEvaluation {
    examples: number;
    /** −ELBO averaged over the examples, in nats. */
    nats: number;
    bitsPerDim: number;
    /** Each term's average value (before its sign), by id. */
    terms: Record<string, number>;
}

export interface EvaluateOptions {
    batch: number;
    /** Evaluate at most this many examples (the first ones, in stored order). */
    limit?: number;
    /** The step whose noise seeds are used (any fixed number gives a reproducible estimate). */
    step?: number;
}

/** Averages per-example values of a program's terms over a dataset, batch by batch. */
async function average(executor: TfjsExecutor, program: Program, data: Dataset | Feed, o: EvaluateOptions): Promise<{ examples: number; sums: Record<string, number> }> {
    const feed = asFeed(data, program.inputs[0].variable);
    const total = Math.min(feed.size, o.limit ?? feed.size);
    const sums: Record<string, number> = Object.fromEntries(program.terms.map(t => [t.id, 0]));
    for (let start = 0; start < total; start += o.batch) {
        const inputs = feed.slice(start, Math.min(o.batch, total - start));
        const values = tf.tidy(() => {
            const out = executor.evaluate(inputs, (o.step ?? 0) + start, { training: false });
            return Object.fromEntries(Object.entries(out).map(([id, v]) => [id, tf.sum(v)]));
        });
        tf.dispose(Object.values(inputs));
        for (const [id, v] of Object.entries(values)) {
            sums[id] += (await v.data())[0];
            v.dispose();
        }
    }
    return { examples: total, sums };
}

/** The derived bound on a dataset with the compiled program (every term, also those with weight 0). */
export async function evaluateBound(program: Program, networks: Map<string, Network>, dataset: Dataset | Feed, seed: number, o: EvaluateOptions): Promise<BoundEvaluation> {
    const executor = new TfjsExecutor(program, networks, seed);
    try {
        const { examples, sums } = await average(executor, program, dataset, o);
        const terms: Record<string, number> = {};
        let elbo = 0;
        for (const t of program.terms) {
            terms[t.id] = sums[t.id] / examples;
            if (t.inBound) elbo += t.sign * terms[t.id];
        }
        return { examples, nats: -elbo, bitsPerDim: -elbo / (program.dimensions * Math.LN2), terms };
    } finally {
        executor.dispose();
    }
}

/**
 * The K-sample importance-weighted estimate log (1/K) Σ_k p(x, z_k)/q(z_k | x), z_k ~ q: the derivation's own
 * importance-weighted bound (Burda et al. 2015) of this model with k = K, named `log p(x)`.
 */
export function compileImportanceEstimate(model: ModelIR, derivation: Derivation, k: number): Program {
    if (derivation.structure !== 'latent-variable') throw new Error(`model ${model.name}: the importance-sampled log p(x) needs declared latents`);
    const derived = deriveBound(model, { importanceSamples: k });
    if (!derived.ok) throw new Error(`model ${model.name}: no importance-weighted bound (${derived.failure.reasons.map(r => r.message).join('; ')})`);
    const iw = derived.derivation;
    return compileBound(model, { ...iw, terms: iw.terms.map(t => ({ ...t, id: 'log p(x)' })) });
}

/** −log p(x) estimated with K importance samples, averaged over the dataset, in nats (and bits/dim). */
export async function estimateNegativeLogLikelihood(
    model: ModelIR,
    derivation: Derivation,
    networks: Map<string, Network>,
    dataset: Dataset | Feed,
    seed: number,
    k: number,
    o: EvaluateOptions,
): Promise<{ k: number; examples: number; nats: number; bitsPerDim: number }> {
    const program = compileImportanceEstimate(model, derivation, k);
    const result = await evaluateBound(program, networks, dataset, seed, o);
    return { k, examples: result.examples, nats: result.nats, bitsPerDim: result.bitsPerDim };
}
