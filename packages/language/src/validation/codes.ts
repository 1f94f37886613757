/**
 * Every diagnostic code gm reports, in one table. A code is stable: quick fixes (lsp/gm-code-actions.ts),
 * tests and editors key on it, so a value never changes once published; the keys are for the source.
 * `code` fields (Finding, LoweringProblem, ProblemSink) are typed DiagnosticCode, so a raw string does
 * not type-check: add the code here, with what it means, before reporting it.
 */
export const Code = {
    // ── Syntax and names (gm-parser.ts, gm-validator.ts, validation/names.ts) ──
    /** An expression nested deeper, or a chain of operators longer, than the parser reads (gm-parser.ts). */
    TooDeep: 'too-deep',
    /** Two models in one file share a name. */
    DuplicateModel: 'duplicate-model',
    /** A `builtin` declaration outside gm's own library. */
    BuiltinOutsideLibrary: 'builtin-outside-library',
    /** Two declarations in one model share a name. */
    DuplicateName: 'duplicate-name',
    /** A name is read above the line that declares it. */
    UsedBeforeDefinition: 'used-before-definition',
    /** A declaration (constant, schedule, let, network, dataset) that nothing reads. */
    Unused: 'unused',

    // ── Lowering: constants, sequences and blocks (ir/lower.ts, ir/expressions.ts, ir/schedules.ts) ──
    /** A value that must be known before training (a constant, a size, an index) is not. */
    NotConstant: 'not-constant',
    /** A `train`, `eval` or `sample` block appears twice in one model. */
    DuplicateBlock: 'duplicate-block',
    /** An indexed let reads no indexed schedule or let, so it has no index range. */
    LetWithoutRange: 'let-without-range',
    /** An indexed let is not a number for any index. */
    SequenceUndefined: 'sequence-undefined',
    /** An indexed let is not a finite number at some index. */
    SequenceNotFinite: 'sequence-not-finite',
    /** A schedule's index range lo..hi is empty or not made of integers. */
    EmptyRange: 'empty-range',
    /** A schedule's index range has more steps than are supported. */
    RangeTooLong: 'range-too-long',
    /** A listed schedule has a different number of values than its range has indices. */
    ScheduleLength: 'schedule-length',
    /** A schedule is neither linear(…), quadratic(…), cosine(…) nor a list of values. */
    ScheduleForm: 'schedule-form',
    /** A schedule names an unknown kind. */
    ScheduleKind: 'schedule-kind',
    /** A schedule has an unknown, missing or superfluous parameter. */
    ScheduleParameter: 'schedule-parameter',

    // ── Lowering: expressions (ir/expressions.ts) ──
    /** A layer list (a -> b) appears anywhere but as a network's first argument. */
    LayersMisplaced: 'layers-misplaced',
    /** An expression of a kind that is not allowed where it stands. */
    UnexpectedExpression: 'unexpected-expression',
    /** A name that has no value here is used as one. */
    NotAValue: 'not-a-value',
    /** An index expression has other than exactly one index or slice. */
    IndexArity: 'index-arity',
    /** Something other than a sequence is indexed by a range. */
    RangeBase: 'range-base',
    /** Something other than a variable, chain or sequence is indexed. */
    IndexBase: 'index-base',
    /** A name that is not a function, network or distribution is called. */
    NotCallable: 'not-callable',

    // ── Lowering: datasets (ir/lower.ts) ──
    /** A dataset declaration is not images("…", …). */
    DataSource: 'data-source',
    /** A dataset's name is not a string. */
    DataName: 'data-name',
    /** A dataset's split is neither train nor test. */
    DataSplit: 'data-split',
    /** A dataset's binarize option is not true, false, fixed or stochastic. */
    DataBinarize: 'data-binarize',
    /** A dataset's range is not [low, high] with low < high. */
    DataRange: 'data-range',
    /** A dataset has an unknown option. */
    DataOption: 'data-option',

    // ── Lowering: distributions (ir/lower.ts) ──
    /** A factor's right-hand side is not a distribution. */
    NotADistribution: 'not-a-distribution',
    /** A distribution gets more positional arguments than it has parameters. */
    TooManyArguments: 'too-many-arguments',
    /** A distribution gets a parameter it does not have. */
    UnknownParameter: 'unknown-parameter',
    /** A distribution gets the same parameter twice. */
    DuplicateParameter: 'duplicate-parameter',

    // ── Lowering: networks (ir/lower-network.ts) ──
    /** A network declaration is neither MLP(…) nor UNet(…). */
    NetworkForm: 'network-form',
    /** A network option is given without its name. */
    NetworkPositional: 'network-positional',
    /** A network has an unknown option, or lacks a required one. */
    NetworkOption: 'network-option',
    /** A network option that is a list is given as something else. */
    NetworkList: 'network-list',
    /** An MLP has fewer than two layer widths (input and output). */
    NetworkLayers: 'network-layers',
    /** A network names an unknown activation. */
    NetworkActivation: 'network-activation',
    /** Named heads `(mean: 20, logvar: 20)` appear elsewhere than as the last width of an MLP, or twice under one name. */
    HeadsMisplaced: 'heads-misplaced',
    /** `net(x).name` reads a head the network does not declare, or the output of something that is not a network. */
    HeadUnknown: 'head-unknown',

    // ── Lowering: labels (ir/lower.ts) ──
    /** `from mnist.NAME` names a part of the dataset other than its labels. */
    DataPart: 'data-part',
    /** A label variable is not Int[classes] (one-hot) or Int (the class index). */
    LabelsType: 'labels-type',

    // ── Lowering: train, eval and sample blocks (ir/lower-config.ts) ──
    /** An option that must be a number known before training is not. */
    OptionNotNumber: 'option-not-number',
    /** An option's value is not one of those it allows. */
    OptionValue: 'option-value',
    /** A block has an option it does not know. */
    UnknownOption: 'unknown-option',
    /** A block gives the same option twice. */
    DuplicateOption: 'duplicate-option',
    /** The optimizer is not one of those gm knows. */
    Optimizer: 'optimizer',
    /** An optimizer option is given without its name. */
    OptimizerOption: 'optimizer-option',

    // ── Roles of variables and factors (validation/roles.ts) ──
    /** A factor is over a name that is not a random variable. */
    FactorNotVariable: 'factor-not-variable',
    /** A latent has no generative factor (prior). */
    LatentWithoutPrior: 'latent-without-prior',
    /** A latent is not covered by q. */
    LatentWithoutQ: 'latent-without-q',
    /** Two factors (or two chain factors of one role) define the same variable. */
    DuplicateFactor: 'duplicate-factor',
    /** q has a factor for an observed variable. */
    QOnObserved: 'q-on-observed',
    /** An observed variable has no generative factor (likelihood). */
    ObservedWithoutP: 'observed-without-p',
    /** A factor's distribution reads the variable the factor defines. */
    ReadsTarget: 'reads-target',
    /** A factor's distribution reads a variable it does not condition on. */
    UndeclaredDependency: 'undeclared-dependency',
    /** A q-factor conditions on a latent that q never samples. */
    QGivenUnsampled: 'q-given-unsampled',
    /** q's factors condition on each other in a circle. */
    QCycle: 'q-cycle',

    // ── Graph and chains (validation/graph.ts) ──
    /** p's factors condition on each other in a circle. */
    PCycle: 'p-cycle',
    /** A chain's bounds are not integers with 0 ≤ lower < upper. */
    ChainRange: 'chain-range',
    /** A chain does not start from an observed variable (`starts x0`). */
    ChainWithoutStart: 'chain-without-start',
    /** A chain starts from a latent variable instead of observed data. */
    ChainStartLatent: 'chain-start-latent',
    /** A chain element is indexed outside the chain's range. */
    ChainIndexRange: 'chain-index-range',
    /** A chain is named without an index where one of its elements is meant. */
    ChainIndexMissing: 'chain-index-missing',
    /** A chain transition goes the wrong way (q backwards or p forwards). */
    ChainDirection: 'chain-direction',
    /** A factor over a chain is not a forward step, a reverse step or the terminal prior. */
    ChainFactor: 'chain-factor',
    /** A chain has no forward process q(x[t] | x[t-1]). */
    ChainWithoutForward: 'chain-without-forward',
    /** A chain has no reverse process p(x[t-1] | x[t]). */
    ChainWithoutReverse: 'chain-without-reverse',
    /** A chain has no terminal prior p(x[T]). */
    ChainWithoutPrior: 'chain-without-prior',
    /** A chain's forward process has learned parameters (the closed forms no longer apply). */
    LearnedForward: 'learned-forward',
    /** A chain factor reads a sequence outside the indices it is defined for. */
    SequenceRange: 'sequence-range',

    // ── Shapes (validation/shapes.ts) ──
    /** A variable's shape is not made of positive integers. */
    ShapeDims: 'shape-dims',
    /** An observed variable is bound to no dataset. */
    ObservedWithoutData: 'observed-without-data',
    /** An observed variable's size differs from its dataset's. */
    ObservedShape: 'observed-shape',
    /** The operands of an arithmetic operator have different sizes, neither a scalar. */
    OperandShape: 'operand-shape',
    /** A network is called with the wrong number of inputs: (x, t) when conditioned on time, (x) otherwise. */
    NetworkArity: 'network-arity',
    /** A network's input width (or channels) differs from what it is given. */
    NetworkInputSize: 'network-input-size',
    /** A one-hot label variable has more or fewer classes than its dataset. */
    LabelsClasses: 'labels-classes',
    /** A U-Net's levels halve the image more times than its size allows. */
    UnetResolution: 'unet-resolution',
    /** A network's output width differs from the size of the parameter it gives. */
    NetworkOutputSize: 'network-output-size',
    /** A distribution parameter is neither a scalar nor of its variable's size. */
    ParameterShape: 'parameter-shape',
    /** A slice of a network's output is empty, not integral, or reads past its outputs. */
    SliceRange: 'slice-range',
    /** Some of a network's outputs are never read. */
    NetworkOutputUnused: 'network-output-unused',

    // ── Sizes (validation/sizes.ts) ──
    /** A variable, a weight matrix or a batch would need a tensor of more than 2^31 − 1 numbers. */
    SizeTooLarge: 'size-too-large',

    // ── Parameters (validation/parameters.ts) ──
    /** A distribution is given none of a group of parameters that has no default (Bernoulli without probs or logits). */
    MissingParameter: 'missing-parameter',
    /** A distribution is given two parameters of which only one may be (std and var). */
    ConflictingParameters: 'conflicting-parameters',
    /** A scale parameter is a raw network output, which can be negative. */
    RawScale: 'raw-scale',
    /** A scale or variance is known to be 0 or negative. */
    ScaleNotPositive: 'scale-not-positive',
    /** probs is a raw network output, not confined to [0, 1]. */
    RawProbs: 'raw-probs',
    /** probs is known to lie outside [0, 1]. */
    ProbsRange: 'probs-range',
    /** A noise schedule has a value outside (0, 1). */
    ScheduleRange: 'schedule-range',
    /** A numeric option lies outside its domain. */
    OptionRange: 'option-range',
    /** A Bernoulli likelihood is put on data that is not binary. */
    BernoulliNonBinary: 'bernoulli-non-binary',

    // ── Estimators (validation/estimators.ts) ──
    /** A continuous q whose draws cannot be reparameterized as written (StudentT with a learned df). */
    NotReparameterized: 'not-reparameterized',
    /** A discrete latent: its gradient uses the score-function estimator. */
    DiscreteLatent: 'discrete-latent',
    /** A latent's declared type (Real, Binary, Int) disagrees with its q distribution (continuous or discrete). */
    LatentType: 'latent-type',
    /** beta < 1: the objective is no longer a lower bound on log p(x). */
    BetaNotBound: 'beta-not-bound',

    // ── Options (validation/options.ts) ──
    /** A dataset names neither a known dataset nor IDX files. */
    UnknownDataset: 'unknown-dataset',
    /** A train or sample option does not apply to this model (diffusion options without a chain, VAE options with one). */
    OptionNotApplicable: 'option-not-applicable',
} as const;

/** One of the codes in {@link Code}. */
export type DiagnosticCode = (typeof Code)[keyof typeof Code];
