import * as ast from '../generated/ast.js';
import { evaluate, evaluateConstant, lowerExpr, rangeOf, type ProblemSink } from './expressions.js';
import type { ScheduleKind, SequenceIR } from './types.js';
import { Code } from '../validation/codes.js';

/** The longest schedule gm evaluates (DDPMs use 1000 to 4000 steps). */
export const MAX_STEPS = 100_000;

/**
 * Evaluates a noise schedule on its index range (inclusive):
 * linear and quadratic as in Ho et al. (2020), cosine as in Nichol & Dhariwal (2021, eq. 17):
 * ᾱ(t) = f(t)/f(0), f(t) = cos²((t/T + s)/(1 + s) · π/2), β_t = min(1 − ᾱ(t)/ᾱ(t−1), max).
 */
export function evaluateSchedule(schedule: ast.Schedule, report: ProblemSink, constants: ReadonlyMap<string, number>): SequenceIR {
    const lower = evaluateConstant(schedule.range.lower, report, constants);
    const upper = evaluateConstant(schedule.range.upper, report, constants);
    const expr = lowerExpr(schedule.value, report, constants);
    const base: SequenceIR = { name: schedule.name, kind: 'schedule', index: schedule.range.index.name, lower, upper, expr, range: rangeOf(schedule) };
    const n = upper - lower + 1;
    if (!Number.isInteger(n) || n < 1) {
        report(`the index range ${lower}..${upper} is empty or not made of integers`, schedule.range, Code.EmptyRange);
        return base;
    }
    // Beyond 2^53, t + 1 is t: a loop over the indices would never end.
    if (!Number.isSafeInteger(lower) || !Number.isSafeInteger(upper)) {
        report(`the index range ${lower}..${upper} lies beyond the integers that can be counted exactly (at most 2^53)`, schedule.range, Code.RangeTooLong);
        return base;
    }
    if (n > MAX_STEPS) {
        report(`the index range ${lower}..${upper} has ${n} steps; at most ${MAX_STEPS} are supported`, schedule.range, Code.RangeTooLong);
        return base;
    }
    if (expr.kind === 'list') {
        const values = expr.items.map(item => evaluate(item, {}));
        if (values.length !== n) report(`the schedule lists ${values.length} values for ${n} indices ${lower}..${upper}`, schedule.value, Code.ScheduleLength);
        return { ...base, scheduleKind: 'explicit', values };
    }
    if (expr.kind !== 'call' && expr.kind !== 'symbol') {
        report('a schedule is linear(start, end), quadratic(start, end), cosine(s: 0.008) or a list of values', schedule.value, Code.ScheduleForm);
        return base;
    }
    const call = schedule.value as ast.CallExpr;
    const kind = ast.isCallExpr(call) && ast.isNameRef(call.callee) ? call.callee.ref.$refText : '';
    const args = new Map<string, number>();
    const positional: Record<string, string[]> = { linear: ['start', 'end'], quadratic: ['start', 'end'], cosine: ['s', 'max'] };
    if (!positional[kind]) {
        report(`unknown schedule '${kind}'; use linear, quadratic, cosine or a list`, schedule.value, Code.ScheduleKind);
        return base;
    }
    for (const [i, arg] of (ast.isCallExpr(call) ? call.args : []).entries()) {
        const name = arg.name ?? positional[kind]![i];
        if (!name || !positional[kind]!.includes(name)) {
            report(`${kind} has no parameter '${arg.name ?? i + 1}'`, arg, Code.ScheduleParameter);
            continue;
        }
        args.set(name, evaluateConstant(arg.value, report, constants));
    }
    const values: number[] = [];
    if (kind === 'linear' || kind === 'quadratic') {
        const start = args.get('start'),
            end = args.get('end');
        if (start === undefined || end === undefined) {
            report(`${kind} needs a start and an end value`, schedule.value, Code.ScheduleParameter);
            return base;
        }
        for (let i = 0; i < n; i++) {
            const u = n === 1 ? 0 : i / (n - 1);
            values.push(kind === 'linear' ? start + (end - start) * u : (Math.sqrt(start) + (Math.sqrt(end) - Math.sqrt(start)) * u) ** 2);
        }
    } else {
        const s = args.get('s') ?? 0.008,
            max = args.get('max') ?? 0.999;
        const f = (k: number) => Math.cos((((k / n + s) / (1 + s)) * Math.PI) / 2) ** 2;
        for (let k = 1; k <= n; k++) values.push(Math.min(1 - f(k) / f(k - 1), max));
    }
    return { ...base, scheduleKind: kind as ScheduleKind, values };
}
