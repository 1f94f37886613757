/**
 * The reverse chain is sampled from the model as declared: x_T from its prior p(x_T), whatever
 * that prior is; and the hybrid objective's L_vlb sees the reverse mean without its gradient.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadModel, type ModelIR } from '@gm/language';
import { deriveFromLowering, type Derivation } from '@gm/language/derivation';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../src/backend/index.js';
import { compileBound, TfjsExecutor } from '../src/compile/index.js';
import { buildNetwork, type Network } from '../src/nets/index.js';
import { sampleChain } from '../src/sample/index.js';

const dir = mkdtempSync(path.join(tmpdir(), 'gm-chain-plan-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A ten-step chain over 16 values with a small time-conditioned MLP. */
function chainModel(prior: string, objective: string): string {
    return `model Tiny {
  const T = 10
  schedule beta[t in 1..T] = linear(1e-3, 0.2)
  let alpha[t] = 1 - beta[t]
  let alphabar[t] = prod(alpha[1..t])
  data mnist = images("mnist", split: train, range: [-1, 1])
  observed x0 : Real[1, 28, 28] from mnist
  chain x[t in 0..T] starts x0
  net eps = MLP(784 -> 32 -> 784, time_embedding: 16)
  q(x[t] | x[t-1]) = Normal(sqrt(1 - beta[t]) * x[t-1], var: beta[t])
  p(x[T]) = ${prior}
  p(x[t-1] | x[t]) = Normal((x[t] - beta[t] / sqrt(1 - alphabar[t]) * eps(x[t], t)) / sqrt(alpha[t]), var: beta[t])
  train { objective: ${objective}, batch: 4, seed: 2 }
}`;
}

async function load(source: string): Promise<{ model: ModelIR; derivation: Derivation; networks: Map<string, Network> }> {
    const file = path.join(dir, `m${Math.random().toString(36).slice(2)}.gm`);
    writeFileSync(file, source);
    const { result } = await loadModel(file);
    const derived = deriveFromLowering(result);
    if (!derived.ok) throw new Error(derived.failure.reasons.map(r => r.message).join('; '));
    const networks = new Map(result.model.networks.map(n => [n.name, buildNetwork(n, 3, [1, 28, 28])]));
    return { model: result.model, derivation: derived.derivation, networks };
}

beforeAll(async () => {
    await selectBackend('wasm');
});

describe('the chain as declared', () => {
    it.each([
        ['Normal(0, 2)', 0, 2],
        ['Normal(0.5, var: 0.25)', 0.5, 0.5],
        ['Normal(0, 1)', 0, 1],
    ])('samples x_T from p(x[T]) = %s', async (prior, mean, std) => {
        const { model, derivation, networks } = await load(chainModel(prior, 'simple'));
        const out = await sampleChain(model, derivation, networks, { n: 32, sampler: 'ancestral', seed: 4, frames: 2 });
        const xT = out.trajectory[0]!;
        expect(out.trajectoryTimesteps[0]).toBe(10);
        const m = xT.reduce((a, b) => a + b, 0) / xT.length;
        const sd = Math.sqrt(xT.reduce((a, b) => a + (b - m) ** 2, 0) / xT.length);
        expect(m).toBeCloseTo(mean, 1);
        expect(sd / std).toBeGreaterThan(0.97);
        expect(sd / std).toBeLessThan(1.03);
        for (const n of networks.values()) n.dispose();
    });

    it('hybrid: L_vlb reaches the network only through σ_t², so with a fixed σ_t² it gives no gradient; vlb does', async () => {
        const gradientNorm = async (objective: string) => {
            const { model, derivation, networks } = await load(chainModel('Normal(0, 1)', objective));
            const program = compileBound(model, derivation);
            const executor = new TfjsExecutor(program, networks, 1);
            const x = tf.randomUniform([4, 1, 28, 28], -1, 1, 'float32', 5);
            const vlb = program.terms.filter(t => t.inBound);
            const params = [...networks.values()].flatMap(n => n.parameters.map(p => p.variable));
            const { grads } = tf.variableGrads(() => {
                const values = executor.evaluate({ x0: x }, 3, { training: true });
                return vlb.map(t => tf.mul(tf.mean(values[t.id]!), t.sign)).reduce((a, b) => tf.add(a, b)) as tf.Scalar;
            }, params);
            const norm = (await tf.addN(Object.values(grads).map(g => tf.sum(tf.abs(g)))).data())[0]!;
            tf.dispose([x, ...Object.values(grads)]);
            for (const n of networks.values()) n.dispose();
            return norm;
        };
        expect(await gradientNorm('hybrid')).toBe(0);
        expect(await gradientNorm('vlb')).toBeGreaterThan(0);
    });
});
