import { findFamily, parameterSpec } from '../distributions/registry.js';
import { evaluate } from '../ir/expressions.js';
import type { FactorIR, IRExpr, ModelIR, SourceRange } from '../ir/types.js';
import type { Report } from './finding.js';
import { factorChain, factorName, sequenceLookup, transitionIndices } from './ir-walk.js';
import { Code } from './codes.js';

/**
 * Parameter values: scales positive, probabilities in [0, 1], schedules in (0, 1), training
 * options in their domains, and a Bernoulli likelihood only on binary data.
 */
export function checkParameters(ir: ModelIR, report: Report): void {
    for (const factor of ir.factors) {
        checkAlternatives(factor, report);
        checkScales(ir, factor, report);
        checkProbabilities(ir, factor, report);
    }
    checkSchedules(ir, report);
    checkTrainValues(ir, report);
    checkBernoulliData(ir, report);
}

/** Of each group of alternative parameters (std | var | logvar) one is given, or the group has a default. */
export function checkAlternatives(factor: FactorIR, report: Report): void {
    const family = findFamily(factor.distribution.family);
    for (const group of family?.alternatives ?? []) {
        const given = group.names.filter(n => factor.distribution.params[n]);
        const options = group.names.length > 1 ? `one of ${group.names.join(', ')}` : group.names[0]!;
        if (given.length === 0 && !group.default)
            report({
                severity: 'error',
                code: Code.MissingParameter,
                range: factor.distribution.range,
                message: `${family!.name} in ${factorName(factor)} needs ${options}`,
            });
        if (given.length > 1)
            report({
                severity: 'error',
                code: Code.ConflictingParameters,
                range: factor.distribution.params[given[1]!]!.range ?? factor.distribution.range,
                message: `${family!.name} in ${factorName(factor)} is given ${given.join(' and ')}; give only ${options}`,
            });
    }
}

/** The parameter's declared domain in its family. */
const domainOf = (factor: FactorIR, name: string) => {
    const family = findFamily(factor.distribution.family);
    return family ? parameterSpec(family, name)?.domain : undefined;
};

/** The unconstrained alternative of a positive parameter (logvar for std), to suggest instead. */
function unconstrainedAlternative(factor: FactorIR, name: string): string | undefined {
    const family = findFamily(factor.distribution.family);
    const group = family?.alternatives.find(a => a.names.includes(name));
    return group?.names.find(n => n !== name && parameterSpec(family!, n)?.domain === 'real');
}

/** A network output or a slice of one, unchanged: it can take any real value. */
function isRawNetworkOutput(expr: IRExpr): boolean {
    return expr.kind === 'network' || (expr.kind === 'slice' && expr.base.kind === 'network') || (expr.kind === 'neg' && isRawNetworkOutput(expr.operand));
}

/**
 * The values an expression takes, over the chain's transitions when it reads the chain index;
 * empty where it depends on a random variable or a network.
 */
function valuesOf(ir: ModelIR, factor: FactorIR, expr: IRExpr): Array<{ value: number; t?: number }> {
    const sequenceAt = sequenceLookup(ir);
    const chain = factorChain(ir, factor);
    if (chain) {
        return transitionIndices(chain)
            .map(t => ({ value: evaluate(expr, { indices: { [chain.index]: t }, sequenceAt }), t }))
            .filter(v => Number.isFinite(v.value));
    }
    const value = evaluate(expr, { sequenceAt });
    return Number.isFinite(value) ? [{ value }] : [];
}

/** std, var and scale are positive: a raw network output is not, a negative number is wrong. */
export function checkScales(ir: ModelIR, factor: FactorIR, report: Report): void {
    for (const [name, expr] of Object.entries(factor.distribution.params)) {
        if (domainOf(factor, name) !== 'positive') continue;
        const range = expr.range ?? factor.range;
        if (isRawNetworkOutput(expr)) {
            const alternative = unconstrainedAlternative(factor, name);
            report({
                severity: 'error',
                code: Code.RawScale,
                range,
                message: `${name} of ${factorName(factor)} is a raw network output, which can be negative (its log is then undefined and training fails); wrap it as softplus(…) or exp(…)${alternative ? `, or give ${alternative}: instead` : ''}`,
                data: { parameter: name, ...(alternative ? { alternative, alternativeDoc: parameterSpec(findFamily(factor.distribution.family)!, alternative)!.doc } : {}) },
            });
            continue;
        }
        const values = valuesOf(ir, factor, expr);
        // A variance that is 0 at one boundary step (β̃₁ = 0) is clipped by the runtime as in Ho et al.'s code.
        const bad = values.find(v => v.value < 0 || (v.value === 0 && v.t === undefined));
        if (bad)
            report({
                severity: 'error',
                code: Code.ScaleNotPositive,
                range,
                message: `${name} of ${factorName(factor)} is ${Number(bad.value.toPrecision(6))}${bad.t !== undefined ? ` at t = ${bad.t}` : ''}; ${name === 'var' ? 'a variance' : name === 'std' || name === 'scale' ? 'a scale' : name} must be positive`,
            });
    }
}

/** probs lie in [0, 1]; a raw network output does not, logits: or sigmoid(…) make it so. */
export function checkProbabilities(ir: ModelIR, factor: FactorIR, report: Report): void {
    for (const [name, probs] of Object.entries(factor.distribution.params)) {
        if (domainOf(factor, name) === 'probability') checkProbability(ir, factor, probs, report);
    }
}

