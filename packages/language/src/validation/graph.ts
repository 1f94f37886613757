import type { ChainIR, FactorIR, FactorVarIR, ModelIR, SourceRange } from '../ir/types.js';
import { lineOf, type Report } from './finding.js';
import { evaluate } from '../ir/expressions.js';
import { chainIndex, chainOf, factorChain, factorName, sequenceLookup, subExpressions, transitionIndices, variableOf, type ChainIndex } from './ir-walk.js';
import { Code, type DiagnosticCode } from './codes.js';
import { findCycles } from './cycles.js';
import { MAX_STEPS } from '../ir/schedules.js';

/**
 * The graph of the model: p is a directed acyclic graph; a Markov chain x[lower..upper] has a
 * forward process q(x[t] | x[t-1]), a reverse process p(x[t-1] | x[t]) and a prior p(x[T])
 * (Ho et al. 2020, eqs. 1–2).
 */
export function checkGraph(ir: ModelIR, report: Report): void {
    checkGenerativeAcyclic(ir, report);
    for (const chain of ir.chains) {
        checkChainDeclaration(ir, chain, report);
        if (!validRange(chain)) continue; // every index check would repeat that the range is wrong
        const misindexed = checkChainIndices(ir, chain, report);
        checkChainFactors(ir, chain, report, misindexed);
        checkLearnedForward(ir, chain, report);
        checkSequenceCoverage(ir, chain, report);
    }
}

/** p factorizes in some order: no variable depends on itself through p. */
export function checkGenerativeAcyclic(ir: ModelIR, report: Report): void {
    const ps = ir.factors.filter(f => f.kind === 'p' && !chainOf(ir, f.target.name));
    const byTarget = new Map(ps.map(f => [f.target.name, f]));
    findCycles(byTarget, (p, names) => {
        const cycle = [...names].reverse().join(' → ');
        report({
            severity: 'error',
            code: Code.PCycle,
            range: p.range,
            message: `the generative model has a cycle (${cycle}); p must be a directed acyclic graph, so one of these factors must not condition on the other`,
        });
    });
}

/** The index range is made of integers with lower < upper, and the chain starts from observed data. */
const validRange = ({ lower, upper }: ChainIR): boolean => Number.isInteger(lower) && Number.isInteger(upper) && lower >= 0 && upper > lower && upper - lower <= MAX_STEPS;

export function checkChainDeclaration(ir: ModelIR, chain: ChainIR, report: Report): void {
    const { lower, upper } = chain;
    if (Number.isInteger(lower) && Number.isInteger(upper) && lower >= 0 && upper - lower > MAX_STEPS) {
        // The derivation and the samplers go through every step.
        report({
            severity: 'error',
            code: Code.ChainRange,
            range: chain.range,
            message: `chain '${chain.name}' runs over ${upper - lower} steps; at most ${MAX_STEPS} are supported`,
        });
    } else if (!validRange(chain)) {
        report({
            severity: 'error',
            code: Code.ChainRange,
            range: chain.range,
            message: `chain '${chain.name}' runs over ${lower}..${upper}; its bounds must be integers with 0 ≤ lower < upper, so T must be a positive integer (e.g. const T = 1000)`,
        });
    }
    if (!chain.start) {
        report({
            severity: 'error',
            code: Code.ChainWithoutStart,
            range: chain.range,
            message: `chain '${chain.name}' does not start from data; write 'starts x0' with an observed variable x0 as its first element`,
        });
        return;
    }
    const start = variableOf(ir, chain.start);
    if (start && start.role !== 'observed')
        report({
            severity: 'error',
            code: Code.ChainStartLatent,
            range: chain.range,
            message: `chain '${chain.name}' starts from latent '${start.name}'; a diffusion chain starts from observed data: declare '${start.name}' observed`,
        });
}

/**
 * Every use of the chain stays in lower..upper for every transition t in lower+1..upper.
 * Returns the factors whose own target or conditioning is misindexed.
 */
