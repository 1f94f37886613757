/**
 * The derived variational bound of a model: one data structure that every consumer reads.
 * The language server renders it (hover, code lens, derivation view), the CLI prints it
 * (`gm elbo`), and the runtime compiles it into training code. It is plain data (JSON-safe),
 * independent of any tensor library; every formula is given as IR (`IRExpr`, `DistributionIR`)
 * or as numbers, never only as text.
 *
 * For the runtime author, in short:
 *
 * 1. Sample the latents by following `sampling` in order (each step says from which distribution,
 *    whether it is reparameterized, and for chains how x_t is drawn from q(x_t | x_0)).
 * 2. Evaluate every term's `computation` on those samples: a closed-form KL, a log-likelihood,
 *    a Monte Carlo difference log q − log p, an importance-weighted log-mean-exp, or one of the
 *    chain forms, whose per-t coefficients are in `chains[i].coefficients` (arrays indexed by
 *    t − chain.lower, i.e. by t when the chain starts at 0).
 * 3. The bound in nats per example is   ELBO = Σ_{terms with inBound} sign · value
 *    (value summed over the variable's dimensions, never averaged; every constant kept);
 *    bits/dim = −ELBO / (D · ln 2) with D = `dimensions`.
 * 4. The training loss is   loss = −Σ_{terms with weight.value ≠ 0} sign · w(step) · value,
 *    averaged over the batch, where w(step) = weight.value · min(1, step / weight.warmup.steps)
 *    when a warm-up is given, else weight.value. Terms with inBound = false are surrogates
 *    (L_simple) that enter the loss but not the bound; terms with weight 0 enter the bound only.
 *    L_simple is a per-dimension mean (Ho et al.'s code); for the hybrid objective the weight of the
 *    L_vlb terms is already λ/D, so that L_vlb enters per dimension as in Nichol & Dhariwal.
 *
 * A chain term's value is the sum over its range of t; the runtime estimates it as
 * (number of t) · E_{t ~ Uniform}[per-t value] unless it sums exactly. In chain expressions the
 * index symbol is the chain's (`t`), `x[t]` is the sampled x_t, and x[lower] is the observed start
 * (already replaced by the start variable in the L_0 decoder).
 */
import type { DistributionIR, IRExpr, SourceRange } from '../ir/types.js';
import type { LikelihoodForm } from '../distributions/family.js';

// ---------------------------------------------------------------- references

/** A random variable, or one element of a chain (`x[t]`: `index` a number, or 't' for "every t"). */
export interface VariableRef {
    name: string;
    /** For chain elements: the chain's name is `name`, the element's index is this. */
    index?: number | 't' | 't-1';
}

/** The declared factor a term came from. */
export interface FactorRef {
    id: string;
    kind: 'p' | 'q';
    range: SourceRange;
}

// ---------------------------------------------------------------- terms

export type TermKind =
    /** −KL(q(v | …) ‖ p(v | …)) for one latent v, closed form or Monte Carlo. */
    | 'kl'
    /** E_q[log p(x | parents)] for one observed variable x (reconstruction). */
    | 'expected-log-likelihood'
    /** E_q[log p(v | …) − log q(v | …)] for a latent without a closed-form KL. */
    | 'monte-carlo'
    /** A term with nothing learned in it (still evaluated: it belongs to the bound in nats). */
    | 'constant'
    /** L_T = KL(q(x_T | x_0) ‖ p(x_T)) of a chain. */
    | 'chain-prior-kl'
    /** Σ_{t=2..T} L_{t−1}, L_{t−1} = KL(q(x_{t−1} | x_t, x_0) ‖ p(x_{t−1} | x_t)). */
    | 'chain-kl'
    /** L_0 = −log p(x_0 | x_1) of a chain. */
    | 'chain-decoder'
    /** L_simple (Ho et al. eq. 14): the unweighted ‖ε − ε_θ‖² surrogate; not part of the bound. */
    | 'chain-simple'
    /** The importance-weighted bound log (1/k) Σ_i p(x, z_i) / q(z_i | x) (Burda et al. 2015, eq. 8). */
    | 'iwae'
    /** The score-function surrogate of a discrete latent (NVIL): value 0, gradient (f − b) ∇ log q. */
    | 'score-surrogate'
    /** The squared-error fit of a score-function baseline b(x) to the learning signal. */
    | 'baseline-fit';

export type Estimator = 'closed-form' | 'monte-carlo' | 'constant' | 'score-function' | 'enumeration';

/** How objective options scale a term in the training loss. */
export interface TermWeight {
    /** The weight after warm-up (β on KL terms, λ for the hybrid objective's L_vlb, 0 = dropped). */
    value: number;
    /** KL warm-up: the weight rises linearly from 0 to `value` over `steps` training steps. */
    warmup?: { steps: number };
    /** Why the weight is not 1 (for the renderers). */
    reason?: string;
    /** How to print the weight when it is clearer than the number (λ/D: `0.001/784`). */
    display?: string;
}

