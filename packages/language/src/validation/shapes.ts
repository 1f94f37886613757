import { findFamily } from '../distributions/registry.js';
import { functionSpec } from '../ir/functions.js';
import type { DataIR, FactorIR, IRExpr, ModelIR, NetworkIR, SourceRange, VariableIR } from '../ir/types.js';
import type { Report } from './finding.js';
import { factorName, shapeOfFactorVar, sizeOfShape, subExpressions, variableOf, chainOf } from './ir-walk.js';
import { Code } from './codes.js';

/**
 * Shapes, counted in values per example: a variable Real[1, 28, 28] has 784. Network widths must
 * agree with the variables they read and define; slices of a network's output must stay inside it
 * and use all of it; distribution parameters are scalars or have the variable's size; an observed
 * variable has the size of its dataset's examples.
 */
export function checkShapes(ir: ModelIR, report: Report): void {
    checkDeclaredShapes(ir, report);
    checkObservedShapes(ir, report);
    checkNetworkCalls(ir, report);
    checkParameterShapes(ir, report);
    checkSliceCoverage(ir, report);
}

/** A shape whose dimensions are positive integers; others are reported by checkDeclaredShapes alone. */
const validShape = (shape: readonly number[]): boolean => shape.every(d => Number.isInteger(d) && d >= 1);

/** Every dimension of a declared shape is a positive integer. */
export function checkDeclaredShapes(ir: ModelIR, report: Report): void {
    for (const v of [...ir.variables, ...ir.chains]) {
        if (!validShape(v.shape))
            report({
                severity: 'error',
                code: Code.ShapeDims,
                range: v.range,
                message: `the shape [${v.shape.join(', ')}] of '${v.name}' must be made of positive integers`,
            });
    }
}

/** An observed variable has the dataset's shape, or that shape flattened: [1, 28, 28] or [784]. */
export function checkObservedShapes(ir: ModelIR, report: Report): void {
    for (const v of ir.variables.filter(x => x.role === 'observed')) {
        if (!validShape(v.shape)) continue; // reported by checkDeclaredShapes
        if (!v.data) {
            report({
                severity: 'error',
                code: Code.ObservedWithoutData,
                range: v.range,
                message: `observed '${v.name}' is bound to no dataset; add 'from ${ir.data[0]?.name ?? 'mnist'}'${ir.data.length ? '' : ' and declare it: data mnist = images("mnist")'}`,
            });
            continue;
        }
        const data = ir.data.find(d => d.name === v.data);
        if (v.labels) {
            checkLabelClasses(v, data, report);
            continue;
        }
        if (!data || data.shape.length === 0) continue; // IDX files: the shape is known when they are read
        const n = sizeOfShape(data.shape);
        const same = v.shape.length === data.shape.length && v.shape.every((d, i) => d === data.shape[i]);
        if (same || (v.shape.length === 1 && v.shape[0] === n)) continue;
        report({
            severity: 'error',
            code: Code.ObservedShape,
            range: v.range,
            message: `observed '${v.name}' is Real[${v.shape.join(', ')}] but '${data.name}' gives ${data.shape.join('×')} = ${n} values per example; declare Real[${n}] or Real[${data.shape.join(', ')}]`,
        });
    }
}

/** The classes of the packaged datasets (IDX labels are counted when they are read). */
const DATASET_CLASSES: Partial<Record<DataIR['dataset'], number>> = { mnist: 10, 'fashion-mnist': 10 };

/** A one-hot label variable has one value per class of its dataset. */
function checkLabelClasses(v: VariableIR, data: DataIR | undefined, report: Report): void {
    const classes = data ? DATASET_CLASSES[data.dataset] : undefined;
    if (!data || classes === undefined || v.labels?.encoding !== 'one-hot' || v.labels.classes === classes) return;
    report({
        severity: 'error',
        code: Code.LabelsClasses,
        range: v.range,
        message: `'${data.name}' has ${classes} classes, but '${v.name}' is one-hot over ${v.labels.classes}; declare Int[${classes}]`,
    });
}

type Sizer = (expr: IRExpr) => number | undefined;

/**
 * Values per example of an expression (1 for a scalar, which broadcasts), or undefined where
 * unknown. Reports operands that cannot be combined.
 */
