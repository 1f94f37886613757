/**
 * Gaussian rules for a linear-Gaussian forward chain x_t = a_t x_{t−1} + sqrt(v_t) ε
 * (Ho et al. 2020, eq. 2, 4, 6, 7, written for general a_t and v_t):
 *   marginal   q(x_t | x_0) = 𝒩(m_t x_0, s_t I),  m_t = a_t m_{t−1},  s_t = a_t² s_{t−1} + v_t,  m_0 = 1, s_0 = 0;
 *   posterior  q(x_{t−1} | x_t, x_0) = 𝒩(μ̃_t, β̃_t I) by conditioning the prior 𝒩(m_{t−1} x_0, s_{t−1})
 *              on the likelihood 𝒩(x_t; a_t x_{t−1}, v_t):
 *              β̃_t = s_{t−1} v_t / s_t,  μ̃_t = (v_t m_{t−1} / s_t) x_0 + (a_t s_{t−1} / s_t) x_t.
 * For a DDPM a_t = sqrt(α_t), v_t = β_t, m_t = sqrt(ᾱ_t), s_t = 1 − ᾱ_t.
 */
import type { ChainCoefficients } from './types.js';

/** Arrays indexed by t − lower; entry 0 (t = lower) holds m = 1, s = 0 and NaN elsewhere. */
export function chainCoefficients(forwardCoef: number[], forwardVar: number[]): ChainCoefficients {
    const n = forwardCoef.length;
    const marginalMean = [1],
        marginalVar = [0];
    const posteriorMeanX0 = [NaN],
        posteriorMeanXt = [NaN],
        posteriorVar = [NaN];
    for (let i = 1; i < n; i++) {
        const a = forwardCoef[i]!,
            v = forwardVar[i]!;
        const mPrev = marginalMean[i - 1]!,
            sPrev = marginalVar[i - 1]!;
        const s = a * a * sPrev + v;
        marginalMean.push(a * mPrev);
        marginalVar.push(s);
        posteriorMeanX0.push((v * mPrev) / s);
        posteriorMeanXt.push((a * sPrev) / s);
        posteriorVar.push((sPrev * v) / s);
    }
    return { forwardCoef, forwardVar, marginalMean, marginalVar, posteriorMeanX0, posteriorMeanXt, posteriorVar };
}