/** A family name that has a closed-form KL in the registry (`Normal`). */
export type KlFamily = string;

/** How a log-likelihood specializes; the registry's families say which form they take. */
export type { LikelihoodForm };

/**
 * What the runtime evaluates for a term (per example, before the sign and the weight).
 * Distribution parameters are IR expressions over the model's variables, networks, sequences and
 * the chain index `t`; synthesized distributions (the chain's q(x_t | x_0)) use `number` literals.
 */
export type Computation =
    /** KL(q ‖ p) of `variable` in closed form, summed over its dimensions; parents sampled per the plan. */
    | { kind: 'kl-closed-form'; family: KlFamily; variable: VariableRef; q: DistributionIR; p: DistributionIR; formula: KlFormula }
    /** log q(v | …) − log p(v | …) at the sampled v: a Monte Carlo estimate of the KL (sign −1). */
    | { kind: 'log-ratio'; variable: VariableRef; q: DistributionIR; p: DistributionIR }
    /** log p(variable | …) under `distribution`, at the sampled parents. */
    | { kind: 'log-likelihood'; variable: VariableRef; distribution: DistributionIR; form: LikelihoodForm }
    /** log (1/k) Σ_{i=1..k} exp(Σ_p log p − Σ_q log q) with k independent samples of every latent. */
    | { kind: 'importance-weighted'; k: number; p: FactorRef[]; q: FactorRef[] }
    /**
     * A chain's Σ_{t=from..to} L_{t−1}: each a Normal ‖ Normal KL between the derived posterior
     * q(x_{t−1} | x_t, x_0) = N(posteriorMeanX0[t]·x_0 + posteriorMeanXt[t]·x_t, posteriorVar[t]) and
     * p = `reverse` at that t. With a known variance and a recognized parameterization this is
     * Σ_t [ mseWeight[t] · ‖target − net(x_t, t)‖² + klConstant[t] ] (Ho et al. eq. 8, 10, 12).
     */
    | { kind: 'chain-kl'; chain: string; from: number; to: number; reverse: DistributionIR; stopGradient?: StopGradient }
    /** L_T: the KL between the derived marginal q(x_T | x_0) (given as `q`) and the declared p(x_T). */
    | { kind: 'chain-prior-kl'; chain: string; t: number; q: DistributionIR; p: DistributionIR; formula: KlFormula }
    /**
     * −L_0 = log p(x_0 | x_1): `distribution` is the reverse factor at t = 1 (index substituted), a
     * continuous density. For image data under a Normal, `discretized` gives Ho et al.'s eq. 13 decoder (the Normal's
     * mass on each of `bins` levels of [low, high]) for bits/dim comparable with the papers.
     */
    | {
          kind: 'chain-decoder';
          chain: string;
          variable: VariableRef;
          distribution: DistributionIR;
          form: LikelihoodForm;
          discretized?: { bins: number; low: number; high: number };
          stopGradient?: StopGradient;
      }
    /**
     * L_simple: E_{t ~ Uniform{from..to}, ε} ‖target − net(x_t, t)‖², averaged (not summed) over
     * dimensions as in Ho et al.'s code; x_t = sqrt(ᾱ_t)·x_0 + sqrt(1 − ᾱ_t)·ε.
     */
    | {
          kind: 'chain-simple';
          chain: string;
          from: number;
          to: number;
          network: string;
          target: 'epsilon' | 'x0' | 'mean';
          /**
           * The network call as written in the reverse mean (`eps(x[t], t)`, or the part of its output the mean
           * reads, `eps(x[t], t)[0:784]`), with x[t] the sampled x_t.
           */
          call: IRExpr;
      }
    /**
     * The score-function surrogate for the discrete latent `variable` (NVIL, Mnih & Gregor 2014, eq. 5):
     * sg(f − b) · (log q − sg(log q)), f = Σ sign · weight · value of the `signal` terms at the sampled latent,
     * b = `baseline` (a network of the observed variables, summed) or 0. Value 0; gradient (f − b) ∇ log q.
     */
    | { kind: 'score-surrogate'; variable: VariableRef; q: DistributionIR; signal: string[]; baseline?: IRExpr }
    /** (sg(f) − b)² with sign −1, entered as v − sg(v): value 0, the gradient that fits b to f (NVIL §3.1). */
    | { kind: 'baseline-fit'; variable: VariableRef; signal: string[]; baseline: IRExpr };

/**
 * How a discrete latent's expectations are computed (`train { estimator: … }`; see discrete.ts):
 * `enumerate` sums over its `values` values (each term at every value, weighted by q), `score` samples it
 * and adds the surrogate term `score(c)`, `relaxed` replaces it by a Gumbel-softmax draw at `temperature`.
 */
