import { AstUtils, CstUtils, GrammarUtils, isJSDoc, parseJSDoc, type AstNode } from 'langium';
import * as ast from '../generated/ast.js';
import { evaluate, evaluateConstant, INFINITE, lowerExpr, rangeOf, sequenceLookup, type ProblemSink } from './expressions.js';
import { lowerEval, lowerSample, lowerTrain } from './lower-config.js';
import { lowerNetwork } from './lower-network.js';
import { lowerLabels } from './lower-labels.js';
import { evaluateSchedule, MAX_STEPS } from './schedules.js';
import { familyNames, findFamily, positionalParameters } from '../distributions/registry.js';
import type {
    ChainIR,
    ConstantIR,
    DataIR,
    DistributionIR,
    FactorIR,
    FactorVarIR,
    IRExpr,
    LoweringProblem,
    LoweringResult,
    ModelIR,
    NetworkIR,
    SequenceIR,
    VariableIR,
} from './types.js';
import { Code } from '../validation/codes.js';
import { isKnownDataset, KNOWN_DATASETS } from './datasets.js';

/** The documentation comment (`/** … *\/`) directly above a declaration, as Markdown. */
export function docOf(node: AstNode): string | undefined {
    const comment = CstUtils.findCommentNode(node.$cstNode, ['ML_COMMENT']);
    if (!comment || !isJSDoc(comment)) return undefined;
    const text = parseJSDoc(comment)
        .toMarkdown()
        .split('\n')
        .map(line => line.trim())
        .join('\n')
        .trim();
    return text || undefined;
}

/**
 * Lowers one model to the IR; never throws: what it cannot make sense of becomes a problem.
 * A model with syntax errors has holes in its AST; where lowering falls into one, the result is
 * an empty model marked `incomplete` (the parser has already reported the cause).
 */
export function lowerModel(model: ast.Model, uri: string): LoweringResult {
    try {
        const result = lowerCompleteModel(model, uri);
        return syntaxErrorsIn(model) ? { ...result, syntaxErrors: true } : result;
    } catch (error) {
        const parse = AstUtils.findRootNode(model).$document?.parseResult;
        if (!parse?.parserErrors.length && !parse?.lexerErrors.length) throw error;
        return { model: emptyModel(model.name ?? '', uri, rangeOf(model)), problems: [], incomplete: true };
    }
}

/**
 * Whether the parser or the lexer reported an error inside the model's text (an error at the end of
 * the file belongs to the last model, which it left unclosed).
 */
function syntaxErrorsIn(model: ast.Model): boolean {
    const root = AstUtils.findRootNode(model) as ast.Document;
    const parse = root.$document?.parseResult;
    const cst = model.$cstNode;
    if (!parse || !cst) return false;
    const isLast = root.models.at(-1) === model;
    const inside = (offset: number) => (Number.isNaN(offset) ? isLast : offset >= cst.offset && offset < cst.end);
    return parse.lexerErrors.some(e => inside(e.offset)) || parse.parserErrors.some(e => inside(e.token.startOffset));
}

/** A model with nothing in it, with the defaults of every block. */
export function emptyModel(name: string, uri: string, range: ReturnType<typeof rangeOf>): ModelIR {
    const none = (): never[] => [];
    return {
        name,
        uri,
        range,
        nameRange: range,
        constants: none(),
        sequences: none(),
        data: none(),
        variables: none(),
        chains: none(),
        networks: none(),
        factors: none(),
        train: lowerTrain(undefined, () => undefined, new Map()),
        eval: lowerEval(undefined, () => undefined, new Map()),
        sample: lowerSample(undefined, () => undefined, new Map()),
    };
}