export function checkChainIndices(ir: ModelIR, chain: ChainIR, report: Report): Set<FactorIR> {
    const misindexed = new Set<FactorIR>();
    const check = (index: ChainIndex, range: SourceRange, text: string): boolean => {
        if (!index) return true;
        if ('at' in index) {
            const ok = index.at >= chain.lower && index.at <= chain.upper && Number.isInteger(index.at);
            if (!ok)
                report({
                    severity: 'error',
                    code: Code.ChainIndexRange,
                    range,
                    message: `${text}: index ${index.at} is outside the chain's range ${chain.lower}..${chain.upper}`,
                });
            return ok;
        }
        // Transitions run over t = lower+1..upper, so t+k stays inside for k in [-1, 0].
        const first = chain.lower + 1 + index.offset,
            last = chain.upper + index.offset;
        const ok = first >= chain.lower && last <= chain.upper;
        if (!ok)
            report({
                severity: 'error',
                code: Code.ChainIndexRange,
                range,
                message: `${text} leaves the chain's range ${chain.lower}..${chain.upper} (at ${chain.index} = ${first < chain.lower ? chain.lower + 1 : chain.upper}); a transition relates ${chain.name}[${chain.index}-1] and ${chain.name}[${chain.index}]`,
            });
        return ok;
    };
    for (const factor of ir.factors) {
        for (const v of [factor.target, ...factor.given]) {
            if (v.name !== chain.name) continue;
            if (!v.index) {
                report({
                    severity: 'error',
                    code: Code.ChainIndexMissing,
                    range: v.range,
                    message: `'${chain.name}' is a chain; name one of its elements: ${chain.name}[${chain.index}], ${chain.name}[${chain.index}-1] or ${chain.name}[${upperText(ir, chain)}]`,
                });
                misindexed.add(factor);
                continue;
            }
            if (!check(chainIndex(v.index, chain.index), v.range, `${chain.name}[…] in ${factorName(factor)}`)) misindexed.add(factor);
        }
        for (const expr of Object.values(factor.distribution.params).flatMap(p => [...subExpressions(p)])) {
            if (expr.kind === 'variable' && expr.name === chain.name && expr.index) {
                check(chainIndex(expr.index, chain.index), expr.range ?? factor.range, `${chain.name}[…]`);
            }
        }
    }
    return misindexed;
}

type Role = 'forward' | 'reverse' | 'prior' | 'backwards-q' | 'forwards-p' | 'other';

/** What a chain factor is, from the indices of its target and conditioning. */
function chainRole(factor: FactorIR, chain: ChainIR): Role {
    const at = (v: FactorVarIR) => chainIndex(v.index, chain.index);
    const target = at(factor.target);
    const given = factor.given.filter(g => g.name === chain.name).map(at);
    const offset = (i: ChainIndex) => (i && 'offset' in i ? i.offset : undefined);
    if (given.length === 0) return target && 'at' in target && target.at === chain.upper && factor.kind === 'p' ? 'prior' : 'other';
    const [g] = given;
    const step = (offset(target) ?? NaN) - (offset(g) ?? NaN);
    if (step === 1) return factor.kind === 'q' ? 'forward' : 'forwards-p';
    if (step === -1) return factor.kind === 'p' ? 'reverse' : 'backwards-q';
    return 'other';
}

/** A chain needs its forward and reverse transitions and its terminal prior, in the right directions. */
export function checkChainFactors(ir: ModelIR, chain: ChainIR, report: Report, misindexed: ReadonlySet<FactorIR> = new Set()): void {
    const factors = ir.factors.filter(f => f.target.name === chain.name && !misindexed.has(f));
    const misindexedKinds = new Set([...misindexed].map(f => f.kind + (f.given.length ? '|' : '')));
    const roles = factors.map(f => ({ factor: f, role: chainRole(f, chain) }));
    const i = chain.index,
        x = chain.name;
    for (const { factor, role } of roles) {
        if (role === 'backwards-q')
            report({
                severity: 'error',
                code: Code.ChainDirection,
                range: factor.range,
                message: `the forward process goes from ${x}[${i}-1] to ${x}[${i}]: write q(${x}[${i}] | ${x}[${i}-1])`,
            });
        if (role === 'forwards-p')
            report({
                severity: 'error',
                code: Code.ChainDirection,
                range: factor.range,
                message: `the reverse (generative) process goes from ${x}[${i}] to ${x}[${i}-1]: write p(${x}[${i}-1] | ${x}[${i}])`,
            });
        if (role === 'other')
            report({
                severity: 'error',
                code: Code.ChainFactor,
                range: factor.range,
                message: `${factorName(factor)} is not a factor of a chain: use q(${x}[${i}] | ${x}[${i}-1]), p(${x}[${i}-1] | ${x}[${i}]) or p(${x}[${upperText(ir, chain)}])`,
            });
    }
    // A factor written in the wrong direction, or misindexed, is reported as such, not also as missing.
    const standsIn: Record<string, boolean> = {
        forward: roles.some(r => r.role === 'backwards-q') || misindexedKinds.has('q|'),
        reverse: roles.some(r => r.role === 'forwards-p') || misindexedKinds.has('p|'),
        prior: roles.some(r => r.role === 'other' && r.factor.kind === 'p' && r.factor.given.length === 0) || misindexedKinds.has('p'),
    };
    const missing = (role: Role, code: DiagnosticCode, text: string, fix: string) => {
        const found = roles.filter(r => r.role === role);
        if (found.length === 0 && !standsIn[role])
            report({ severity: 'error', code, range: chain.range, message: `chain '${x}' has no ${text}; add ${fix}`, data: { chain: x, upper: upperText(ir, chain), index: i } });
        for (const extra of found.slice(1))
            report({
                severity: 'error',
                code: Code.DuplicateFactor,
                range: extra.factor.range,
                message: `chain '${x}' has more than one ${text}; the first is on line ${lineOf(found[0]!.factor.range)}: remove one`,
            });
    };
    missing('forward', Code.ChainWithoutForward, 'forward process', `q(${x}[${i}] | ${x}[${i}-1]) = Normal(sqrt(1 - beta[${i}]) * ${x}[${i}-1], var: beta[${i}])`);
    missing('reverse', Code.ChainWithoutReverse, 'reverse process', `p(${x}[${i}-1] | ${x}[${i}]) = Normal(…), the learned denoising step`);
    missing('prior', Code.ChainWithoutPrior, 'terminal prior', `p(${x}[${upperText(ir, chain)}]) = Normal(0, 1)`);
}

