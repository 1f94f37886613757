/**
 * The training program: what one evaluation of a model's derived bound computes, as a flat list of
 * tensor instructions that name no tensor library. The compiler writes it from the model IR and the
 * derivation; an executor (TensorFlow.js today, PyTorch later) runs it. Values are numbered in
 * order; a value is `batched` when it has the batch axis first (per-example), else it is a scalar
 * that broadcasts. Per-example scalars ([B]) broadcast over an example's axes ([B, 1, …]).
 */

export type UnaryFn = 'exp' | 'log' | 'sqrt' | 'sigmoid' | 'softplus' | 'tanh' | 'neg' | 'square' | 'abs' | 'erf' | 'round';
/** `less` is 1 where a < b, else 0. */
export type BinaryFn = '+' | '-' | '*' | '/' | 'pow' | 'max' | 'min' | 'less';

export type Instruction =
    /**
     * The batch of an observed variable (or a sampler's state): B rows standing for the R·B rows of the draws
     * (`replicas` blocks of B); an executor may replicate it at once or where it meets a value of R·B rows.
     */
    | { op: 'data'; variable: string }
    | { op: 'constant'; value: number }
    /**
     * A per-example integer t ~ Uniform{from..to}, seeded by (seed, step, stream); with a `proposal`, t ~ p_t, the
     * probabilities the executor is given under that name (importance sampling, Nichol & Dhariwal 2021, §3.3).
     */
    | { op: 'timestep'; from: number; to: number; stream: string; proposal?: string }
    /** p_t of the per-example t under the named proposal (1/(to − from + 1) while it has none). */
    | { op: 'timestep-probability'; proposal: string; from: number; to: number; index: number }
    /** ε ~ N(0, I) of the given per-example shape, seeded by (seed, step, stream). */
    | { op: 'normal-noise'; shape: number[]; stream: string }
    /** u ~ Uniform(low, high) of the given per-example shape. */
    | { op: 'uniform-noise'; shape: number[]; stream: string; low: number; high: number }
    /** g ~ Gamma(α, 1) of the given per-example shape (Student's t draws). */
    | { op: 'gamma-noise'; shape: number[]; stream: string; alpha: number }
    /** table[index − offset] for a per-example integer index. */
    | { op: 'gather'; table: number[]; offset: number; index: number }
    /** A declared network applied to its arguments (a time argument is a per-example t). */
    | { op: 'network'; network: string; args: number[] }
    | { op: 'unary'; fn: UnaryFn; x: number }
    | { op: 'binary'; fn: BinaryFn; a: number; b: number }
    /** a where cond ≠ 0, else b (elementwise, broadcasting). */
    | { op: 'select'; cond: number; a: number; b: number }
    /** x − log Σ exp(x) over the last axis. */
    | { op: 'log-softmax'; x: number }
    /** 1 at the largest value of the last axis, 0 elsewhere; no gradient (a Gumbel-max draw). */
    | { op: 'one-hot-max'; x: number }
    /**
     * Every value of an enumerated discrete latent (Pyro's TraceEnum_ELBO, batched): [E·N, …shape] for the N rows of
     * the batch and the E combinations of all enumerated latents' values; `table` lists this latent's values (one
     * example's, flattened), block e (rows e·N … e·N + N − 1) holds table[⌊e / every⌋ mod table.length]. A value
     * of N rows meets one of E·N rows by repeating it E times (its row i stands for rows i, N + i, …).
     */
    | { op: 'enumerate'; table: number[][]; shape: number[]; every: number; combinations: number }
    /** Σ over the E blocks of an enumerated per-example value: [E·N] → [N]. */
    | { op: 'sum-enumerated'; x: number; combinations: number }
    /** x, with no gradient flowing back through it. */
    | { op: 'stop-gradient'; x: number }
    /** Each part's values of an example, flattened, one after the other: [B, Σ sizes]. */
    | { op: 'concat'; parts: number[] }
    /** [lower, upper) of the last axis, or with `axis: 'channel'` of an example's first axis (a U-Net's output channels). */
    | { op: 'slice'; x: number; lower: number; upper: number; axis?: 'channel' }
    /** Sum or mean over every axis but the batch axis: [B, …] → [B]. */
    | { op: 'reduce'; how: 'sum' | 'mean'; x: number }
    /** Combines the replicas of a per-example value: [R·B] → [B] by a mean or log-mean-exp. */
    | { op: 'combine-replicas'; how: 'mean' | 'logmeanexp'; x: number }
    /**
     * Σ_i log P(x_i) under the discretized Gaussian decoder of Ho et al. (2020, eq. 13): the mass of
     * N(mean, variance) on the bin of x_i among `bins` levels of [low, high], the end bins reaching ±∞: [B].
     */
    | { op: 'discretized-normal'; x: number; mean: number; variance: number; low: number; high: number; bins: number };

export interface ProgramTerm {
    /** The derivation's term id: `ell(x)`, `kl(z)`, `L_simple` … */
    id: string;
    /** Per-example value [B] in nats (before the sign), as the derivation defines the term. */
    value: number;
    /** ELBO = Σ sign · value over the terms in the bound. */
    sign: 1 | -1;
    inBound: boolean;
    /** Weight in the loss: w(step) = value · min(1, step / warmup) with a warm-up. */
    weight: { value: number; warmup?: number };
}

export interface Program {
    model: string;
    /** Observed variables fed from data, with the shape of one example. */
    inputs: { variable: string; shape: number[] }[];
    /** Samples per example (L, or k for the importance-weighted bound): the batch is replicated this often. */
    replicas: number;
    instructions: Instruction[];
    /** Whether each value has the batch axis. */
    batched: boolean[];
    terms: ProgramTerm[];
    /** Other named per-example values a caller wants back (samplers: `x`, the reverse mean …). */
    outputs?: Record<string, number>;
    /**
     * Importance-sampled draws of t: the per-example t (`t`) and the term's value at it before the 1/p_t weight
     * (`value`), which the trainer records to update p_t ∝ sqrt(E[L_t²]) from the last `history` values per t.
     */
    proposals?: { name: string; term: string; from: number; to: number; t: number; value: number; history: number; uniformFloor: number }[];
    /** Networks used, with the shape of the first argument they are called with. */
    networks: { name: string; inputShape: number[] }[];
    /** Dimensions of an observed example (bits/dim). */
    dimensions: number;
}

/** The values an instruction reads. */
export function operands(i: Instruction): number[] {
    switch (i.op) {
        case 'gather':
        case 'timestep-probability':
            return [i.index];
        case 'network':
            return i.args;
        case 'concat':
            return i.parts;
        case 'unary':
        case 'slice':
        case 'reduce':
        case 'combine-replicas':
        case 'log-softmax':
        case 'one-hot-max':
        case 'sum-enumerated':
        case 'stop-gradient':
            return [i.x];
        case 'binary':
            return [i.a, i.b];
        case 'select':
            return [i.cond, i.a, i.b];
        case 'discretized-normal':
            return [i.x, i.mean, i.variance];
        default:
            return [];
    }
}

/** The loss weight of a term at a step (KL warm-up). */
export function termWeight(term: ProgramTerm, step: number): number {
    if (!term.weight.warmup) return term.weight.value;
    return term.weight.value * Math.min(1, step / term.weight.warmup);
}