function lowerCompleteModel(model: ast.Model, uri: string): LoweringResult {
    const problems: LoweringProblem[] = [];
    const report: ProblemSink = (message, node, code) => {
        // A name that does not resolve is reported once, by the linker; what follows from it is not.
        if (!hasUnresolvedName(node)) problems.push({ severity: 'error', message, range: rangeOf(node), code });
    };
    const constants = new Map<string, number>();
    const constantIRs: ConstantIR[] = [];
    const sequences: SequenceIR[] = [];
    const data: DataIR[] = [];
    const variables: VariableIR[] = [];
    const chains: ChainIR[] = [];
    const networks: NetworkIR[] = [];
    const factors: FactorIR[] = [];

    const sequenceAt = sequenceLookup(sequences);
    const constant = (e: ast.Expr) => evaluateConstant(e, report, constants);

    for (const member of model.members) {
        switch (member.$type) {
            case ast.Constant.$type: {
                const c = member as ast.Constant;
                const value = evaluate(lowerExpr(c.value, report, constants), { sequenceAt });
                if (Number.isNaN(value)) report('a constant must be a number known before training', c.value, Code.NotConstant);
                else if (!Number.isFinite(value)) report(INFINITE, c.value, Code.NotConstant);
                constants.set(c.name, value);
                constantIRs.push({ name: c.name, value, range: rangeOf(c) });
                break;
            }
            case ast.Schedule.$type:
                sequences.push(evaluateSchedule(member as ast.Schedule, report, constants));
                break;
            case ast.Sequence.$type:
                sequences.push(lowerSequence(member as ast.Sequence, report, constants, sequences, sequenceAt));
                break;
            case ast.DataDecl.$type:
                data.push(lowerData(member as ast.DataDecl, report, constants));
                break;
            case ast.VariableDecl.$type: {
                const v = member as ast.VariableDecl;
                const shape = v.type.dims.map(constant);
                const labels = lowerLabels(v, shape, report);
                variables.push({
                    name: v.name,
                    role: v.role as VariableIR['role'],
                    dtype: v.type.base === 'Int' ? 'int' : v.type.base === 'Binary' ? 'binary' : 'real',
                    shape,
                    ...(v.data ? { data: v.data.$refText } : {}),
                    ...(labels ? { labels } : {}),
                    ...withDoc(v),
                    range: rangeOf(v),
                });
                break;
            }
            case ast.ChainDecl.$type:
                chains.push(lowerChain(member as ast.ChainDecl, constant, variables));
                break;
            case ast.NetDecl.$type: {
                const network = lowerNetwork(member as ast.NetDecl, report, constants);
                if (network) networks.push({ ...network, ...withDoc(member) });
                break;
            }
            case ast.Factor.$type:
                factors.push(lowerFactor(member as ast.Factor, report, constants));
                break;
            default:
                break;
        }
    }
    for (const chain of chains) {
        const start = variables.find(v => v.name === chain.start);
        if (start) start.startsChain = chain.name;
    }
    for (const factor of factors) fillFromData(factor, variables, data);

    const blocks = model.members.filter(ast.isConfigBlock);
    for (const kind of ['train', 'eval', 'sample'] as const) {
        const same = blocks.filter(b => b.kind === kind);
        for (const extra of same.slice(1)) report(`only one '${kind}' block is allowed in a model`, extra, Code.DuplicateBlock);
    }
    const block = (kind: string) => blocks.find(b => b.kind === kind);
    const ir: ModelIR = {
        name: model.name,
        ...withDoc(model),
        uri,
        range: rangeOf(model),
        nameRange: nameRangeOf(model),
        constants: constantIRs,
        sequences,
        data,
        variables,
        chains,
        networks,
        factors,
        train: lowerTrain(block('train'), report, constants),
        eval: lowerEval(block('eval'), report, constants),
        sample: lowerSample(block('sample'), report, constants),
    };
    return { model: ir, problems };
}

function hasUnresolvedName(node: AstNode): boolean {
    return AstUtils.streamAst(node).some(n => (ast.isNameRef(n) && n.ref.ref === undefined) || (ast.isFactorVar(n) && n.variable.ref === undefined));
}

function withDoc(node: AstNode): { doc?: string } {
    const doc = docOf(node);
    return doc ? { doc } : {};
}

function nameRangeOf(node: AstNode): ReturnType<typeof rangeOf> {
    const leaf = GrammarUtils.findNodeForProperty(node.$cstNode, 'name');
    return leaf ? { start: { ...leaf.range.start }, end: { ...leaf.range.end } } : rangeOf(node);
}

/**
 * Evaluates an indexed `let` wherever the sequences it reads are defined. A product or sum over
 * an empty range is 1 or 0, so `prod(alpha[1..t])` is also defined at t = 0 (ᾱ₀ = 1).
 */
