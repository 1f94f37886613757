import * as ast from '../generated/ast.js';
import { evaluate, evaluateConstant, lowerExpr, rangeOf, type ProblemSink } from './expressions.js';
import type { Activation, NetworkIR } from './types.js';
import { Code } from '../validation/codes.js';
import { layoutHeads } from './heads.js';
import type { HeadIR } from './types.js';

const ACTIVATIONS: ReadonlySet<string> = new Set<Activation>(['relu', 'tanh', 'sigmoid', 'softplus', 'silu', 'gelu', 'elu', 'leaky_relu']);

/** Reads `MLP(784 -> 400 -> 40, activation: relu)` or `UNet(in: 1, channels: 64, …)`. */
export function lowerNetwork(decl: ast.NetDecl, report: ProblemSink, constants: ReadonlyMap<string, number>): NetworkIR | undefined {
    const call = decl.architecture;
    const builtin = ast.isCallExpr(call) && ast.isNameRef(call.callee) ? call.callee.ref.ref : undefined;
    if (!ast.isCallExpr(call) || !ast.isBuiltin(builtin) || builtin.category !== 'network') {
        report('a network is MLP(in -> hidden -> out, activation: …) or UNet(in: …, channels: …)', call, Code.NetworkForm);
        return undefined;
    }
    const known = builtin.params.map(p => p.name);
    const named = new Map<string, ast.Argument>();
    call.args.forEach((arg, i) => {
        const name = arg.name ?? (i === 0 && builtin.name === 'MLP' ? 'layers' : undefined);
        if (!name) {
            report(`${builtin.name} takes named arguments (${known.join(', ')})`, arg, Code.NetworkPositional);
            return;
        }
        if (!known.includes(name)) {
            report(`${builtin.name} has no option '${name}'; its options are ${known.join(', ')}`, arg, Code.NetworkOption);
            return;
        }
        named.set(name, arg);
    });
    const num = (name: string, fallback: number) => {
        const arg = named.get(name);
        return arg ? evaluateConstant(arg.value, report, constants) : fallback;
    };
    const list = (name: string): number[] => {
        const arg = named.get(name);
        if (!arg) return [];
        const value = lowerExpr(arg.value, report, constants);
        if (value.kind !== 'list') {
            report(`${name} is a list, e.g. [1, 2, 2]`, arg.value, Code.NetworkList);
            return [];
        }
        return value.items.map(item => evaluate(item, {}));
    };
    const range = rangeOf(decl);
    if (builtin.name === 'MLP') {
        const layersArg = named.get('layers');
        let heads: HeadIR[] | undefined;
        const items = layersArg && ast.isLayerList(layersArg.value) ? layersArg.value.items : [];
        const layers = items.map((item, i) => {
            if (!ast.isHeadList(item)) return evaluateConstant(item, report, constants);
            if (i !== items.length - 1) {
                report('named heads are only allowed as the last width of an MLP: MLP(784 -> 400 -> (mean: 20, logvar: 20))', item, Code.HeadsMisplaced);
                return NaN;
            }
            const layout = layoutHeads(item, e => evaluateConstant(e, report, constants), report);
            heads = layout.heads;
            return layout.width;
        });
        if (layers.length < 2) report('an MLP needs at least its input and output widths: MLP(784 -> 400 -> 20)', layersArg ?? call, Code.NetworkLayers);
        const activationArg = named.get('activation');
        let activation: Activation = 'relu';
        if (activationArg) {
            const value = lowerExpr(activationArg.value, report, constants);
            if (value.kind === 'symbol' && ACTIVATIONS.has(value.name)) activation = value.name as Activation;
            else report(`unknown activation; use one of ${[...ACTIVATIONS].join(', ')}`, activationArg.value, Code.NetworkActivation);
        }
        const timeEmbedding = named.has('time_embedding') ? num('time_embedding', 0) : undefined;
        return {
            architecture: 'MLP',
            name: decl.name,
            layers,
            activation,
            ...(timeEmbedding !== undefined ? { timeEmbedding } : {}),
            ...(heads ? { heads } : {}),
            inputSize: layers[0] ?? NaN,
            outputSize: layers[layers.length - 1] ?? NaN,
            range,
        };
    }
    const inChannels = num('in', NaN);
    if (!named.has('in')) report('a UNet needs its input channels: UNet(in: 1, channels: 64)', call, Code.NetworkOption);
    const channels = num('channels', 64);
    return {
        architecture: 'UNet',
        name: decl.name,
        inChannels,
        outChannels: num('out', inChannels),
        channels,
        mults: named.has('mults') ? list('mults') : [1, 2, 2],
        timeEmbedding: num('time_embedding', 4 * channels),
        attention: list('attention'),
        blocks: num('blocks', 2),
        dropout: num('dropout', 0),
        range,
    };
}
