import * as ast from '../generated/ast.js';
import { evaluate, INFINITE, lowerExpr, rangeOf, type ProblemSink } from './expressions.js';
import type { DiffusionObjective, EvalIR, IRExpr, OptimizerName, OptionValueRange, SampleIR, TrainIR } from './types.js';
import { Code } from '../validation/codes.js';

const OPTIMIZERS: readonly OptimizerName[] = ['Adam', 'AdamW', 'SGD', 'RMSProp'];
const OBJECTIVES: readonly DiffusionObjective[] = ['simple', 'vlb', 'hybrid'];

/** How one option of a block is read into the IR object being built. */
type OptionReader<T> = (target: T, value: IRExpr, option: ast.Option, report: ProblemSink) => void;

function numberOption<T>(set: (target: T, value: number) => void): OptionReader<T> {
    return (target, value, option, report) => {
        const n = evaluate(value, {});
        if (Number.isFinite(n)) set(target, n);
        else if (!Number.isNaN(n)) report(`'${option.name}' ${INFINITE.replace('this number is', 'is')}`, option.value, Code.OptionNotNumber);
        else report(`'${option.name}' must be a number known before training`, option.value, Code.OptionNotNumber);
    };
}

/** The names of T's fields that hold numbers. */
type NumberField<T> = { [K in keyof T]-?: T[K] extends number | undefined ? K : never }[keyof T];

/** A number option that sets the field `field` of the target. */
function numberField<T>(field: NumberField<T>): OptionReader<T> {
    return numberOption((target, n) => {
        (target as Record<NumberField<T>, number>)[field] = n;
    });
}

function symbolOption<T, S extends string>(allowed: readonly S[], set: (target: T, value: S) => void): OptionReader<T> {
    return (target, value, option, report) => {
        if (value.kind === 'symbol' && (allowed as readonly string[]).includes(value.name)) set(target, value.name as S);
        else report(`'${option.name}' is one of ${allowed.join(', ')}`, option.value, Code.OptionValue);
    };
}

/** Reads a block's options through a table of readers; unknown options are reported with the known ones. */
function readOptions<T extends { optionRanges: OptionValueRange[] }>(
    block: ast.ConfigBlock | undefined,
    target: T,
    readers: Record<string, OptionReader<T>>,
    report: ProblemSink,
    constants: ReadonlyMap<string, number>,
): T {
    if (!block) return target;
    const seen = new Set<string>();
    for (const option of block.options) {
        const reader = readers[option.name];
        if (!reader) {
            report(`unknown option '${option.name}' in ${block.kind}; known options: ${Object.keys(readers).join(', ')}`, option, Code.UnknownOption);
            continue;
        }
        if (seen.has(option.name)) report(`option '${option.name}' is given twice`, option, Code.DuplicateOption);
        seen.add(option.name);
        target.optionRanges.push({ name: option.name, range: rangeOf(option) });
        reader(target, lowerExpr(option.value, report, constants), option, report);
    }
    return target;
}

const TRAIN_OPTIONS: Record<string, OptionReader<TrainIR>> = {
    optimizer: (t, value, option, report) => {
        const call = option.value;
        const name = ast.isCallExpr(call) && ast.isNameRef(call.callee) ? call.callee.ref.$refText : value.kind === 'symbol' ? value.name : '';
        if (!(OPTIMIZERS as readonly string[]).includes(name)) {
            report(`optimizer is one of ${OPTIMIZERS.join(', ')}, e.g. Adam(lr: 1e-3)`, option.value, Code.Optimizer);
            return;
        }
        t.optimizer.name = name as OptimizerName;
        if (!ast.isCallExpr(call)) return;
        for (const arg of call.args) {
            const n = evaluate(lowerExpr(arg.value, report, new Map()), {});
            if (!arg.name) {
                report('optimizer options are named, e.g. Adam(lr: 1e-3)', arg, Code.OptimizerOption);
                continue;
            }
            if (arg.name === 'lr') t.optimizer.lr = n;
            else t.optimizer.options[arg.name] = n;
        }
    },
    lr: numberOption((t, n) => {
        t.optimizer.lr = n;
    }),
    batch: numberField('batch'),
    epochs: numberField('epochs'),
    steps: numberField('steps'),
    seed: numberField('seed'),
    beta: numberField('beta'),
    kl_warmup: numberField('klWarmup'),
    k: numberField('k'),
    samples: numberField('samples'),
    objective: symbolOption(OBJECTIVES, (t, s) => {
        t.objective = s;
    }),
    lambda: numberField('hybridWeight'),
    t_sampling: symbolOption(['uniform', 'importance'] as const, (t, s) => {
        t.tSampling = s;
    }),
    estimator: readEstimator,
    ema: numberField('ema'),
    clip: numberField('clip'),
    lr_warmup: numberField('lrWarmup'),
};

