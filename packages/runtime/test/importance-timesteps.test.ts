/**
 * Importance sampling of t (Nichol & Dhariwal 2021, §3.3): p_t ∝ sqrt(E[L_t²]) over the last 10 values per t,
 * uniform until every t has them; the compiled program draws t ~ p_t and weighs L_{t−1} by 1/p_t, so that
 * E_{t ~ p}[L_{t−1}/p_t] is the sum over t whatever p is.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { loadModel } from '@gm/language';
import { deriveFromLowering } from '@gm/language/derivation';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { selectBackend } from '../src/backend/index.js';
import { compileBound, TfjsExecutor } from '../src/compile/index.js';
import { buildNetwork } from '../src/nets/index.js';
import { ImportanceTimesteps } from '../src/session/importance-timesteps.js';

const dir = mkdtempSync(path.join(tmpdir(), 'gm-importance-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

beforeAll(async () => {
    await selectBackend('wasm');
});

describe('ImportanceTimesteps', () => {
    it('is uniform until every t has 10 values, then p_t ∝ sqrt(mean L_t²) mixed with 0.001 of the uniform', () => {
        const s = new ImportanceTimesteps({ from: 2, to: 4, history: 10, uniformFloor: 0.001 });
        for (let k = 0; k < 10; k++) s.update([2, 3], [1, 2]);
        expect(s.probabilities()).toBeUndefined();
        for (let k = 0; k < 12; k++) s.update([4], [k < 2 ? 100 : 4]);
        // Only the last 10 values count: t = 4 has ten 4s, the two 100s are gone.
        const p = Array.from(s.probabilities()!);
        const w = [1, 2, 4].map(x => x / 7);
        p.forEach((pt, i) => expect(pt).toBeCloseTo(w[i]! * 0.999 + 0.001 / 3, 12));
        expect(p.reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
        const restored = new ImportanceTimesteps({ from: 2, to: 4, history: 10, uniformFloor: 0.001 });
        restored.load(s.state());
        expect(Array.from(restored.probabilities()!)).toEqual(p);
    });
});

describe('the compiled importance-sampled L_{t−1}', () => {
    it('draws t ~ p_t and weighs L_{t−1} by 1/p_t', async () => {
        const file = path.join(dir, 'model.gm');
        writeFileSync(
            file,
            `model Imp {
  const T = 5
  schedule beta[t in 1..T] = linear(1e-2, 0.2)
  let alpha[t] = 1 - beta[t]
  let alphabar[t] = prod(alpha[1..t])
  data mnist = images("mnist", split: train, range: [-1, 1])
  observed x0 : Real[784] from mnist
  chain x[t in 0..T] starts x0
  net eps = MLP(784 -> 16 -> 784, time_embedding: 8)
  q(x[t] | x[t-1]) = Normal(sqrt(1 - beta[t]) * x[t-1], var: beta[t])
  p(x[T]) = Normal(0, 1)
  p(x[t-1] | x[t]) = Normal((x[t] - beta[t] / sqrt(1 - alphabar[t]) * eps(x[t], t)) / sqrt(alpha[t]), var: beta[t])
  train { objective: vlb, t_sampling: importance }
}`,
        );
        const { result } = await loadModel(file);
        const derived = deriveFromLowering(result);
        if (!derived.ok) throw new Error(derived.failure.reasons.map(r => r.message).join('; '));
        const program = compileBound(result.model, derived.derivation);
        expect(program.proposals).toHaveLength(1);
        const net = buildNetwork(result.model.networks[0]!, 1, [784]);
        const executor = new TfjsExecutor(program, new Map([['eps', net]]), 3);
        const p = [0.1, 0.2, 0.3, 0.4]; // t = 2..5
        executor.setProposal(program.proposals![0]!.name, () => p);
        const n = 2000;
        const x0 = tf.randomUniform([n, 784], -1, 1, 'float32', 1);
        const { terms } = executor.loss({ x0 }, 0);
        const [record] = executor.takeRecords();
        const t = Array.from(await record!.t.data());
        const kl = Array.from(await record!.value.data());
        const counts = [2, 3, 4, 5].map(k => t.filter(x => x === k).length / n);
        counts.forEach((c, i) => expect(Math.abs(c - p[i]!)).toBeLessThan(4 * Math.sqrt((p[i]! * (1 - p[i]!)) / n)));
        const weighted = kl.reduce((a, v, k) => a + v / p[t[k]! - 2]!, 0) / n;
        const term = (await terms['L_t-1']!.data())[0]!;
        expect(Math.abs(term - weighted)).toBeLessThanOrEqual(1e-4 * Math.abs(weighted));
        tf.dispose([x0, record!.t, record!.value, ...Object.values(terms)]);
        executor.dispose();
        net.dispose();
    });
});
