/**
 * The full variational bound of a Markov-chain model on a dataset, with every term computed
 * rather than sampled: L_T, each L_{t−1} for t = 2..T (the per-t breakdown), and L_0
 * (Ho et al. 2020, eq. 5), by default with the discretized decoder of eq. 13 for image data; in
 * nats per example and bits per dimension.
 */
import * as tf from '@tensorflow/tfjs';
import type { ModelIR } from '@gm/language';
import type { Derivation } from '@gm/language/derivation';
import { compileBound } from '../compile/compile.js';
import { TfjsExecutor } from '../compile/tfjs-executor.js';
import type { Dataset } from '../data/dataset.js';
import type { Network } from '../nets/network.js';

export interface ChainBoundEvaluation {
    examples: number;
    nats: number;
    bitsPerDim: number;
    /** Each term of the bound by id (the chain KL term summed over its t). */
    terms: Record<string, number>;
    /** L_{t−1} averaged over the examples, for each t of the chain KL term: `perT[i]` is t = from + i. */
    perT: { from: number; values: number[] };
    /** How L_0 was scored: Ho et al.'s discretized decoder (image data) or the declared continuous density. */
    decoder: 'discretized' | 'continuous';
}

export async function evaluateChainBound(
    model: ModelIR,
    derivation: Derivation,
    networks: Map<string, Network>,
    dataset: Dataset,
    seed: number,
    o: { batch: number; limit?: number; decoder?: 'discretized' | 'continuous' },
): Promise<ChainBoundEvaluation> {
    const chainTerm = derivation.terms.find(t => t.computation.kind === 'chain-kl');
    if (!chainTerm || chainTerm.computation.kind !== 'chain-kl') throw new Error(`model ${model.name} has no chain KL term`);
    const { from, to, chain } = chainTerm.computation;
    const index = model.chains.find(c => c.name === chain)!.index;
    const bounded = derivation.terms.filter(t => t.inBound);
    // Discrete data (8-bit images) is scored with the discretized decoder unless asked otherwise: a
    // density is not a probability, and bits/dim are comparable with the papers only this way.
    const discrete = derivation.terms.some(t => t.computation.kind === 'chain-decoder' && t.computation.discretized);
    const decoder = discrete && o.decoder !== 'continuous' ? 'discretized' : 'continuous';
    // The chain KL at a given t, and the other terms of the bound once.
    const perTProgram = compileBound(model, { ...derivation, terms: [chainTerm] }, { timestep: 'input' });
    const restProgram = compileBound(model, { ...derivation, terms: bounded.filter(t => t !== chainTerm) }, { timestep: 'input', decoder });
    const perT = new TfjsExecutor(perTProgram, networks, seed);
    const rest = new TfjsExecutor(restProgram, networks, seed);
    const input = perTProgram.inputs[0].variable;
    const total = Math.min(dataset.size, o.limit ?? dataset.size);
    const sums = new Float64Array(to - from + 1);
    const restSums: Record<string, number> = Object.fromEntries(restProgram.terms.map(t => [t.id, 0]));
    try {
        for (let start = 0; start < total; start += o.batch) {
            const x = dataset.slice(start, Math.min(o.batch, total - start));
            const n = x.shape[0];
            for (let t = from; t <= to; t++) {
                const s = tf.tidy(() => tf.sum(perT.evaluate({ [input]: x, [index]: tf.fill([n], t) }, t + start * (to + 1))[chainTerm.id]));
                sums[t - from] += (await s.data())[0];
                s.dispose();
            }
            const values = tf.tidy(() => Object.entries(rest.evaluate({ [input]: x, [index]: tf.fill([n], from) }, start)).map(([id, v]) => [id, tf.sum(v)] as const));
            for (const [id, v] of values) {
                restSums[id] += (await v.data())[0];
                v.dispose();
            }
            x.dispose();
        }
    } finally {
        perT.dispose();
        rest.dispose();
    }
    const values = Array.from(sums, v => v / total);
    const terms: Record<string, number> = { [chainTerm.id]: values.reduce((a, b) => a + b, 0) };
    for (const [id, v] of Object.entries(restSums)) terms[id] = v / total;
    let elbo = 0;
    for (const t of bounded) elbo += t.sign * terms[t.id];
    return { examples: total, nats: -elbo, bitsPerDim: -elbo / (derivation.dimensions * Math.LN2), terms, perT: { from, values }, decoder };
}
