/** The Laplace distribution. */
import { parameterTable, type DistributionSpec } from './family.js';

export const laplace: DistributionSpec = {
    name: 'Laplace',
    doc: 'Laplace distribution with location (mean) and scale.',
    parameters: parameterTable`
        mean   positional  real      the location μ (the mean)
        scale  positional  positive  the scale b`,
    alternatives: [{ names: ['mean'] }, { names: ['scale'] }],
    support: 'real',
    reparameterized: () => true,
    reparameterization: z => `${z} = μ + b · (inverse Laplace CDF of u), u ~ Uniform(0, 1)`,
    canonical: (_o, p) => ({ mean: p.get('mean'), scale: p.get('scale') }),
    // log Laplace(x; μ, b) = −log 2b − |x − μ| / b
    logDensity: (o, c, x) => o.neg(o.add(o.log(o.mul(o.constant(2), c['scale']!)), o.div(o.abs(o.sub(x, c['mean']!)), c['scale']!))),
    sample(o, c, noise) {
        // μ − b · sign(v) · log(1 − 2|v|), v ~ Uniform(−½, ½); sign(v) = v/|v|
        const v = noise.uniform(-0.5, 0.5);
        const signV = o.div(v, o.abs(v));
        const logTerm = o.log(o.sub(o.constant(1), o.mul(o.constant(2), o.abs(v))));
        return o.sub(c['mean']!, o.mul(c['scale']!, o.mul(signV, logTerm)));
    },
    mean: (_o, c) => c['mean']!,
    // 1 + log 2b
    entropy: (o, c) => o.add(o.constant(1), o.log(o.mul(o.constant(2), c['scale']!))),
    kl: [],
    likelihoodForm: () => ({ kind: 'laplace' }),
    render: (d, _n, r) => `Laplace(${d.params['mean'] ? r(d.params['mean']) : '0'}, ${d.params['scale'] ? r(d.params['scale']) : '1'})`,
};