export type DiscreteEstimator = { kind: 'enumerate'; values: number } | { kind: 'score'; baseline?: IRExpr } | { kind: 'relaxed'; temperature: number };

/**
 * Which closed form of the KL applies: a registry id (`normal-standard-normal`, `normal-normal`,
 * `bernoulli-bernoulli`, `categorical-categorical`); the renderers print it, the runtime computes it.
 */
export type KlFormula = string;

/**
 * Where a term's gradient is stopped: `reverse-mean`, the reverse factor's mean μ_θ is used with
 * its value but no gradient (the hybrid objective's L_vlb, Nichol & Dhariwal 2021 §3.1).
 */
export type StopGradient = 'reverse-mean';

export interface BoundTerm {
    /** Stable id within the model: `kl(z)`, `ell(x)`, `L_T`, `L_t-1`, `L_0`, `L_simple`, `iwae`. */
    id: string;
    kind: TermKind;
    estimator: Estimator;
    /** Contribution to the ELBO: ELBO = Σ sign · value over the terms in the bound. */
    sign: 1 | -1;
    /** Part of the bound (false for surrogates such as L_simple). */
    inBound: boolean;
    /** Weight in the training objective. */
    weight: TermWeight;
    /** Whether anything learned (a network) enters it. */
    learned: boolean;
    /** The latent or observed variable the term is about. */
    variable?: VariableRef;
    factors: FactorRef[];
    computation: Computation;
    /** Human-readable forms: the term as written in the bound, and its closed form or estimator. */
    text: string;
    latex: string;
    /** The closed form / estimator in words and symbols, one line per entry. */
    detail: { text: string; latex: string }[];
}

// ---------------------------------------------------------------- sampling

/** One step of drawing the latents from q, in order (parents before children). */
export type SamplingStep =
    | {
          kind: 'factor';
          variable: VariableRef;
          factor: FactorRef;
          distribution: DistributionIR;
          /** z = μ + σ ⊙ ε (Normal, Laplace); false for discrete families. */
          reparameterized: boolean;
          /** The gradient estimator through this sample. */
          gradient: 'reparameterization' | 'score-function' | 'enumeration' | 'relaxation';
          /** Samples per example (L, or k for the importance-weighted bound). */
          samples: number;
          /** For a discrete latent in the ELBO: how its expectations and gradients are computed. */
          estimator?: DiscreteEstimator;
      }
    | {
          /**
           * x_t = sqrt(ᾱ_t) x_0 + sqrt(1 − ᾱ_t) ε, t ~ Uniform{from..to} (t = from when from = to), from the
           * derived marginal. The chain terms read the step whose range is theirs.
           */
          kind: 'chain-marginal';
          chain: string;
          from: number;
          to: number;
          /** Coefficient arrays (indexed by t − lower) in `ChainDerivation.coefficients`. */
          mean: 'marginalMean';
          variance: 'marginalVar';
          reparameterized: true;
          /** t drawn by importance rather than uniformly; the term read at this draw is then L_t / p_t. */
          proposal?: TimestepProposal;
      };

/**
 * Importance sampling of t (Nichol & Dhariwal 2021, §3.3): p_t ∝ sqrt(E[L_t²]) over the last `history` values of
 * each L_t seen in training, uniform until every t has `history` of them, mixed with `uniformFloor` of the uniform
 * distribution as in their code. The runtime keeps the history (and checkpoints it).
 */
export interface TimestepProposal {
    kind: 'importance';
    history: number;
    uniformFloor: number;
}

// ---------------------------------------------------------------- chains

/** How the reverse mean μ_θ(x_t, t) was found to be written (checked numerically for every t). */
export type Parameterization =
    /** μ_θ = (x_t − β_t/sqrt(1 − ᾱ_t) ε_θ)/sqrt(α_t) up to the coefficients derived (Ho et al. eq. 11). */
    | 'epsilon'
    /** μ_θ = μ̃_t(x_0 = net(x_t, t), x_t). */
    | 'x0'
    /** μ_θ = net(x_t, t). */
    | 'mean'
    /** Anything else: the KL is evaluated with both means. */
    | 'general';

/**
 * What was derived from a linear-Gaussian forward chain x_t = a_t x_{t−1} + sqrt(v_t) ε:
 * marginal q(x_t | x_0) = N(m_t x_0, s_t) with m_t = Π_{s≤t} a_s, s_t = a_t² s_{t−1} + v_t;
 * posterior q(x_{t−1} | x_t, x_0) by Gaussian conditioning. Every array has length upper − lower + 1
 * and is indexed by t − lower (entry 0 is t = lower, where m = 1, s = 0).
 */
