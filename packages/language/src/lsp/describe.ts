import { isCondition } from '../ir/conditions.js';
import type { AstNode } from 'langium';
import * as ast from '../generated/ast.js';
import type { ModelIR, NetworkIR } from '../ir/types.js';
import { describeData } from '../ir/datasets.js';

const shape = (dims: number[]) => (dims.length ? `[${dims.join(', ')}]` : '');

/** Parameters of a network as built by the runtime (dense layers: weights and biases). */
export function mlpParameterCount(network: NetworkIR): number | undefined {
    if (network.architecture !== 'MLP') return undefined;
    let count = 0;
    for (let i = 0; i + 1 < network.layers.length; i++) count += (network.layers[i]! + 1) * network.layers[i + 1]!;
    return count;
}

/**
 * One-line signature of a declaration for hovers, with sizes resolved through the IR. The parser's
 * error recovery can leave a declaration without the value the grammar requires (`const T =`).
 */
export function describeDeclaration(node: AstNode, model: ModelIR | undefined): string | undefined {
    if (ast.isModel(node)) return `model ${node.name}`;
    if (ast.isVariableDecl(node)) {
        const v = model?.variables.find(x => x.name === node.name);
        const type = (node.type?.base ?? '?') + (v ? shape(v.shape) : '');
        const chain = v?.startsChain ? ` (x[0] of chain ${v.startsChain})` : '';
        const labels = v?.labels
            ? `\n// class labels, ${v.labels.encoding === 'one-hot' ? `one-hot over ${v.labels.classes} classes` : 'the class index'}, aligned with the images` +
              (model && isCondition(model, v) ? `; no factor of its own: a condition, the model is p(… | ${v.name})` : '')
            : '';
        return `${node.role} ${node.name} : ${type}${node.data ? ` from ${node.data.$refText}${node.part ? `.${node.part}` : ''}` : ''}${chain}${labels}`;
    }
    if (ast.isChainDecl(node)) {
        const c = model?.chains.find(x => x.name === node.name);
        if (!c) return `chain ${node.name}`;
        return (
            `chain ${c.name}[${c.index} in ${c.lower}..${c.upper}] : Real${shape(c.shape)}` +
            (c.start ? `\n// ${c.name}[${c.lower}] = ${c.start} (observed); ${c.name}[${c.lower + 1}..${c.upper}] latent` : '')
        );
    }
    if (ast.isNetDecl(node)) {
        const n = model?.networks.find(x => x.name === node.name);
        if (!n) return `net ${node.name}`;
        if (n.architecture === 'MLP') {
            const time = n.timeEmbedding ? `, time embedding ${n.timeEmbedding}; called as ${n.name}(x, t)` : '';
            const widths = n.heads ? [...n.layers.slice(0, -1), `(${n.heads.map(h => `${h.name}: ${h.upper - h.lower}`).join(', ')})`] : n.layers;
            const heads = n.heads ? `\n// heads: ${n.heads.map(h => `${n.name}(…).${h.name} = ${n.name}(…)[${h.lower}:${h.upper}]`).join(', ')}` : '';
            return `net ${n.name} = MLP ${widths.join(' → ')} (${n.activation}${time})\n// ${mlpParameterCount(n)?.toLocaleString('en-US')} parameters${heads}`;
        }
        return (
            `net ${n.name} = UNet(in: ${n.inChannels}, channels: ${n.channels}, mults: [${n.mults.join(', ')}], ` +
            `time_embedding: ${n.timeEmbedding}, attention: [${n.attention.join(', ')}])`
        );
    }
    if (ast.isConstant(node)) {
        const c = model?.constants.find(x => x.name === node.name);
        return `const ${node.name} = ${c?.value ?? node.value?.$cstNode?.text ?? ''}`;
    }
    if (ast.isSchedule(node) || ast.isSequence(node)) {
        const s = model?.sequences.find(x => x.name === node.name);
        const head = `${ast.isSchedule(node) ? 'schedule' : 'let'} ${node.name}`;
        if (!s) return head;
        if (s.values && s.lower !== undefined && s.upper !== undefined) {
            const fmt = (v: number) => Number(v.toPrecision(6)).toString();
            const first = s.values[0]!,
                last = s.values[s.values.length - 1]!;
            return `${head}[${s.index} in ${s.lower}..${s.upper}] = ${s.expr.range ? node.value?.$cstNode?.text : ''}\n// ${node.name}[${s.lower}] = ${fmt(first)}, …, ${node.name}[${s.upper}] = ${fmt(last)}`;
        }
        return `${head} = ${node.value?.$cstNode?.text ?? ''}${s.value !== undefined ? `  // = ${s.value}` : ''}`;
    }
    if (ast.isDataDecl(node)) {
        const d = model?.data.find(x => x.name === node.name);
        if (!d) return `data ${node.name}`;
        return `data ${d.name}: ${describeData(d)}`;
    }
    if (ast.isIndexVar(node)) return `index ${node.name}`;
    if (ast.isBuiltin(node)) {
        const params = node.params.map(p => p.name + (p.optional ? '?' : '')).join(', ');
        return `${node.category} ${node.name}${node.params.length || node.category !== 'symbol' ? `(${params})` : ''}`;
    }
    return undefined;
}
