/**
 * A reverse variance that a network predicts (Nichol & Dhariwal 2021, §3.1), read like the mean:
 * numerically at every t, never by recognizing a model. When log σ_t² = c_t + d_t · out is affine in
 * one part `out` of a network's output, the derivation checks that σ_t² is finite and positive for
 * v = (out + 1)/2 in [0, 1] at every t (L_0 included), and recognizes their eq. 15,
 * Σ_θ = exp(v log β_t + (1 − v) log β̃_t), when c_t + d_t = log β_t and c_t − d_t = log β̃_t.
 */
import type { EvaluationEnv } from '../ir/expressions.js';
import type { DistributionIR, IRExpr } from '../ir/types.js';
import { subExpressions } from '../ir/traverse.js';
import { affineForm } from './affine.js';
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
    const c: number[] = [NaN],
        d: number[] = [NaN];
    let key: string | undefined;
    for (let t = lower + 1; t <= upper; t++) {
        const form = affineForm(logvar, env(t));
        const keys = form ? [...form.coefs.keys()] : [];
        if (!form || keys.length > 1 || (keys[0] && !keys[0].startsWith('net:'))) return { form: 'general' };
        key ??= keys[0];
        const ct = form.constant,
            dt = key ? (form.coefs.get(key) ?? 0) : 0;
        // v ∈ [0, 1] is out ∈ [−1, 1]: log σ_t² ranges over [c_t − |d_t|, c_t + |d_t|].
        if (!Number.isFinite(ct - Math.abs(dt)) || !Number.isFinite(ct + Math.abs(dt))) {
            return {
                error: `the learned reverse log-variance is not finite at ${index} = ${t} for v = (out + 1)/2 in [0, 1]${t === lower + 1 ? ' (log β̃_1 = log 0, since x_0 is known): clip it as Nichol & Dhariwal do, e.g. let logbetatilde[t] = log(max(betatilde[t], betatilde[2]))' : ''}`,
            };
        }
        c.push(ct);
        d.push(dt);
    }
    coefficients.reverseLogVarConst = c;
    coefficients.reverseLogVarNet = d;
    const output = key?.slice('net:'.length);
    const { forwardVar: beta, posteriorVar: bt } = coefficients;
    const close = (a: number, b: number) => Math.abs(a - b) <= 1e-6 * Math.max(1, Math.abs(a), Math.abs(b));
    const interpolates = upper - lower >= 2 && c.every((ct, i) => i < 2 || (close(ct + d[i]!, Math.log(beta[i]!)) && close(ct - d[i]!, Math.log(bt[i]!))));
    return { form: interpolates ? 'interpolation' : 'log-affine', ...(output ? { output } : {}) };
}