const ESTIMATORS = ['enumerate', 'score', 'relaxed'] as const;

/** `estimator: enumerate | score(baseline: b(x)) | relaxed(temperature: 0.5)`. */
function readEstimator(t: TrainIR, value: IRExpr, option: ast.Option, report: ProblemSink): void {
    const constants = new Map<string, number>();
    const call = ast.isCallExpr(option.value) ? option.value : undefined;
    const name = value.kind === 'symbol' ? value.name : '';
    if (!(ESTIMATORS as readonly string[]).includes(name)) {
        report(`'estimator' is one of enumerate, score, score(baseline: b(x)), relaxed(temperature: 0.5)`, option.value, Code.OptionValue);
        return;
    }
    const args = new Map<string, ast.Argument>();
    for (const arg of call?.args ?? []) {
        const allowed = name === 'score' ? ['baseline'] : name === 'relaxed' ? ['temperature'] : [];
        if (!arg.name || !allowed.includes(arg.name)) report(`${name} takes ${allowed.length ? allowed.map(a => `${a}: …`).join(', ') : 'no options'}`, arg, Code.OptionValue);
        else args.set(arg.name, arg);
    }
    if (name === 'enumerate') t.estimator = { kind: 'enumerate' };
    else if (name === 'score') {
        const b = args.get('baseline');
        t.estimator = { kind: 'score', ...(b ? { baseline: lowerExpr(b.value, report, constants) } : {}) };
    } else {
        const arg = args.get('temperature');
        const temperature = arg ? evaluate(lowerExpr(arg.value, report, constants), {}) : 0.5;
        if (!(temperature > 0)) report('the temperature of relaxed(…) is a number above 0, e.g. relaxed(temperature: 0.5)', arg ?? option.value, Code.OptionRange);
        t.estimator = { kind: 'relaxed', temperature };
    }
}

/** The `train { … }` block, with the defaults of the Kingma & Welling and Ho et al. setups. */
export function lowerTrain(block: ast.ConfigBlock | undefined, report: ProblemSink, constants: ReadonlyMap<string, number>): TrainIR {
    const train: TrainIR = {
        optimizer: { name: 'Adam', lr: 1e-3, options: {} },
        batch: 128,
        seed: 0,
        beta: 1,
        k: 1,
        samples: 1,
        hybridWeight: 0.001,
        optionRanges: [],
        ...(block ? { range: rangeOf(block) } : {}),
    };
    return readOptions(block, train, TRAIN_OPTIONS, report, constants);
}

const EVAL_OPTIONS: Record<string, OptionReader<EvalIR>> = {
    every: numberField('every'),
    iw: numberField('iw'),
    batch: numberField('batch'),
};

export function lowerEval(block: ast.ConfigBlock | undefined, report: ProblemSink, constants: ReadonlyMap<string, number>): EvalIR {
    const result: EvalIR = { iw: 1000, batch: 100, optionRanges: [], ...(block ? { range: rangeOf(block) } : {}) };
    return readOptions(block, result, EVAL_OPTIONS, report, constants);
}

const SAMPLE_OPTIONS: Record<string, OptionReader<SampleIR>> = {
    n: numberField('n'),
    every: numberField('every'),
    sampler: symbolOption(['ancestral', 'ddim'] as const, (s, v) => {
        s.sampler = v;
    }),
    steps: numberField('steps'),
    eta: numberField('eta'),
    clip: (s, value, option, report) => {
        if (value.kind === 'bool') s.clip = value.value;
        else report("'clip' is true or false", option.value, Code.OptionValue);
    },
};

export function lowerSample(block: ast.ConfigBlock | undefined, report: ProblemSink, constants: ReadonlyMap<string, number>): SampleIR {
    const result: SampleIR = { n: 64, sampler: 'ancestral', eta: 0, clip: true, optionRanges: [], ...(block ? { range: rangeOf(block) } : {}) };
    return readOptions(block, result, SAMPLE_OPTIONS, report, constants);
}
