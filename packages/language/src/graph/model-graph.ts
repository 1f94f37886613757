import type { FactorIR, IRExpr, ModelIR, SourceRange } from '../ir/types.js';
import { namesIn } from '../ir/traverse.js';
import { chainIndex } from '../validation/ir-walk.js';

/**
 * The model as a directed graphical model in plate notation (Kingma & Welling 2013, Figure 1):
 * random variables inside the plate over the N examples, network parameters (θ for the
 * generative model, φ for the approximate posterior) outside it; generative edges solid,
 * approximate-posterior edges dashed. A chain is drawn as a chain x_0 … x_T.
 */
export interface GraphNode {
    /** Unique within the model, e.g. `z`, `x[t-1]`, `θ`. */
    id: string;
    /** Display label in Unicode: `z`, `x₀`, `x_{t−1}`, `θ`. */
    label: string;
    /** `observed` nodes are drawn shaded. */
    kind: 'observed' | 'latent' | 'parameter';
    /** The declaration to reveal when the node is clicked. */
    range: SourceRange;
    /** For parameters: the networks they stand for. */
    networks?: string[];
}

export interface GraphEdge {
    from: string;
    to: string;
    /** `p`: generative (solid); `q`: approximate posterior (dashed). */
    kind: 'p' | 'q';
    /** The factor the edge comes from, e.g. `p(x|z)`. */
    factor: string;
    /** The factor's declaration. */
    range: SourceRange;
}

export interface ModelGraph {
    model: string;
    nodes: GraphNode[];
    edges: GraphEdge[];
    /** The plate over the examples: the ids of the random variables. */
    plate: { label: string; nodes: string[] };
    /** Chains in order x_0 → x_T, for drawing them in a row. */
    chains: Array<{ name: string; nodes: string[] }>;
}

const SUBSCRIPT: Record<string, string> = { '0': '₀', '1': '₁', '2': '₂', '3': '₃', '4': '₄', '5': '₅', '6': '₆', '7': '₇', '8': '₈', '9': '₉' };
const subscript = (s: string) => ([...s].every(c => SUBSCRIPT[c]) ? [...s].map(c => SUBSCRIPT[c]).join('') : `_${s}`);

/** The offset of a chain index expression relative to the chain's index: `t-1` → -1, `t` → 0, `T` → undefined. */
function indexOffset(index: IRExpr | undefined, name: string): number | undefined {
    const at = chainIndex(index, name);
    return at && 'offset' in at ? at.offset : undefined;
}

export function modelGraph(model: ModelIR): ModelGraph {
    const nodes = new Map<string, GraphNode>();
    const edges: GraphEdge[] = [];
    const chainRows: ModelGraph['chains'] = [];

    for (const v of model.variables) {
        if (v.startsChain) continue; // drawn as the chain's first node
        nodes.set(v.name, { id: v.name, label: v.name, kind: v.role, range: v.range });
    }
    // A chain x[0..T]: x_0 (observed when it starts from data), x_1, x_{t−1}, x_t, x_T.
    const chainNodeId = (chain: string, offset: number | 'T' | 0) => `${chain}[${offset === 'T' ? 'T' : offset === 0 ? '0' : offset === -1 ? 't-1' : 't'}]`;
    for (const chain of model.chains) {
        const start = model.variables.find(v => v.name === chain.start);
        const ids: string[] = [];
        const add = (id: string, label: string, kind: GraphNode['kind'], range: SourceRange) => {
            nodes.set(id, { id, label, kind, range });
            ids.push(id);
        };
        add(
            chainNodeId(chain.name, 0),
            start ? start.name.replace(/(\d+)$/, (_, d: string) => subscript(d)) : `${chain.name}₀`,
            start ? 'observed' : 'latent',
            start?.range ?? chain.range,
        );
        add(chainNodeId(chain.name, -1), `${chain.name}_{${chain.index}−1}`, 'latent', chain.range);
        add(chainNodeId(chain.name, 1), `${chain.name}_${chain.index}`, 'latent', chain.range);
        add(chainNodeId(chain.name, 'T'), `${chain.name}_${String(chain.upper).length > 2 ? 'T' : subscript(String(chain.upper))}`, 'latent', chain.range);
        chainRows.push({ name: chain.name, nodes: ids });
    }

    const nodeFor = (factorVar: FactorIR['target']): string | undefined => {
        if (nodes.has(factorVar.name)) return factorVar.name;
        const chain = model.chains.find(c => c.name === factorVar.name);
        if (!chain) return undefined;
        const offset = indexOffset(factorVar.index, chain.index);
        if (offset === 0) return chainNodeId(chain.name, 1);
        if (offset === -1) return chainNodeId(chain.name, -1);
        const idx = factorVar.index;
        if (idx?.kind === 'constant' || idx?.kind === 'number') return idx.value === chain.lower ? chainNodeId(chain.name, 0) : chainNodeId(chain.name, 'T');
        return undefined;
    };

    // Parameters: one θ node for the generative networks, one φ node for the posterior's.
    const parameterNetworks = { p: new Set<string>(), q: new Set<string>() };
    for (const factor of model.factors) {
        const target = nodeFor(factor.target);
        if (!target) continue;
        for (const given of factor.given) {
            const from = nodeFor(given);
            if (from) edges.push({ from, to: target, kind: factor.kind, factor: factor.id, range: factor.range });
        }
        const nets = new Set<string>();
        for (const net of namesIn(Object.values(factor.distribution.params), 'network')) nets.add(net);
        if (nets.size > 0) {
            nets.forEach(n => parameterNetworks[factor.kind].add(n));
            edges.push({ from: factor.kind === 'p' ? 'θ' : 'φ', to: target, kind: factor.kind, factor: factor.id, range: factor.range });
        }
    }
    // The reverse chain also reaches x_0 from x_1: p(x_{t−1} | x_t) at t = 1.
    for (const chain of chainRows) {
        const [x0, xPrev, xCur, xLast] = chain.nodes as [string, string, string, string];
        const hasReverse = edges.some(e => e.kind === 'p' && e.from === xCur && e.to === xPrev);
        const hasForward = edges.some(e => e.kind === 'q' && e.from === xPrev && e.to === xCur);
        if (hasReverse) {
            const source = edges.find(e => e.kind === 'p' && e.from === xCur && e.to === xPrev)!;
            edges.push({ ...source, from: xPrev, to: x0 }, { ...source, from: xLast, to: xCur });
        }
        if (hasForward) {
            const source = edges.find(e => e.kind === 'q' && e.from === xPrev && e.to === xCur)!;
            edges.push({ ...source, from: x0, to: xPrev }, { ...source, from: xCur, to: xLast });
        }
    }
    for (const kind of ['p', 'q'] as const) {
        if (parameterNetworks[kind].size === 0) continue;
        const id = kind === 'p' ? 'θ' : 'φ';
        const first = model.networks.find(n => parameterNetworks[kind].has(n.name));
        nodes.set(id, { id, label: id, kind: 'parameter', range: first?.range ?? model.nameRange, networks: [...parameterNetworks[kind]] });
    }
    const randomNodes = [...nodes.values()].filter(n => n.kind !== 'parameter').map(n => n.id);
    return { model: model.name, nodes: [...nodes.values()], edges, plate: { label: 'N', nodes: randomNodes }, chains: chainRows };
}
