/** The reference closed-form KLs equal Monte Carlo estimates of E_q[log q − log p] (random parameters). */
import { describe, expect, test } from 'vitest';
import { klBernoulliLogits, klCategoricalLogits, klNormal } from '../../src/derivation/closed-forms.js';
import { meanSe, Rng } from './ir-eval.js';

const N = 20000;

describe('closed-form KL = Monte Carlo', () => {
    test('Normal ‖ Normal (diagonal)', () => {
        const rng = new Rng(21);
        const [mq, mp] = [rng.normals(5), rng.normals(5)];
        const [vq, vp] = [rng.normals(5).map(v => Math.exp(0.5 * v)), rng.normals(5).map(v => Math.exp(0.5 * v))];
        const log = (z: number[], m: number[], v: number[]) => z.reduce((s, zi, j) => s - 0.5 * Math.log(2 * Math.PI * v[j]!) - (zi - m[j]!) ** 2 / (2 * v[j]!), 0);
        const mc = meanSe(
            Array.from({ length: N }, () => {
                const z = mq.map((m, j) => m + Math.sqrt(vq[j]!) * rng.normal());
                return log(z, mq, vq) - log(z, mp, vp);
            }),
        );
        expect(Math.abs(klNormal(mq, vq, mp, vp) - mc.mean)).toBeLessThanOrEqual(4 * mc.se);
    });

    test('Bernoulli ‖ Bernoulli', () => {
        const rng = new Rng(22);
        const [lq, lp] = [rng.normals(6).map(v => 2 * v), rng.normals(6).map(v => 2 * v)];
        const sig = (l: number) => 1 / (1 + Math.exp(-l));
        const mc = meanSe(
            Array.from({ length: N }, () =>
                lq.reduce((s, l, j) => {
                    const z = rng.uniform() < sig(l) ? 1 : 0;
                    const pq = z ? sig(l) : 1 - sig(l),
                        pp = z ? sig(lp[j]!) : 1 - sig(lp[j]!);
                    return s + Math.log(pq) - Math.log(pp);
                }, 0),
            ),
        );
        expect(Math.abs(klBernoulliLogits(lq, lp) - mc.mean)).toBeLessThanOrEqual(4 * mc.se);
    });

    test('Categorical ‖ Categorical', () => {
        const rng = new Rng(23);
        const [lq, lp] = [rng.normals(7).map(v => 1.5 * v), rng.normals(7).map(v => 1.5 * v)];
        const probs = (l: number[]) => {
            const e = l.map(Math.exp);
            const s = e.reduce((a, b) => a + b, 0);
            return e.map(v => v / s);
        };
        const [pq, pp] = [probs(lq), probs(lp)];
        const mc = meanSe(
            Array.from({ length: N }, () => {
                let u = rng.uniform(),
                    k = 0;
                while (k < pq.length - 1 && u > pq[k]!) {
                    u -= pq[k]!;
                    k++;
                }
                return Math.log(pq[k]!) - Math.log(pp[k]!);
            }),
        );
        expect(Math.abs(klCategoricalLogits(lq, lp) - mc.mean)).toBeLessThanOrEqual(4 * mc.se);
        expect(klCategoricalLogits(lq, lq)).toBeCloseTo(0, 12);
    });
});
