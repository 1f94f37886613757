import { familyOf, isDiscrete, isReparameterized } from '../distributions/registry.js';
import type { ModelIR } from '../ir/types.js';
import type { Report } from './finding.js';
import { factorName } from './ir-walk.js';
import { Code } from './codes.js';

/**
 * Gradient estimators and what the objective means: a discrete q cannot be reparameterized
 * (Kingma & Welling 2013 §2.4), and a KL weight β < 1 (Higgins et al. 2017) makes the objective
 * larger than the ELBO, so it no longer bounds log p(x).
 */
export function checkEstimators(ir: ModelIR, report: Report): void {
    checkDiscreteLatents(ir, report);
    checkLatentTypes(ir, report);
    checkReparameterized(ir, report);
    checkBeta(ir, report);
}

/** A discrete q-factor: the gradient uses the score-function estimator; say so. */
export function checkDiscreteLatents(ir: ModelIR, report: Report): void {
    const latent = (name: string) => ir.variables.some(v => v.name === name && v.role === 'latent');
    for (const q of ir.factors.filter(f => f.kind === 'q' && isDiscrete(f.distribution) && latent(f.target.name))) {
        report({
            severity: 'warning',
            code: Code.DiscreteLatent,
            range: q.distribution.range,
            message: `${factorName(q)} is ${q.distribution.family}: a discrete latent cannot be reparameterized, so its gradient uses the score-function (REINFORCE) estimator, which is unbiased but has high variance; use more samples (train { samples: … }) or a continuous latent`,
        });
    }
}

/** A latent's declared type agrees with its q-factor: Real with Normal/Laplace, Binary/Int with Bernoulli/Categorical. */
export function checkLatentTypes(ir: ModelIR, report: Report): void {
    for (const q of ir.factors.filter(f => f.kind === 'q')) {
        const v = ir.variables.find(x => x.name === q.target.name);
        if (!v || v.role !== 'latent') continue;
        const discrete = isDiscrete(q.distribution);
        if (discrete === (v.dtype !== 'real')) continue;
        report({
            severity: 'error',
            code: Code.LatentType,
            range: q.distribution.range,
            message: discrete
                ? `'${v.name}' is declared Real but ${factorName(q)} is ${q.distribution.family}, which draws discrete values; declare it ${familyOf(q.distribution).support === 'binary' ? 'Binary' : 'Int'} or use a continuous distribution`
                : `'${v.name}' is declared ${v.dtype === 'binary' ? 'Binary' : 'Int'} but ${factorName(q)} is ${q.distribution.family}, which draws real values; use Bernoulli or Categorical, or declare it Real`,
        });
    }
}

/** A continuous q whose draws cannot be reparameterized with the parameters as written (StudentT with a learned df). */
export function checkReparameterized(ir: ModelIR, report: Report): void {
    for (const q of ir.factors.filter(f => f.kind === 'q' && !isDiscrete(f.distribution) && !isReparameterized(f.distribution))) {
        report({
            severity: 'error',
            code: Code.NotReparameterized,
            range: q.distribution.range,
            message: `${factorName(q)} cannot be sampled by reparameterization: ${familyOf(q.distribution).whyNotReparameterized ?? `${q.distribution.family} draws are not differentiable in its parameters`}`,
        });
    }
}

/** β < 1: the weighted objective is not a lower bound on log p(x). */
export function checkBeta(ir: ModelIR, report: Report): void {
    const where = ir.train.optionRanges.find(o => o.name === 'beta');
    if (!where || !(ir.train.beta >= 0 && ir.train.beta < 1)) return;
    report({
        severity: 'warning',
        code: Code.BetaNotBound,
        range: where.range,
        message: `with beta = ${ir.train.beta} < 1 the objective E_q[log p(x|z)] − β·KL is larger than the ELBO, so it is no longer a lower bound on log p(x); use beta ≥ 1 to keep a bound`,
    });
}
