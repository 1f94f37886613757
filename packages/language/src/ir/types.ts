/**
 * The model IR: a plain, typed description of a gm model with every name resolved, every shape
 * and schedule evaluated and every option read. It does not depend on Langium. The validators,
 * the derivation engine and the runtime consume this, never the AST.
 */

import type { DiagnosticCode } from '../validation/codes.js';
import type { KnownDataset } from './datasets.js';

/** A 0-based position, as in the Language Server Protocol. */
export interface Position {
    line: number;
    character: number;
}

/** Where an IR element came from in the source text. */
export interface SourceRange {
    start: Position;
    end: Position;
}

// ---------------------------------------------------------------- expressions

export type BinaryOperator = '+' | '-' | '*' | '/' | '^';

/** Builtin functions that expressions may call (the table in functions.ts). */
import type { FunctionName } from './functions.js';
export type { FunctionName };

/**
 * An expression with its names resolved. `variable` is a random variable (an element of a chain
 * when `index` is set); `sequence` is a schedule or `let` (indexed when `index` is set);
 * `network` is a call of a declared network.
 */
export type IRExpr =
    | { kind: 'number'; value: number; range?: SourceRange }
    | { kind: 'string'; value: string; range?: SourceRange }
    | { kind: 'bool'; value: boolean; range?: SourceRange }
    | { kind: 'symbol'; name: string; range?: SourceRange }
    | { kind: 'constant'; name: string; value: number; range?: SourceRange }
    | { kind: 'index'; name: string; range?: SourceRange }
    | { kind: 'variable'; name: string; index?: IRExpr; range?: SourceRange }
    | { kind: 'sequence'; name: string; index?: IRExpr; range?: SourceRange }
    | { kind: 'network'; name: string; args: IRExpr[]; range?: SourceRange }
    | { kind: 'call'; fn: FunctionName; args: IRExpr[]; range?: SourceRange }
    | { kind: 'binary'; op: BinaryOperator; left: IRExpr; right: IRExpr; range?: SourceRange }
    | { kind: 'neg'; operand: IRExpr; range?: SourceRange }
    /** A half-open slice [lower, upper) of the last axis: `encoder(x)[0:20]`, or a named head `encoder(x).mean`. */
    | { kind: 'slice'; base: IRExpr; lower: number; upper: number; head?: string; range?: SourceRange }
    /** An inclusive index range inside `prod(alpha[1..t])`: `base` indexed from `lower` to `upper`. */
    | { kind: 'range'; base: string; lower: IRExpr; upper: IRExpr; range?: SourceRange }
    | { kind: 'list'; items: IRExpr[]; range?: SourceRange };

export type IRExprKind = IRExpr['kind'];

// ---------------------------------------------------------------- declarations

export interface ConstantIR {
    name: string;
    value: number;
    range: SourceRange;
}

export type ScheduleKind = 'linear' | 'quadratic' | 'cosine' | 'explicit';

/**
 * A schedule (`schedule beta[t in 1..T] = linear(1e-4, 0.02)`) or a `let` (`let alpha[t] = 1 - beta[t]`).
 * Indexed sequences are evaluated on their index range: `values[i]` is the value at `lower + i`.
 * A `let` without an index is a scalar (`value`) when it is a number, else only `expr`.
 */
export interface SequenceIR {
    name: string;
    kind: 'schedule' | 'let';
    index?: string;
    lower?: number;
    upper?: number;
    values?: number[];
    value?: number;
    scheduleKind?: ScheduleKind;
    /** The right-hand side: the schedule call or the `let` expression. */
    expr: IRExpr;
    doc?: string;
    range: SourceRange;
}

export type DatasetName = KnownDataset | 'idx';

export interface DataIR {
    name: string;
    /** Which dataset: a packaged one, or IDX files at `path`. */
    dataset: DatasetName;
    path?: string;
    split: 'train' | 'test';
    binarize: 'none' | 'fixed' | 'stochastic';
    /** Pixel values are scaled to this interval. */
    valueRange: [number, number];
    /** Keep at most this many examples (for quick runs). */
    limit?: number;
    /** Shape of one example. */
    shape: number[];
    range: SourceRange;
}

export type VariableRole = 'observed' | 'latent';

export interface VariableIR {
    name: string;
    role: VariableRole;
    dtype: 'real' | 'int' | 'binary';
    /** Shape of one example: [784], [1, 28, 28]. */
    shape: number[];
    /** The dataset an observed variable is bound to. */
    data?: string;
    /** Set for `from mnist.labels`: the dataset's class labels, aligned with its images. */
    labels?: LabelsIR;
    /** The chain this variable starts (`chain x[t in 0..T] starts x0`). */
    startsChain?: string;
    doc?: string;
    range: SourceRange;
}

/**
 * Class labels as a variable: `Int[10]` is one-hot over 10 classes (as Categorical values are),
 * `Int` the class index. A label variable with no factor of its own is a condition: the model is p(x | y).
 */
export interface LabelsIR {
    encoding: 'one-hot' | 'index';
    /** Classes of a one-hot encoding (its width); undefined for an index. */
    classes?: number;
}

/** `chain x[t in 0..T] starts x0`: x[lower] is the observed `start`; x[lower+1..upper] are latent. */
export interface ChainIR {
    name: string;
    index: string;
    lower: number;
    upper: number;
    start?: string;
    shape: number[];
    doc?: string;
    range: SourceRange;
}

export type Activation = 'relu' | 'tanh' | 'sigmoid' | 'softplus' | 'silu' | 'gelu' | 'elu' | 'leaky_relu';

