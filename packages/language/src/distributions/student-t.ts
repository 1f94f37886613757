/** Student's t distribution: heavy tails for priors and robust likelihoods. */
import { isStochastic } from '../ir/traverse.js';
import { parameterTable, type DistributionSpec } from './family.js';
import { lgamma, log1p } from './ops.js';

export const studentT: DistributionSpec = {
    name: 'StudentT',
    doc: "Student's t distribution with df degrees of freedom, location (mean) and scale; df → ∞ gives the Normal.",
    parameters: parameterTable`
        df     positional  positive             the degrees of freedom ν
        mean   positional  real      default=0  the location μ (the mean when ν > 1)
        scale  positional  positive  default=1  the scale σ`,
    alternatives: [{ names: ['df'] }],
    support: 'real',
    // The gamma draw is differentiated in μ and σ only: ν must be known before training.
    reparameterized: params => params['df'] !== undefined && !isStochastic(params['df']),
    whyNotReparameterized: 'a StudentT draw is reparameterized in its mean and scale only, so df must be a number known before training',
    reparameterization: z => `${z} = μ + σ ε √(ν / 2g), ε ~ 𝒩(0, I), g ~ Gamma(ν/2, 1)`,
    canonical: (o, p) => ({
        df: p.get('df'),
        mean: p.has('mean') ? p.get('mean') : o.constant(0),
        scale: p.has('scale') ? p.get('scale') : o.constant(1),
    }),
    // log Γ((ν+1)/2) − log Γ(ν/2) − ½ log νπ − log σ − (ν+1)/2 · log(1 + z²/ν),  z = (x − μ)/σ
    logDensity(o, c, x) {
        const nu = c['df']!,
            half = o.constant(0.5);
        const z = o.div(o.sub(x, c['mean']!), c['scale']!);
        const normalizer = o.sub(o.sub(lgamma(o, o.mul(half, o.add(nu, o.constant(1)))), lgamma(o, o.mul(half, nu))), o.mul(half, o.log(o.mul(nu, o.constant(Math.PI)))));
        const tail = o.mul(o.mul(half, o.add(nu, o.constant(1))), log1p(o, o.div(o.square(z), nu)));
        return o.sub(o.sub(normalizer, o.log(c['scale']!)), tail);
    },
    sample(o, c, noise) {
        const nu = o.known(c['df']!);
        if (nu === undefined || !(nu > 0)) throw new Error('StudentT: df must be a positive number known before training to draw samples');
        // A t variate is ε / √(χ²_ν / ν), and χ²_ν = 2 · Gamma(ν/2, 1).
        const g = noise.gamma(nu / 2);
        return o.add(c['mean']!, o.mul(c['scale']!, o.mul(noise.normal(), o.sqrt(o.div(o.constant(nu / 2), g)))));
    },
    mean: (_o, c) => c['mean']!,
    kl: [],
    likelihoodForm: () => ({ kind: 'student-t' }),
    render: (d, n, r) =>
        `${n === 'text' ? 'StudentT' : '\\mathrm{StudentT}'}(${d.params['df'] ? r(d.params['df']) : 'ν'}, ${d.params['mean'] ? r(d.params['mean']) : '0'}, ${d.params['scale'] ? r(d.params['scale']) : '1'})`,
};