export function sizer(ir: ModelIR, report: Report): Sizer {
    const size: Sizer = expr => {
        switch (expr.kind) {
            case 'number':
            case 'constant':
            case 'bool':
            case 'sequence':
            case 'index':
                return 1;
            case 'variable': {
                const shape = variableOf(ir, expr.name)?.shape ?? chainOf(ir, expr.name)?.shape;
                return shape && validShape(shape) ? sizeOfShape(shape) : undefined;
            }
            case 'network': {
                const net = ir.networks.find(n => n.name === expr.name);
                if (!net) return undefined;
                if (net.architecture === 'MLP') return net.outputSize;
                const input = expr.args[0] ? size(expr.args[0]) : undefined;
                return input === undefined ? undefined : (input / net.inChannels) * net.outChannels;
            }
            case 'call': {
                if (expr.fn === 'prod' || expr.fn === 'sum') return 1;
                const sizes = expr.args.map(size);
                if (functionSpec(expr.fn).joins) return sizes.reduce<number | undefined>((a, b) => (a === undefined || b === undefined ? undefined : a + b), 0);
                return sizes.reduce<number | undefined>((a, b) => (a === undefined || b === undefined ? undefined : broadcast(a, b)), 1);
            }
            case 'neg':
                return size(expr.operand);
            case 'slice': {
                // A U-Net's output is sliced by channels: [0:1] of [2, 28, 28] is [1, 28, 28].
                const net = expr.base.kind === 'network' ? ir.networks.find(n => n.name === (expr.base as { name: string }).name) : undefined;
                if (net?.architecture !== 'UNet') return expr.upper - expr.lower;
                const input = expr.base.kind === 'network' && expr.base.args[0] ? size(expr.base.args[0]) : undefined;
                return input === undefined ? undefined : (input / net.inChannels) * (expr.upper - expr.lower);
            }
            case 'binary': {
                const a = size(expr.left),
                    b = size(expr.right);
                if (a === undefined || b === undefined) return undefined;
                const c = broadcast(a, b);
                if (c === undefined) {
                    report({
                        severity: 'error',
                        code: Code.OperandShape,
                        range: expr.range ?? ir.range,
                        message: `the operands of '${expr.op}' have ${a} and ${b} values per example; they must have the same size, or one must be a scalar`,
                    });
                }
                return c;
            }
            default:
                return undefined;
        }
    };
    return size;
}

const broadcast = (a: number, b: number): number | undefined => (a === 1 ? b : b === 1 || a === b ? a : undefined);

/**
 * Inputs of each network call: (x, t) for a network conditioned on time; otherwise one or more
 * inputs, side by side along the feature axis (decoder(z, y) reads z's values, then y's), whose
 * sizes add up to the MLP's input width.
 */
export function checkNetworkCalls(ir: ModelIR, report: Report): void {
    const size = sizer(ir, () => undefined);
    for (const factor of ir.factors) {
        const checked = new Set<string>(); // encoder(x)[0:20] and encoder(x)[20:40] are one call
        for (const expr of Object.values(factor.distribution.params).flatMap(p => [...subExpressions(p)])) {
            if (expr.kind !== 'network') continue;
            const net = ir.networks.find(n => n.name === expr.name);
            if (!net || checked.has(net.name)) continue;
            checked.add(net.name);
            const range = expr.range ?? factor.range;
            const timed = net.architecture === 'UNet' || net.timeEmbedding !== undefined;
            if (timed ? expr.args.length !== 2 : expr.args.length === 0) {
                report({
                    severity: 'error',
                    code: Code.NetworkArity,
                    range,
                    message: timed
                        ? `'${net.name}' is conditioned on time: call it as ${net.name}(x, t)`
                        : `'${net.name}' needs its input: call it as ${net.name}(x), or ${net.name}(x, y) for several`,
                });
                continue;
            }
            const input = expr.args[0]!;
            if (net.architecture === 'MLP') {
                const inputs = timed ? [input] : expr.args;
                const sizes = inputs.map(size);
                if (sizes.some(n => n === undefined) || !Number.isFinite(net.inputSize)) continue;
                const n = sizes.reduce<number>((a, b) => a + b!, 0);
                if (n === net.inputSize) continue;
                const parts = inputs.length > 1 ? `${inputs.map((a, i) => `${renderArg(a)} (${sizes[i]})`).join(' + ')} = ${n}` : `${n}`;
                report({
                    severity: 'error',
                    code: Code.NetworkInputSize,
                    range,
                    message: `'${net.name}' takes ${net.inputSize} inputs but gets ${parts} values here; change its input width to ${n}: MLP(${n} -> …)`,
                    data: { network: net.name, end: 'input', size: n },
                });
            } else {
                checkUNetInput(ir, net, input, range, report);
            }
        }
    }
}