export interface MlpIR {
    architecture: 'MLP';
    name: string;
    /** Widths from input to output: [784, 400, 40]. */
    layers: number[];
    activation: Activation;
    /** Size of the sinusoidal time embedding; set for a time-conditioned MLP called as net(x, t). */
    timeEmbedding?: number;
    /** Named parts of the output, `(mean: 20, logvar: 20)`: consecutive slices that cover it. */
    heads?: HeadIR[];
    inputSize: number;
    outputSize: number;
    doc?: string;
    range: SourceRange;
}

/** A named head: the slice [lower, upper) of its network's output. */
export interface HeadIR {
    name: string;
    lower: number;
    upper: number;
}

export interface UNetIR {
    architecture: 'UNet';
    name: string;
    inChannels: number;
    outChannels: number;
    channels: number;
    mults: number[];
    timeEmbedding: number;
    /** Resolutions (in pixels) with self-attention. */
    attention: number[];
    blocks: number;
    dropout: number;
    doc?: string;
    range: SourceRange;
}

export type NetworkIR = MlpIR | UNetIR;

/** A family of the distribution registry (`Normal`, `StudentT`, …); lowering produces registered names only. */
export type DistributionFamily = string;

/** A distribution with named parameters, positional arguments already named as its family declares them. */
export interface DistributionIR {
    family: DistributionFamily;
    params: Record<string, IRExpr>;
    range: SourceRange;
}

export interface FactorVarIR {
    name: string;
    /** The index of a chain element: `x[t-1]`. */
    index?: IRExpr;
    range: SourceRange;
}

/** A generative (`p`) or approximate-posterior (`q`) factor. */
export interface FactorIR {
    /** A stable identifier, e.g. `p(x|z)` or `q(x[t]|x[t-1])`. */
    id: string;
    kind: 'p' | 'q';
    target: FactorVarIR;
    given: FactorVarIR[];
    distribution: DistributionIR;
    /** The source text of the factor, as written. */
    text: string;
    doc?: string;
    range: SourceRange;
}

export type OptimizerName = 'Adam' | 'AdamW' | 'SGD' | 'RMSProp';

export type DiffusionObjective = 'simple' | 'vlb' | 'hybrid';

export interface OptionValueRange {
    name: string;
    range: SourceRange;
}

/** How gradients pass through discrete latents (`train { estimator: … }`). */
export type DiscreteEstimatorIR =
    /** Sum over every value exactly (Pyro's TraceEnum_ELBO). */
    | { kind: 'enumerate' }
    /** The score-function gradient with an optional learned baseline b(x) (NVIL, Mnih & Gregor 2014). */
    | { kind: 'score'; baseline?: IRExpr }
    /** Gumbel-softmax / Concrete draws at a temperature τ (Jang et al. 2017; Maddison et al. 2017). */
    | { kind: 'relaxed'; temperature: number };

export interface TrainIR {
    optimizer: { name: OptimizerName; lr: number; options: Record<string, number> };
    batch: number;
    epochs?: number;
    steps?: number;
    seed: number;
    /** Weight on the KL terms (β-VAE); 1 is the bound. */
    beta: number;
    /** Steps over which the KL weight rises linearly from 0 to beta. */
    klWarmup?: number;
    /** Importance samples per example: k > 1 gives the importance-weighted bound (IWAE). */
    k: number;
    /** Monte Carlo samples L per example for expectations. */
    samples: number;
    /** The gradient estimator for discrete latents; absent: enumeration where it is small enough, else score. */
    estimator?: DiscreteEstimatorIR;
    /** The objective for Markov chains. */
    objective?: DiffusionObjective;
    /** Weight λ of L_vlb in the hybrid objective. */
    hybridWeight: number;
    /** How t is drawn for L_vlb: uniformly, or by importance, p_t ∝ sqrt(E[L_t²]) (Nichol & Dhariwal 2021, §3.3). */
    tSampling?: 'uniform' | 'importance';
    /** Exponential moving average decay of the weights. */
    ema?: number;
    /** Global gradient-norm clipping. */
    clip?: number;
    /** Learning-rate warm-up steps. */
    lrWarmup?: number;
    /** Where each option was written, for diagnostics. */
    optionRanges: OptionValueRange[];
    range?: SourceRange;
}

export interface EvalIR {
    /** Evaluate every N steps while training. */
    every?: number;
    /** Importance samples for the log-likelihood estimate. */
    iw: number;
    batch: number;
    optionRanges: OptionValueRange[];
    range?: SourceRange;
}

export interface SampleIR {
    n: number;
    every?: number;
    sampler: 'ancestral' | 'ddim';
    steps?: number;
    eta: number;
    /** Clip predicted x0 to the data range while sampling. */
    clip: boolean;
    optionRanges: OptionValueRange[];
    range?: SourceRange;
}

export interface ModelIR {
    name: string;
    doc?: string;
    /** The file the model came from. */
    uri: string;
    range: SourceRange;
    nameRange: SourceRange;
    constants: ConstantIR[];
    sequences: SequenceIR[];
    data: DataIR[];
    variables: VariableIR[];
    chains: ChainIR[];
    networks: NetworkIR[];
    factors: FactorIR[];
    train: TrainIR;
    eval: EvalIR;
    sample: SampleIR;
}

/** Something lowering could not make sense of; validators report these as diagnostics. */
export interface LoweringProblem {
    severity: 'error' | 'warning' | 'info';
    message: string;
    range: SourceRange;
    code: DiagnosticCode;
}

export interface LoweringResult {
    model: ModelIR;
    problems: LoweringProblem[];
    /** Set when syntax errors left holes that lowering could not get past: `model` is empty then. */
    incomplete?: true;
    /**
     * Set when the parser reported errors inside the model but lowering got past them: `model` has
     * what could be read (the hover shows sizes from it), but its holes leave no bound to derive.
     */
    syntaxErrors?: true;
}