function lowerSequence(
    seq: ast.Sequence,
    report: ProblemSink,
    constants: ReadonlyMap<string, number>,
    sequences: readonly SequenceIR[],
    sequenceAt: (name: string, index: number | undefined) => number,
): SequenceIR {
    const expr = lowerExpr(seq.value, report, constants);
    const base: SequenceIR = { name: seq.name, kind: 'let', expr, ...withDoc(seq), range: rangeOf(seq) };
    if (!seq.index) {
        const value = evaluate(expr, { sequenceAt });
        return Number.isFinite(value) ? { ...base, value } : base;
    }
    const indexed = sequences.filter(s => s.values && s.lower !== undefined && s.upper !== undefined);
    if (indexed.length === 0) {
        report('an indexed let must read an indexed schedule or let', seq, Code.LetWithoutRange);
        return { ...base, index: seq.index.name };
    }
    const lo = Math.min(...indexed.map(s => s.lower!)) - 1;
    const hi = Math.max(...indexed.map(s => s.upper!));
    // Each sequence has at most MAX_STEPS values, but two of them may lie far apart (1..10 and 1e9..1e9+10).
    if (!(hi - lo <= MAX_STEPS) || !Number.isSafeInteger(lo) || !Number.isSafeInteger(hi)) {
        report(`'${seq.name}' would run over the indices ${lo}..${hi} of the sequences it may read; at most ${MAX_STEPS} are supported`, seq, Code.RangeTooLong);
        return { ...base, index: seq.index.name };
    }
    const all: number[] = [];
    const prefixes = new Map<string, number[]>();
    for (let t = lo; t <= hi; t++) all.push(evaluate(expr, { indices: { [seq.index.name]: t }, sequenceAt, prefixes }));
    const first = all.findIndex(Number.isFinite);
    let last = all.length - 1;
    while (last >= 0 && !Number.isFinite(all[last]!)) last--;
    if (first < 0) {
        report(`'${seq.name}' is not a number for any index`, seq.value, Code.SequenceUndefined);
        return { ...base, index: seq.index.name };
    }
    const values = all.slice(first, last + 1);
    const bad = values.findIndex(v => !Number.isFinite(v));
    if (bad >= 0) report(`'${seq.name}[${lo + first + bad}]' is not a finite number`, seq.value, Code.SequenceNotFinite);
    return { ...base, index: seq.index.name, lower: lo + first, upper: lo + last, values };
}

function lowerData(decl: ast.DataDecl, report: ProblemSink, constants: ReadonlyMap<string, number>): DataIR {
    const result: DataIR = {
        name: decl.name,
        dataset: 'mnist',
        split: 'train',
        binarize: 'none',
        valueRange: [0, 1],
        shape: [1, 28, 28],
        range: rangeOf(decl),
    };
    const call = decl.source;
    if (!ast.isCallExpr(call) || !ast.isNameRef(call.callee) || call.callee.ref.$refText !== 'images') {
        report(`a dataset is declared as images(${KNOWN_DATASETS.map(d => `"${d}"`).join(' | ')} | "path/to/idx", …)`, decl.source, Code.DataSource);
        return result;
    }
    for (const [i, arg] of call.args.entries()) {
        const key = arg.name ?? (i === 0 ? 'name' : undefined);
        const value = lowerExpr(arg.value, report, constants);
        switch (key) {
            case 'name':
                if (value.kind !== 'string') {
                    report('the dataset is named by a string', arg.value, Code.DataName);
                    break;
                }
                if (isKnownDataset(value.value)) result.dataset = value.value;
                else {
                    result.dataset = 'idx';
                    result.path = value.value;
                    result.shape = [];
                }
                break;
            case 'split':
                if (value.kind === 'symbol' && (value.name === 'train' || value.name === 'test')) result.split = value.name;
                else report('split is train or test', arg.value, Code.DataSplit);
                break;
            case 'binarize':
                if (value.kind === 'bool') result.binarize = value.value ? 'fixed' : 'none';
                else if (value.kind === 'symbol' && (value.name === 'fixed' || value.name === 'stochastic')) result.binarize = value.name;
                else report('binarize is true, false, fixed or stochastic', arg.value, Code.DataBinarize);
                break;
            case 'range': {
                const bounds = value.kind === 'list' ? value.items.map(v => evaluate(v, {})) : [];
                if (bounds.length === 2 && bounds.every(Number.isFinite) && bounds[0]! < bounds[1]!) result.valueRange = [bounds[0]!, bounds[1]!];
                else report('range is [low, high] with low < high, e.g. [-1, 1]', arg.value, Code.DataRange);
                break;
            }
            case 'limit':
                result.limit = evaluate(value, {});
                break;
            default:
                report(`unknown dataset option '${arg.name ?? '(positional)'}'; known: name, split, binarize, range, limit`, arg, Code.DataOption);
        }
    }
    return result;
}