function checkProbability(ir: ModelIR, factor: FactorIR, probs: IRExpr, report: Report): void {
    const range = probs.range ?? factor.range;
    if (isRawNetworkOutput(probs)) {
        report({
            severity: 'error',
            code: Code.RawProbs,
            range,
            message: `probs of ${factorName(factor)} is a raw network output, which is not confined to [0, 1] (its log is then undefined and training fails); give logits: instead, or wrap it as sigmoid(…)`,
        });
        return;
    }
    const bad = valuesOf(ir, factor, probs).find(v => v.value < 0 || v.value > 1);
    if (bad)
        report({
            severity: 'error',
            code: Code.ProbsRange,
            range,
            message: `probs of ${factorName(factor)} is ${bad.value}; a probability lies in [0, 1]`,
        });
}

/** A noise schedule's values are variances of steps: each in (0, 1). */
export function checkSchedules(ir: ModelIR, report: Report): void {
    for (const s of ir.sequences.filter(q => q.kind === 'schedule' && q.values)) {
        const i = s.values!.findIndex(v => !(v > 0 && v < 1));
        if (i < 0) continue;
        report({
            severity: 'error',
            code: Code.ScheduleRange,
            range: s.expr.range ?? s.range,
            message: `${s.name}[${(s.lower ?? 0) + i}] = ${Number(s.values![i]!.toPrecision(6))} is outside (0, 1); every value of a noise schedule must lie strictly between 0 and 1`,
        });
    }
}

type Domain = { test: (n: number) => boolean; says: string };
/** Counts beyond 2^53 cannot be counted one by one in double precision. */
const TOO_MANY = 'is more than can be counted exactly (at most 2^53)';
const positive: Domain = { test: n => n > 0, says: 'must be positive' };
const count: Domain = { test: n => Number.isInteger(n) && n >= 1, says: 'must be an integer ≥ 1' };
const nonNegative: Domain = { test: n => n >= 0, says: 'must be ≥ 0' };
const unit: Domain = { test: n => n > 0 && n < 1, says: 'must lie in (0, 1)' };
const integer: Domain = { test: n => Number.isInteger(n), says: 'must be an integer' };
const nonNegativeInteger: Domain = { test: n => Number.isInteger(n) && n >= 0, says: 'must be an integer ≥ 0' };

/**
 * The domain of each number in train, eval and sample, by option name. An option's value is the
 * block's field of the same name in camelCase, except where `FIELD` says otherwise.
 */
const DOMAINS = {
    train: {
        batch: count,
        epochs: count,
        steps: count,
        seed: integer,
        beta: nonNegative,
        kl_warmup: nonNegativeInteger,
        k: count,
        samples: count,
        lambda: nonNegative,
        ema: unit,
        clip: positive,
        lr_warmup: nonNegativeInteger,
    },
    eval: { every: count, iw: count, batch: count },
    sample: { n: count, every: count, steps: count, eta: nonNegative },
} satisfies Record<'train' | 'eval' | 'sample', Record<string, Domain>>;

const FIELD: Record<string, string> = { lambda: 'hybridWeight' };
const fieldOf = (option: string) => FIELD[option] ?? option.replace(/_(\w)/g, (_, c: string) => c.toUpperCase());

type Block = { optionRanges: Array<{ name: string; range: SourceRange }> };

/** The domains of the numbers in train, eval and sample. */
export function checkTrainValues(ir: ModelIR, report: Report): void {
    const check = (block: Block, option: string, value: number | undefined, domain: Domain, label = option) => {
        const where = block.optionRanges.find(o => o.name === option);
        if (!where || value === undefined || !Number.isFinite(value)) return;
        const tooMany = Number.isInteger(value) && Math.abs(value) > Number.MAX_SAFE_INTEGER && (domain === count || domain === integer || domain === nonNegativeInteger);
        if (domain.test(value) && !tooMany) return;
        report({ severity: 'error', code: Code.OptionRange, range: where.range, message: `${label} = ${value} ${tooMany ? TOO_MANY : domain.says}` });
    };
    const lrOption = ir.train.optionRanges.some(o => o.name === 'lr') ? 'lr' : 'optimizer';
    check(ir.train, lrOption, ir.train.optimizer.lr, positive, 'the learning rate lr');
    for (const kind of ['train', 'eval', 'sample'] as const) {
        const block = ir[kind] as unknown as Block & Record<string, number | undefined>;
        for (const [option, domain] of Object.entries(DOMAINS[kind])) check(block, option, block[fieldOf(option)] as number | undefined, domain);
    }
}

/**
 * A Bernoulli likelihood on data that is not binary: log p(x | z) = Σ x log π + (1 − x) log(1 − π)
 * is then a cross-entropy, not the log of a probability mass (Loaiza-Ganem & Cunningham 2019).
 */
export function checkBernoulliData(ir: ModelIR, report: Report): void {
    for (const factor of ir.factors.filter(f => f.kind === 'p' && findFamily(f.distribution.family)?.support === 'binary')) {
        const v = ir.variables.find(x => x.name === factor.target.name);
        if (!v || v.role !== 'observed' || v.dtype === 'binary') continue;
        const data = ir.data.find(d => d.name === v.data);
        if (!data || data.binarize !== 'none') continue;
        const [low, high] = data.valueRange;
        report({
            severity: 'warning',
            code: Code.BernoulliNonBinary,
            range: factor.distribution.range,
            message: `the ${factor.distribution.family} likelihood of ${factorName(factor)} is not a proper likelihood: '${data.name}' has values in [${low}, ${high}], not in {0, 1}; binarize the data (binarize: fixed or stochastic) or use a Normal likelihood`,
        });
    }
}
