/**
 * The discretized logistic of Salimans et al. (2017, PixelCNN++, eq. 2) and Kingma et al. (2016):
 * a logistic's mass on each of `bins` evenly spaced levels of [low, high], the end bins reaching
 * ±∞ — a likelihood for 8-bit images that is a probability, not a density.
 */
import { parameterTable, type Canonical, type DistributionSpec } from './family.js';
import { logSigmoid, type TensorOps } from './ops.js';

/** Half the distance between two levels. */
const halfBin = <T>(o: TensorOps<T>, c: Canonical<T>): T => o.div(o.div(o.sub(c['high']!, c['low']!), o.sub(c['bins']!, o.constant(1))), o.constant(2));

export const discretizedLogistic: DistributionSpec = {
    name: 'DiscretizedLogistic',
    doc: "Discretized logistic (Salimans et al. 2017): a logistic with location mean and scale (or logscale), binned to `bins` levels of [low, high] (the observed data's range by default).",
    parameters: parameterTable`
        mean      positional  real                    the location μ
        scale     positional  positive                the scale s
        logscale              real                    the log-scale
        bins                  count     default=256   the number of levels (256 for 8-bit data)
        low                   real      data=low      the lowest level
        high                  real      data=high     the highest level`,
    alternatives: [{ names: ['mean'] }, { names: ['scale', 'logscale'] }, { names: ['low'] }, { names: ['high'] }],
    support: 'grid',
    reparameterized: () => false,
    reparameterization: z => `${z} is discrete (binned): not reparameterizable`,
    canonical(o, p) {
        const logScale = p.has('logscale') ? p.get('logscale') : o.log(p.get('scale'));
        return {
            mean: p.get('mean'),
            logScale,
            invScale: o.exp(o.neg(logScale)),
            bins: p.has('bins') ? p.get('bins') : o.constant(256),
            low: p.get('low'),
            high: p.get('high'),
        };
    },
    // First bin log σ(plus), last bin log(1 − σ(minus)), else log(σ(plus) − σ(minus)) floored at 1e−12.
    logDensity(o, c, x) {
        const half = halfBin(o, c);
        const centered = o.sub(x, c['mean']!);
        const plus = o.mul(o.add(centered, half), c['invScale']!);
        const minus = o.mul(o.sub(centered, half), c['invScale']!);
        const between = o.log(o.max(o.sub(o.sigmoid(plus), o.sigmoid(minus)), o.constant(1e-12)));
        const last = o.where(o.less(o.sub(c['high']!, half), x), o.neg(o.softplus(minus)), between);
        return o.where(o.less(x, o.add(c['low']!, half)), logSigmoid(o, plus), last);
    },
    sample(o, c, noise) {
        // A logistic draw μ + s (log u − log(1 − u)), moved to its level.
        const u = noise.uniform(1e-5, 1 - 1e-5);
        const y = o.add(c['mean']!, o.mul(o.exp(c['logScale']!), o.sub(o.log(u), o.log(o.sub(o.constant(1), u)))));
        return level(o, c, y);
    },
    mean: (o, c) => level(o, c, c['mean']!),
    kl: [],
    likelihoodForm: () => ({ kind: 'discretized-logistic' }),
    render(d, n, r) {
        const p = d.params;
        const scale = p['scale'] ? r(p['scale']) : p['logscale'] ? `${n === 'text' ? 'exp' : '\\exp'}(${r(p['logscale'])})` : '?';
        return `${n === 'text' ? 'DiscretizedLogistic' : '\\mathrm{DiscretizedLogistic}'}(${p['mean'] ? r(p['mean']) : '?'}, ${scale})`;
    },
};

/** The level nearest to y, inside [low, high]. */
function level<T>(o: TensorOps<T>, c: Canonical<T>, y: T): T {
    const step = o.mul(o.constant(2), halfBin(o, c));
    const inside = o.min(o.max(y, c['low']!), c['high']!);
    return o.add(c['low']!, o.mul(o.round(o.div(o.sub(inside, c['low']!), step)), step));
}