function lowerChain(chain: ast.ChainDecl, constant: (e: ast.Expr) => number, variables: readonly VariableIR[]): ChainIR {
    const start = chain.start?.$refText;
    const startVar = variables.find(v => v.name === start);
    return {
        name: chain.name,
        index: chain.range.index.name,
        lower: constant(chain.range.lower),
        upper: constant(chain.range.upper),
        ...(start ? { start } : {}),
        shape: chain.type ? chain.type.dims.map(constant) : (startVar?.shape ?? []),
        ...withDoc(chain),
        range: rangeOf(chain),
    };
}

function lowerFactor(factor: ast.Factor, report: ProblemSink, constants: ReadonlyMap<string, number>): FactorIR {
    const target = lowerFactorVar(factor.target, report, constants);
    const given = factor.given.map(g => lowerFactorVar(g, report, constants));
    const head = (v: ast.FactorVar) => (v.$cstNode?.text ?? '').replace(/\s+/g, '');
    const id = `${factor.kind}(${head(factor.target)}${factor.given.length ? '|' + factor.given.map(head).join(',') : ''})`;
    return {
        id,
        kind: factor.kind as 'p' | 'q',
        target,
        given,
        distribution: lowerDistribution(factor.distribution, report, constants),
        text: factor.$cstNode?.text ?? id,
        ...withDoc(factor),
        range: rangeOf(factor),
    };
}

/** Parameters a family reads from the observed data when they are not given (a discretized likelihood's levels). */
function fillFromData(factor: FactorIR, variables: readonly VariableIR[], data: readonly DataIR[]): void {
    const spec = findFamily(factor.distribution.family);
    const source = data.find(d => d.name === variables.find(v => v.name === factor.target.name)?.data);
    for (const p of spec?.parameters ?? []) {
        if (!p.fromData || factor.distribution.params[p.name] || !source) continue;
        factor.distribution.params[p.name] = { kind: 'number', value: source.valueRange[p.fromData === 'low' ? 0 : 1] };
    }
}

function lowerFactorVar(v: ast.FactorVar, report: ProblemSink, constants: ReadonlyMap<string, number>): FactorVarIR {
    return {
        name: v.variable.$refText,
        ...(v.index ? { index: lowerExpr(v.index, report, constants) } : {}),
        range: rangeOf(v),
    };
}

function lowerDistribution(expr: ast.Expr, report: ProblemSink, constants: ReadonlyMap<string, number>): DistributionIR {
    const range = rangeOf(expr);
    const callee = ast.isCallExpr(expr) && ast.isNameRef(expr.callee) ? expr.callee.ref.ref : undefined;
    const spec = ast.isBuiltin(callee) && callee.category === 'distribution' ? findFamily(callee.name) : undefined;
    if (!ast.isCallExpr(expr) || !spec) {
        report(`expected a distribution: ${familyNames()}`, expr, Code.NotADistribution);
        return { family: 'Normal', params: {}, range };
    }
    const family = spec.name;
    const params: Record<string, IRExpr> = {};
    const known = spec.parameters.map(p => p.name);
    const positional = positionalParameters(spec);
    expr.args.forEach((arg, i) => {
        const name = arg.name ?? positional[i];
        if (!name) {
            report(`${family} takes at most ${positional.length} positional arguments`, arg, Code.TooManyArguments);
            return;
        }
        if (!known.includes(name)) {
            report(`${family} has no parameter '${name}'; its parameters are ${known.join(', ')}`, arg, Code.UnknownParameter);
            return;
        }
        if (params[name]) {
            report(`parameter '${name}' is given twice`, arg, Code.DuplicateParameter);
            return;
        }
        params[name] = lowerExpr(arg.value, report, constants);
    });
    return { family, params, range };
}
