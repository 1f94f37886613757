import { familyOf, isDiscrete, isReparameterized } from '../distributions/registry.js';
import type { IRExpr, ModelIR, SourceRange } from '../ir/types.js';
import { namesIn } from '../ir/traverse.js';
import { chooseEstimator, ENUMERATION_LIMIT, valueCount } from '../derivation/discrete.js';
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

/**
 * A discrete q-factor: say which estimator its expectations use (enumeration, score function, relaxation),
 * and refuse what cannot run: too many values to enumerate, the importance-weighted bound, a baseline that is
 * not one number per example of the observed data, or an estimator with no discrete latent to apply to.
 */
export function checkDiscreteLatents(ir: ModelIR, report: Report): void {
    const latent = (name: string) => ir.variables.find(v => v.name === name && v.role === 'latent');
    const discrete = ir.factors.filter(f => f.kind === 'q' && isDiscrete(f.distribution) && latent(f.target.name));
    const where = ir.train.optionRanges.find(o => o.name === 'estimator')?.range;
    if (!discrete.length && where && ir.chains.length === 0 && ir.variables.some(v => v.role === 'latent'))
        report({
            severity: 'warning',
            code: Code.OptionNotApplicable,
            range: where,
            message: `'estimator' chooses how discrete latents are handled, but model '${ir.name}' has none; remove it`,
        });
    for (const q of discrete) {
        const v = latent(q.target.name)!;
        const values = valueCount(q.distribution, v.shape);
        const e = chooseEstimator(ir, q, v.shape);
        const at = { range: q.distribution.range, code: Code.DiscreteLatent };
        const head = `${factorName(q)} is ${q.distribution.family}, a discrete latent that cannot be reparameterized`;
        if (ir.train.k > 1) {
            report({
                ...at,
                severity: 'error',
                message: `${head}; the importance-weighted bound (k = ${ir.train.k}) has no gradient estimator for it: remove k, and the ELBO enumerates it or uses the estimator you choose`,
            });
            continue;
        }
        if (e.kind === 'enumerate' && values > ENUMERATION_LIMIT) {
            report({
                ...at,
                severity: 'error',
                message: `${head}; enumerating it would sum over ${values} values per example (at most ${ENUMERATION_LIMIT}): use train { estimator: score(baseline: b(x)) } or relaxed(temperature: 0.5)`,
            });
            continue;
        }
        if (e.kind === 'enumerate' && !ir.train.estimator)
            report({
                ...at,
                severity: 'info',
                message: `${head}: the bound sums over its ${values} values exactly (enumeration, batched over its values); choose another with train { estimator: score(baseline: b(x)) | relaxed(temperature: 0.5) }`,
            });
        else if (e.kind === 'enumerate') continue;
        else if (e.kind === 'relaxed')
            report({
                ...at,
                severity: 'warning',
                message: `${head}: with relaxed(temperature: ${e.temperature}) it is replaced by a Gumbel-softmax draw, so the objective is not a lower bound on log p(x) (Maddison et al. 2017); use enumerate to keep a bound`,
            });
        else if (!e.baseline)
            report({
                ...at,
                severity: 'warning',
                message: `${head}: its gradient uses the score-function (REINFORCE) estimator, which is unbiased but has high variance; give a learned baseline, train { estimator: score(baseline: b(x)) } (NVIL), or enumerate it`,
            });
        else checkBaseline(ir, e.baseline, where ?? at.range, report);
    }
}

/** NVIL's baseline b(x): a network of observed variables with one output. */
function checkBaseline(ir: ModelIR, baseline: IRExpr, range: SourceRange, report: Report): void {
    const net = baseline.kind === 'network' ? ir.networks.find(n => n.name === baseline.name) : undefined;
    const reads = [...namesIn([baseline], 'variable')];
    const latent = reads.find(n => !ir.variables.some(v => v.name === n && v.role === 'observed'));
    const problem = !net
        ? 'is a call of a declared network, such as b(x)'
        : net.architecture !== 'MLP' || net.outputSize !== 1
          ? `gives one number per example: declare '${net.name}' with output width 1`
          : latent
            ? `reads only observed variables (it centres the learning signal of the latents), not '${latent}'`
            : undefined;
    if (problem) report({ severity: 'error', code: Code.OptionValue, range: baseline.range ?? range, message: `the baseline of score(…) ${problem}` });
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