/** The chain's last index as the user would write it: the constant's name when there is one (T). */
export const upperText = (ir: ModelIR, chain: ChainIR): string => ir.constants.find(c => c.value === chain.upper)?.name ?? String(chain.upper);

/** A forward process with learned parameters: its closed forms, which the chain's bound is derived from, do not hold. */
export function checkLearnedForward(ir: ModelIR, chain: ChainIR, report: Report): void {
    for (const factor of ir.factors.filter(f => f.kind === 'q' && f.target.name === chain.name)) {
        const nets = new Set<string>();
        for (const p of Object.values(factor.distribution.params)) for (const e of subExpressions(p)) if (e.kind === 'network') nets.add(e.name);
        if (nets.size === 0) continue;
        report({
            severity: 'error',
            code: Code.LearnedForward,
            range: factor.range,
            message: `the forward process ${factorName(factor)} has learned parameters (${[...nets].join(', ')}): gm derives a chain's bound from the closed forms q(${chain.name}[${chain.index}] | ${chain.start ?? chain.name + '[0]'}) and the forward posterior, which a learned forward process does not have; give it fixed coefficients (a schedule)`,
        });
    }
}

/** A schedule or let read as beta[t] in a chain factor is defined at every transition t. */
export function checkSequenceCoverage(ir: ModelIR, chain: ChainIR, report: Report): void {
    const sequenceAt = sequenceLookup(ir);
    const ts = transitionIndices(chain);
    const reported = new Set<string>();
    let scheduleReported = false;
    const factors = ir.factors.filter(f => factorChain(ir, f) === chain);
    // Schedules first: a let computed from a short schedule is short because of it.
    for (const kind of ['schedule', 'let'] as const)
        for (const factor of factors) {
            for (const expr of Object.values(factor.distribution.params).flatMap(p => [...subExpressions(p)])) {
                if (expr.kind !== 'sequence' || !expr.index || reported.has(expr.name)) continue;
                const seq = ir.sequences.find(s => s.name === expr.name);
                if (!seq?.values || seq.lower === undefined || seq.kind !== kind || (kind === 'let' && scheduleReported)) continue;
                const index = expr.index;
                const t = ts.find(t => {
                    const at = evaluate(index, { indices: { [chain.index]: t }, sequenceAt });
                    return Number.isFinite(at) && !Number.isFinite(sequenceAt(seq.name, at));
                });
                if (t === undefined) continue;
                reported.add(expr.name);
                if (kind === 'schedule') scheduleReported = true;
                const at = evaluate(index, { indices: { [chain.index]: t }, sequenceAt });
                report({
                    severity: 'error',
                    code: Code.SequenceRange,
                    range: expr.range ?? factor.range,
                    message: `'${seq.name}' is defined for ${seq.lower}..${seq.upper ?? seq.lower + seq.values.length - 1}, but ${factorName(factor)} reads it at ${at} (${chain.index} = ${t}); the chain's transitions run over ${chain.index} = ${chain.lower + 1}..${chain.upper}`,
                });
            }
        }
}