/** A network input as the message names it: the variable, or "an input". */
const renderArg = (e: IRExpr): string => (e.kind === 'variable' ? e.name : e.kind === 'network' ? `${e.name}(…)` : 'an input');

function checkUNetInput(ir: ModelIR, net: Extract<NetworkIR, { architecture: 'UNet' }>, input: IRExpr, range: SourceRange, report: Report): void {
    if (input.kind !== 'variable') return;
    const shape = shapeOfFactorVar(ir, input);
    if (!shape || !validShape(shape)) return;
    if (shape.length !== 3) {
        report({
            severity: 'error',
            code: Code.NetworkInputSize,
            range,
            message: `the U-Net '${net.name}' takes images [channels, height, width], but '${input.name}' has shape [${shape.join(', ')}]; declare it as e.g. Real[1, 28, 28]`,
        });
        return;
    }
    const [c, h, w] = shape as [number, number, number];
    if (c !== net.inChannels)
        report({
            severity: 'error',
            code: Code.NetworkInputSize,
            range,
            message: `'${net.name}' takes ${net.inChannels} input channels but '${input.name}' has ${c}; set in: ${c}`,
            data: { network: net.name, end: 'in', size: c },
        });
    const halvings = net.mults.length - 1;
    const factor = 2 ** halvings;
    if (h % factor !== 0 || w % factor !== 0)
        report({
            severity: 'error',
            code: Code.UnetResolution,
            range,
            message: `'${net.name}' halves the resolution ${halvings} times (mults has ${net.mults.length} levels), so ${h}×${w} must be divisible by ${factor}; use fewer levels in mults`,
        });
}

/** Each distribution parameter is a scalar or has the size of the variable it defines. */
export function checkParameterShapes(ir: ModelIR, report: Report): void {
    const size = sizer(ir, report);
    for (const factor of ir.factors) {
        const shape = shapeOfFactorVar(ir, factor.target);
        const target = shape && validShape(shape) ? sizeOfShape(shape) : undefined;
        for (const [name, param] of Object.entries(factor.distribution.params)) {
            const n = size(param);
            const categories = findFamily(factor.distribution.family)?.categoriesOnLastAxis;
            if (categories && n === 1 && name === 'logits' && target !== undefined && target > 1) {
                // One logit for every category: the log-softmax over the last axis would see a single value.
                report({
                    severity: 'error',
                    code: Code.ParameterShape,
                    range: param.range ?? factor.range,
                    message: `logits of ${factorName(factor)} is one number, but '${factor.target.name}' has ${target} categories; for a uniform distribution write probs: 1/${target}`,
                });
                continue;
            }
            if (n === undefined || target === undefined || n === 1 || n === target) continue;
            if (categories) continue; // the categories are on the last axis
            checkOneParameter(factor, name, param, n, target, report);
        }
        checkSliceBounds(ir, factor, report);
    }
}

function checkOneParameter(factor: FactorIR, name: string, param: IRExpr, n: number, target: number, report: Report): void {
    const range = param.range ?? factor.range;
    const net = param.kind === 'network' ? param.name : undefined;
    report(
        net
            ? {
                  severity: 'error',
                  code: Code.NetworkOutputSize,
                  range,
                  message: `${name} of ${factorName(factor)} is ${net}(…), which gives ${n} values, but '${factor.target.name}' has ${target}; set ${net}'s output width to ${target}`,
                  data: { network: net, end: 'output', size: target },
              }
            : {
                  severity: 'error',
                  code: Code.ParameterShape,
                  range,
                  message: `${name} of ${factorName(factor)} has ${n} values per example but '${factor.target.name}' has ${target}; a parameter is a scalar or has the variable's size`,
              },
    );
}

