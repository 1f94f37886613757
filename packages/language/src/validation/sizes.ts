/**
 * Sizes that can be allocated. The runtime keeps every tensor in one typed array; a width, a latent
 * size or a batch whose tensors would hold more numbers than that fails only once training starts
 * ("Invalid typed array length: Infinity", without a location). Here each such size is an error on
 * the line that sets it. The runtime adds the estimate of the whole run's memory before training.
 */
import type { ModelIR, NetworkIR, SourceRange } from '../ir/types.js';
import { Code, type DiagnosticCode } from './codes.js';
import type { Report } from './finding.js';

/** The most numbers one tensor may hold: typed arrays and the backends' int32 indexing stop at 2^31 − 1. */
export const MAX_ELEMENTS = 2 ** 31 - 1;

const LIMIT = `a tensor holds at most 2^31 − 1 (${MAX_ELEMENTS}) numbers`;
const numbers = (n: number) => (!Number.isFinite(n) ? 'more than 1.8e308' : n < 1e7 ? String(n) : n.toPrecision(3));
const product = (xs: readonly number[]) => xs.reduce((a, b) => a * b, 1);
const isCount = (n: number) => Number.isInteger(n) && n >= 1;

type Block = { optionRanges: ReadonlyArray<{ name: string; range: SourceRange }> };
const optionRange = (block: Block, ...names: string[]) => names.map(n => block.optionRanges.find(o => o.name === n)?.range).find(r => r !== undefined);

export function checkSizes(ir: ModelIR, report: Report): void {
    checkVariableSizes(ir, report);
    // A batch through a layer narrower than some variable is reported on that variable.
    const widest = Math.max(0, ...[...ir.variables, ...ir.chains].map(v => product(v.shape)).filter(Number.isFinite));
    for (const net of ir.networks) checkNetworkSizes(net, ir.train.batch, widest, report);
}

/** A variable's numbers per example, and per batch of training, evaluation and sampling. */
function checkVariableSizes(ir: ModelIR, report: Report): void {
    const trainBatch = ir.train.batch * ir.train.k * ir.train.samples;
    for (const v of [...ir.variables, ...ir.chains]) {
        if (!v.shape.every(isCount)) continue; // reported by checkDeclaredShapes
        const size = product(v.shape);
        if (size > MAX_ELEMENTS) {
            report({ severity: 'error', code: Code.SizeTooLarge, range: v.range, message: `'${v.name}' holds ${numbers(size)} numbers per example; ${LIMIT}` });
            continue;
        }
        const latent = !('role' in v) || v.role === 'latent';
        const t = ir.train;
        const perBatch = [
            latent
                ? {
                      count: trainBatch,
                      what: `a training batch (${t.batch} examples × ${t.k} importance samples × ${t.samples} samples)`,
                      range: optionRange(t, 'batch', 'k', 'samples'),
                  }
                : { count: t.batch, what: `a training batch (${t.batch} examples)`, range: optionRange(t, 'batch') },
            latent
                ? {
                      count: ir.eval.batch * ir.eval.iw,
                      what: `an evaluation batch (${ir.eval.batch} examples × ${ir.eval.iw} importance samples)`,
                      range: optionRange(ir.eval, 'batch', 'iw'),
                  }
                : { count: ir.eval.batch, what: `an evaluation batch (${ir.eval.batch} examples)`, range: optionRange(ir.eval, 'batch') },
            { count: ir.sample.n, what: `a batch of ${ir.sample.n} samples`, range: optionRange(ir.sample, 'n') },
        ];
        for (const { count, what, range } of perBatch) {
            if (!Number.isFinite(count) || count * size <= MAX_ELEMENTS) continue;
            report({
                severity: 'error',
                code: Code.SizeTooLarge,
                range: range ?? v.range,
                message: `${what} of '${v.name}', ${size} numbers each, holds ${numbers(count * size)} numbers; ${LIMIT}`,
            });
        }
    }
}

/** Widths are counts; a weight matrix and a batch of activations fit in a tensor. */
function checkNetworkSizes(net: NetworkIR, batch: number, widestVariable: number, report: Report): void {
    const say = (code: DiagnosticCode, message: string) => report({ severity: 'error', code, range: net.range, message });
    if (net.architecture === 'MLP') {
        const layers = net.layers.filter(w => Number.isFinite(w)); // a width that is not a number is reported by lowering
        const odd = layers.find(w => !isCount(w));
        if (odd !== undefined) return say(Code.NetworkLayers, `the widths of '${net.name}' are integers ≥ 1, not ${odd}`);
        if (layers.length !== net.layers.length) return;
        const input = net.layers[0]! + (net.timeEmbedding ?? 0);
        for (let i = 1; i < net.layers.length; i++) {
            const from = i === 1 ? input : net.layers[i - 1]!;
            const to = net.layers[i]!;
            if (from * to > MAX_ELEMENTS)
                return say(Code.SizeTooLarge, `the weights from width ${numbers(from)} to ${numbers(to)} in '${net.name}' are ${numbers(from * to)} numbers; ${LIMIT}`);
        }
        const widest = Math.max(...net.layers);
        if (Number.isFinite(batch) && widest > widestVariable && widest * batch > MAX_ELEMENTS)
            say(Code.SizeTooLarge, `a batch of ${numbers(batch)} through width ${numbers(widest)} of '${net.name}' is ${numbers(widest * batch)} numbers; ${LIMIT}`);
        return;
    }
    const counts = { in: net.inChannels, out: net.outChannels, channels: net.channels, blocks: net.blocks, time_embedding: net.timeEmbedding };
    for (const [name, value] of Object.entries(counts)) {
        if (Number.isFinite(value) && !isCount(value)) return say(Code.NetworkOption, `${name} of '${net.name}' is an integer ≥ 1, not ${value}`);
    }
    const mult = net.mults.find(m => Number.isFinite(m) && !isCount(m));
    if (mult !== undefined) return say(Code.NetworkOption, `the mults of '${net.name}' are integers ≥ 1, not ${mult}`);
    // The widest convolution: 3 × 3 kernels between channels × the largest multiplier.
    const widest = net.channels * Math.max(1, ...net.mults.filter(Number.isFinite));
    if (9 * widest * widest > MAX_ELEMENTS)
        say(Code.SizeTooLarge, `a 3 × 3 convolution of ${numbers(widest)} channels in '${net.name}' has ${numbers(9 * widest * widest)} weights; ${LIMIT}`);
}
