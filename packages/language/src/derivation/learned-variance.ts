/**
 * A reverse variance that a network predicts (Nichol & Dhariwal 2021, §3.1), read like the mean:
 * numerically at every t, never by recognizing a model. When log σ_t² = c_t + d_t · out is affine in
 * one part `out` of a network's output, the derivation checks that σ_t² is finite and positive for
 * v = (out + 1)/2 in [0, 1] at every t (L_0 included), and recognizes their eq. 15,
 * Σ_θ = exp(v log β_t + (1 − v) log β̃_t), when c_t + d_t = log β_t and c_t − d_t = log β̃_t.
 */
import { evaluate, type EvaluationEnv } from '../ir/expressions.js';
import type { DistributionIR, IRExpr } from '../ir/types.js';
import { mapExpr, subExpressions } from '../ir/traverse.js';
import type { ChainCoefficients } from './types.js';

/** The network call in a reverse mean, or the slice of its output the mean reads (`eps(x[t], t)[0:784]`). */
export function networkTerm(mean: IRExpr | undefined): IRExpr | undefined {
    if (!mean) return undefined;
    for (const e of subExpressions(mean)) {
        if (e.kind === 'slice' && e.base.kind === 'network') return e;
        if (e.kind === 'network') return e;
    }
    return undefined;
}

/** The affine-form symbol of a network term: `net:eps`, `net:eps[0:784]`. */
export function networkKey(term: IRExpr): string {
    if (term.kind === 'slice' && term.base.kind === 'network') return `net:${term.base.name}[${term.lower}:${term.upper}]`;
    return term.kind === 'network' ? `net:${term.name}` : '';
}

export interface LearnedVarianceForm {
    /** `interpolation`: Nichol & Dhariwal's eq. 15; `log-affine`: another affine log σ_t²; `general`: not read. */
    form: 'interpolation' | 'log-affine' | 'general';
    /** The network output the log-variance reads (`eps[784:1568]`), for the renderers. */
    output?: string;
}

/**
 * Reads log σ_t² = c_t + d_t · out at t = lower+1..upper into `coefficients` (reverseLogVarConst, reverseLogVarNet)
 * and returns its form, or the message of why it is unusable (not finite or not positive for some v in [0, 1]).
 */
export function readLearnedVariance(
    reverse: DistributionIR,
    env: (t: number) => EvaluationEnv,
    lower: number,
    upper: number,
    coefficients: ChainCoefficients,
    index: string,
): LearnedVarianceForm | { error: string } {
    // log σ_t² as written: `logvar: …`, or `var: exp(…)`.
    const variance = reverse.params['var'];
    const logvar = reverse.params['logvar'] ?? (variance?.kind === 'call' && variance.fn === 'exp' ? variance.args[0] : undefined);
    if (!logvar) return { form: 'general' };
    // The network outputs it reads, each an opaque `out`; v = (out + 1)/2 in [0, 1] is out in [−1, 1].
    const nodes = [...subExpressions(logvar)];
    const sliced = new Set(nodes.flatMap(e => (e.kind === 'slice' && e.base.kind === 'network' ? [e.base] : [])));
    const keys = new Set(nodes.filter(e => (e.kind === 'slice' && e.base.kind === 'network') || (e.kind === 'network' && !sliced.has(e))).map(networkKey));
    const at = (t: number, out: number) =>
        evaluate(
            mapExpr(logvar, e => (e.kind === 'network' ? { kind: 'number', value: out } : e.kind === 'slice' && e.base.kind === 'number' ? e.base : e)),
            env(t),
        );
    const c: number[] = [NaN],
        d: number[] = [NaN];
    for (let t = lower + 1; t <= upper; t++) {
        const high = at(t, 1),
            low = at(t, -1),
            middle = at(t, 0);
        // ±∞ (log 0, an overflow) at some v in [0, 1] is an error; NaN alone means it reads more than numbers and outputs.
        if ([high, low, middle].some(x => x === Infinity || x === -Infinity)) {
            return {
                error: `the learned reverse log-variance is not finite at ${index} = ${t} for v = (out + 1)/2 in [0, 1]${t === lower + 1 ? ' (log β̃_1 = log 0, since x_0 is known): clip it as Nichol & Dhariwal do, e.g. let logbetatilde[t] = log(max(betatilde[t], betatilde[2]))' : ''}`,
            };
        }
        if ([high, low, middle].some(Number.isNaN)) return { form: 'general' };
        // Affine in one output: log σ_t² = c_t + d_t · out, checked at out = 0.
        if (keys.size !== 1 || Math.abs(middle - (high + low) / 2) > 1e-9 * Math.max(1, Math.abs(middle))) return { form: 'general' };
        c.push((high + low) / 2);
        d.push((high - low) / 2);
    }
    coefficients.reverseLogVarConst = c;
    coefficients.reverseLogVarNet = d;
    const output = [...keys][0]!.slice('net:'.length);
    const { forwardVar: beta, posteriorVar: bt } = coefficients;
    const close = (a: number, b: number) => Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(a), Math.abs(b));
    const interpolates = upper - lower >= 2 && c.every((ct, i) => i < 2 || (close(ct + d[i]!, Math.log(beta[i]!)) && close(ct - d[i]!, Math.log(bt[i]!))));
    return { form: interpolates ? 'interpolation' : 'log-affine', output };
}