/** A slice of a network's output stays inside that output. */
function checkSliceBounds(ir: ModelIR, factor: FactorIR, report: Report): void {
    for (const expr of Object.values(factor.distribution.params).flatMap(p => [...subExpressions(p)])) {
        if (expr.kind !== 'slice') continue;
        const range = expr.range ?? factor.range;
        if (!Number.isInteger(expr.lower) || !Number.isInteger(expr.upper) || expr.lower < 0 || expr.upper <= expr.lower) {
            report({
                severity: 'error',
                code: Code.SliceRange,
                range,
                message: `the slice [${expr.lower}:${expr.upper}] is empty or not made of integers; write [start:end] with 0 ≤ start < end`,
            });
            continue;
        }
        if (expr.base.kind !== 'network') continue;
        const net = ir.networks.find(n => n.name === (expr.base as { name: string }).name);
        if (net?.architecture === 'UNet' && expr.upper > net.outChannels) {
            report({
                severity: 'error',
                code: Code.SliceRange,
                range,
                message: `the slice [${expr.lower}:${expr.upper}] of '${net.name}' reads past its output channels (out: ${net.outChannels}); set out: ${widestSlice(ir, net.name)}`,
            });
            continue;
        }
        if (net?.architecture !== 'MLP' || expr.upper <= net.outputSize) continue;
        report({
            severity: 'error',
            code: Code.SliceRange,
            range,
            message: `the slice [${expr.lower}:${expr.upper}] reads past the ${net.outputSize} outputs of '${net.name}'; set its output width to ${widestSlice(ir, net.name)}`,
            data: { network: net.name, end: 'output', size: widestSlice(ir, net.name) },
        });
    }
}

/** The end of the widest slice of a network's output anywhere in the model. */
function widestSlice(ir: ModelIR, network: string): number {
    let upper = 0;
    for (const s of slicesOf(ir, network)) upper = Math.max(upper, s.upper);
    return upper;
}

function slicesOf(ir: ModelIR, network: string): Array<Extract<IRExpr, { kind: 'slice' }>> {
    const out: Array<Extract<IRExpr, { kind: 'slice' }>> = [];
    for (const factor of ir.factors) {
        for (const expr of Object.values(factor.distribution.params).flatMap(p => [...subExpressions(p)])) {
            if (expr.kind === 'slice' && expr.base.kind === 'network' && expr.base.name === network) out.push(expr);
        }
    }
    return out;
}

/** The slices of a network's output add up to the whole output: nothing computed goes unused. */
export function checkSliceCoverage(ir: ModelIR, report: Report): void {
    for (const net of ir.networks) {
        if (net.architecture !== 'MLP' || !Number.isInteger(net.outputSize)) continue;
        const slices = slicesOf(ir, net.name).filter(s => Number.isInteger(s.lower) && Number.isInteger(s.upper) && s.lower < s.upper);
        if (slices.length === 0) continue;
        const used = coveredLength(slices.map(sl => [sl.lower, Math.min(sl.upper, net.outputSize)] as [number, number]));
        if (used === net.outputSize) continue;
        if (net.heads) {
            // Named heads: name the ones nothing reads (rewriting the width would lose the names).
            const unread = net.heads.filter(h => !slices.some(sl => sl.lower < h.upper && sl.upper > h.lower)).map(h => `'${h.name}'`);
            if (unread.length)
                report({
                    severity: 'warning',
                    code: Code.NetworkOutputUnused,
                    range: net.range,
                    message: `${unread.length === 1 ? 'the head' : 'the heads'} ${unread.join(', ')} of '${net.name}' ${unread.length === 1 ? 'is' : 'are'} never read; remove ${unread.length === 1 ? 'it' : 'them'} from its declaration`,
                });
            continue;
        }
        const widest = widestSlice(ir, net.name);
        const contiguous = used === Math.min(widest, net.outputSize);
        report({
            severity: 'warning',
            code: Code.NetworkOutputUnused,
            range: net.range,
            message:
                contiguous && widest < net.outputSize
                    ? `'${net.name}' gives ${net.outputSize} outputs but its slices use only ${widest}; set its output width to ${widest}`
                    : `the slices of '${net.name}' leave ${net.outputSize - used} of its ${net.outputSize} outputs unused; slice its output into consecutive parts such as [0:n] and [n:2n]`,
            ...(contiguous && widest < net.outputSize ? { data: { network: net.name, end: 'output', size: widest } } : {}),
        });
    }
}

/** How many integers the half-open intervals [lower, upper) cover together (sizes may be huge). */
function coveredLength(intervals: Array<[number, number]>): number {
    const sorted = intervals.filter(([a, b]) => b > a).sort((x, y) => x[0] - y[0]);
    let total = 0,
        end = -Infinity;
    for (const [a, b] of sorted) {
        if (b <= end) continue;
        total += b - Math.max(a, end);
        end = b;
    }
    return total;
}