export interface ChainCoefficients {
    /** a_t (forward mean coefficient, sqrt(α_t) for a DDPM). Entry 0 unused (NaN). */
    forwardCoef: number[];
    /** v_t (forward variance, β_t). Entry 0 unused (NaN). */
    forwardVar: number[];
    /** m_t = sqrt(ᾱ_t). */
    marginalMean: number[];
    /** s_t = 1 − ᾱ_t. */
    marginalVar: number[];
    /** Posterior mean μ̃_t = posteriorMeanX0[t] x_0 + posteriorMeanXt[t] x_t (Ho et al. eq. 7). Entry 0 unused. */
    posteriorMeanX0: number[];
    posteriorMeanXt: number[];
    /** β̃_t = s_{t−1} v_t / s_t (Ho et al. eq. 7). Entry 0 unused; entry 1 is 0 since s_0 = 0. */
    posteriorVar: number[];
    /** σ_t² of the reverse factor when it is not learned; entry 0 unused. */
    reverseVar?: number[];
    /** The reverse mean written as μ_θ = reverseMeanXt[t] x_t + reverseMeanNet[t] net(x_t, t). */
    reverseMeanXt?: number[];
    reverseMeanNet?: number[];
    /**
     * L_{t−1} = mseWeight[t] · E‖target − net(x_t, t)‖² + klConstant[t], summed over dimensions
     * (eq. 12 for ε: β_t²/(2σ_t² α_t (1 − ᾱ_t))). Entry 0 unused.
     */
    mseWeight?: number[];
    /** The θ-free part of L_{t−1}: D/2 (β̃_t/σ_t² − 1 − log(β̃_t/σ_t²)) in nats. Entry 0 unused. */
    klConstant?: number[];
    /**
     * A learned variance written as log σ_t² = reverseLogVarConst[t] + reverseLogVarNet[t] · out, with `out` one
     * part of a network's output (Nichol & Dhariwal eq. 15: log β̃_t + (log β_t − log β̃_t)(out + 1)/2). Entry 0 unused.
     */
    reverseLogVarConst?: number[];
    reverseLogVarNet?: number[];
}

export interface ChainDerivation {
    chain: string;
    /** The observed start x_0 and the chain index name. */
    start: string;
    index: string;
    lower: number;
    upper: number;
    /** Dimensions of one element. */
    dimensions: number;
    forward: FactorRef;
    reverse: FactorRef;
    prior: FactorRef;
    coefficients: ChainCoefficients;
    parameterization: Parameterization;
    /** The network in the reverse mean and what it predicts. */
    network?: string;
    /** Whether σ_t² is learned (from a network) rather than a schedule. */
    learnedVariance: boolean;
    /** How a learned σ_t² is written: Nichol & Dhariwal's interpolation (eq. 15), another affine log σ_t², or not read. */
    varianceForm?: { form: 'interpolation' | 'log-affine' | 'general'; output?: string };
    /** How σ_1² = 0 (β̃_1 = 0) was handled, if it arose. */
    notes: string[];
}

// ---------------------------------------------------------------- the result

export interface DerivationStep {
    /** The equation, in Unicode and LaTeX. */
    text: string;
    latex: string;
    /** The rule applied to get here ("definition of KL", "Bayes' rule", …). */
    reason: string;
}

export type ObjectiveKind = 'elbo' | 'beta-elbo' | 'iwae' | 'simple' | 'vlb' | 'hybrid';

export interface Derivation {
    model: string;
    /** `latent-variable` for models with declared latents; `markov-chain` for chains. */
    structure: 'latent-variable' | 'markov-chain';
    terms: BoundTerm[];
    sampling: SamplingStep[];
    chains: ChainDerivation[];
    objective: {
        kind: ObjectiveKind;
        /** Whether the training objective is a lower bound on log p(x) (β < 1 is not; simple is not a bound). */
        isBound: boolean;
        /** What the objective does to the bound, in words. */
        notes: string[];
    };
    /** Observed dimensions D (for bits/dim). */
    dimensions: number;
    /** The data each observed variable is bound to, in words (dataset, split, binarization): what a figure is on. */
    data: string[];
    /** The bound as one line (code lens), and the derivation steps in the seed's style. */
    summary: { text: string; latex: string };
    steps: DerivationStep[];
    /** For chains: z ↔ x_1:T, q_φ(z|x) ↔ q(x_1:T|x_0), p_θ(x, z) ↔ p_θ(x_0:T). */
    correspondence: { vae: string; model: string; note: string }[];
}

/** Why no bound could be derived (a model the rules do not cover, or one that does not validate). */
export interface DerivationFailure {
    model: string;
    reasons: { message: string; range: SourceRange }[];
}

export type DerivationResult = { ok: true; derivation: Derivation } | { ok: false; failure: DerivationFailure };

/** Re-exported so consumers of the derivation need only this module. */
export type { DistributionIR, IRExpr, SourceRange };
