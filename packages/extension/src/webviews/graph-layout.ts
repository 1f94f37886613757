/**
 * Lays a model graph out in plate notation (Kingma & Welling 2013, Figure 1; Ho et al. 2020,
 * Figure 2 for chains) with ELK's layered algorithm, and turns the result into plain drawing
 * instructions. Only the generative (p) edges and the parameter edges rank the nodes, so the
 * generative direction reads top to bottom (left to right for a chain); the approximate-posterior
 * (q) edges between variables run against it and are drawn as dashed curves.
 */
import type { ElkNode } from 'elkjs/lib/elk-api.js';
import type { GraphNode, ModelGraph, SourceRange } from '@gm/language/protocol';

export interface Layouter {
    layout(graph: ElkNode): Promise<ElkNode>;
}

export interface DrawnNode {
    id: string;
    label: string;
    kind: GraphNode['kind'];
    /** Centre and radius. */
    x: number;
    y: number;
    r: number;
    range: SourceRange;
    title: string;
    /** Where a parameter's label goes: away from the plate, so edges do not run through it. */
    labelSide: 'left' | 'right' | 'above' | 'below' | 'centre';
}

export interface DrawnEdge {
    kind: 'p' | 'q';
    from: string;
    to: string;
    factor: string;
    /** SVG path data from border to border. */
    d: string;
    /** The arrowhead triangle at the target, as SVG points. */
    arrow: string;
    range: SourceRange;
}

export interface Drawing {
    width: number;
    height: number;
    nodes: DrawnNode[];
    edges: DrawnEdge[];
    plate?: { x: number; y: number; width: number; height: number; label: string };
}

const VARIABLE_R = 22;
const PARAMETER_R = 5;
const MARGIN = 16;

export async function layoutModelGraph(graph: ModelGraph, elk: Layouter): Promise<Drawing> {
    const isParameter = new Set(graph.nodes.filter(n => n.kind === 'parameter').map(n => n.id));
    const variables = graph.nodes.filter(n => !isParameter.has(n.id));
    const horizontal = graph.chains.length > 0;
    // ELK ranks the random variables by the generative edges; the parameters are placed beside
    // the plate afterwards (φ left or above, θ right or below), as in Kingma & Welling's Figure 1,
    // so that their edges come in from the side instead of crossing the variables.
    const seen = new Set<string>();
    const edges = graph.edges
        .filter(e => e.kind === 'p' && !isParameter.has(e.from) && !isParameter.has(e.to) && e.from !== e.to)
        .filter(e => {
            const k = `${e.from}->${e.to}`;
            if (seen.has(k)) return false;
            seen.add(k);
            return true;
        })
        .map((e, i) => ({ id: `e${i}`, sources: [e.from], targets: [e.to] }));
    const laid = await elk.layout({
        id: 'root',
        layoutOptions: {
            'elk.algorithm': 'layered',
            'elk.direction': horizontal ? 'RIGHT' : 'DOWN',
            'elk.spacing.nodeNode': '46',
            'elk.layered.spacing.nodeNodeBetweenLayers': '80',
            'elk.padding': '[top=0,left=0,bottom=0,right=0]',
        },
        children: variables.map((n): ElkNode => ({ id: n.id, width: 2 * VARIABLE_R, height: 2 * VARIABLE_R })),
        edges,
    });
    const centres = new Map<string, { x: number; y: number }>();
    for (const child of laid.children ?? []) centres.set(child.id, { x: (child.x ?? 0) + VARIABLE_R, y: (child.y ?? 0) + VARIABLE_R });

    // The plate around the variables it holds.
    const inPlate = variables.filter(n => graph.plate.nodes.includes(n.id)).map(n => centres.get(n.id)!);
    const box = (points: Array<{ x: number; y: number }>, pad: { top: number; left: number; bottom: number; right: number }) => ({
        x: Math.min(...points.map(p => p.x)) - VARIABLE_R - pad.left,
        y: Math.min(...points.map(p => p.y)) - VARIABLE_R - pad.top,
        right: Math.max(...points.map(p => p.x)) + VARIABLE_R + pad.right,
        bottom: Math.max(...points.map(p => p.y)) + VARIABLE_R + pad.bottom,
    });
    const plateBox = inPlate.length ? box(inPlate, { top: 16, left: 22, bottom: 28, right: 30 }) : undefined;
    const around = plateBox ?? (variables.length ? box([...centres.values()], { top: 0, left: 0, bottom: 0, right: 0 }) : { x: 0, y: 0, right: 0, bottom: 0 });

    // Parameters: of the approximate posterior (φ) on one side, of the generative model (θ) on the other.
    const sides = { q: [] as GraphNode[], p: [] as GraphNode[] };
    for (const n of graph.nodes.filter(n => isParameter.has(n.id))) sides[graph.edges.some(e => e.from === n.id && e.kind === 'q') ? 'q' : 'p'].push(n);
    for (const side of ['q', 'p'] as const) {
        sides[side].forEach((n, i) => {
            const targets = graph.edges
                .filter(e => e.from === n.id)
                .map(e => centres.get(e.to))
                .filter((c): c is { x: number; y: number } => Boolean(c));
            const mean = (f: (c: { x: number; y: number }) => number, fallback: number) => (targets.length ? targets.reduce((a, c) => a + f(c), 0) / targets.length : fallback);
            const offset = (i - (sides[side].length - 1) / 2) * 40;
            centres.set(
                n.id,
                horizontal
                    ? { x: mean(c => c.x, (around.x + around.right) / 2) + offset, y: side === 'q' ? around.y - 46 : around.bottom + 46 }
                    : { x: side === 'q' ? around.x - 46 : around.right + 46, y: mean(c => c.y, (around.y + around.bottom) / 2) + offset },
            );
        });
    }

    // Shift everything to start at the margin (parameter labels sit left of their dots).
    const all = [...centres.entries()];
    const minX = Math.min(...all.map(([id, c]) => c.x - (isParameter.has(id) ? PARAMETER_R + 24 : VARIABLE_R)), plateBox?.x ?? Infinity);
    const minY = Math.min(...all.map(([id, c]) => c.y - (isParameter.has(id) ? PARAMETER_R + 24 : VARIABLE_R)), plateBox?.y ?? Infinity);
    const dx = MARGIN - minX,
        dy = MARGIN - minY;
    for (const c of centres.values()) {
        c.x += dx;
        c.y += dy;
    }
    const plate = plateBox
        ? { x: plateBox.x + dx, y: plateBox.y + dy, width: plateBox.right - plateBox.x, height: plateBox.bottom - plateBox.y, label: graph.plate.label }
        : undefined;
    const width = Math.max(...all.map(([id, c]) => c.x + (isParameter.has(id) ? PARAMETER_R + 24 : VARIABLE_R)), plate ? plate.x + plate.width : 0) + MARGIN;
    const height = Math.max(...all.map(([id, c]) => c.y + (isParameter.has(id) ? PARAMETER_R + 24 : VARIABLE_R)), plate ? plate.y + plate.height : 0) + MARGIN;

    const nodes: DrawnNode[] = graph.nodes.map(n => {
        const c = centres.get(n.id) ?? { x: MARGIN, y: MARGIN };
        const title = n.kind === 'parameter' ? `${n.label}: parameters of ${(n.networks ?? []).join(', ')}` : `${n.label} (${n.kind})`;
        const side = sides.q.includes(n) ? 'q' : 'p';
        const labelSide: DrawnNode['labelSide'] = n.kind !== 'parameter' ? 'centre' : horizontal ? (side === 'q' ? 'above' : 'below') : side === 'q' ? 'left' : 'right';
        return { id: n.id, label: n.label, kind: n.kind, x: c.x, y: c.y, r: n.kind === 'parameter' ? PARAMETER_R : VARIABLE_R, range: n.range, title, labelSide };
    });
    const byId = new Map(nodes.map(n => [n.id, n]));

    const drawnEdges: DrawnEdge[] = [];
    const drawnKeys = new Set<string>();
    for (const e of graph.edges) {
        const from = byId.get(e.from),
            to = byId.get(e.to);
        const key = `${e.kind}:${e.from}->${e.to}`;
        if (!from || !to || from === to || drawnKeys.has(key)) continue;
        drawnKeys.add(key);
        // Bend both edges of a pair (q against p): the bend is to the left of each edge's own
        // direction, so the two curves fall on opposite sides.
        const opposite = graph.edges.some(o => o.from === e.to && o.to === e.from);
        // An edge that skips a layer (q(c | x) past z) bends around the nodes between its ends.
        const others = nodes.filter(n => n !== from && n !== to);
        const bends = opposite ? [0.3, 0.6] : [0, 0.35, -0.35, 0.6, -0.6];
        const bend = bends.find(b => !passesThrough(from, to, b, others)) ?? bends[0]!;
        drawnEdges.push({ kind: e.kind, from: e.from, to: e.to, factor: e.factor, range: e.range, ...edgePath(from, to, bend) });
    }
    return { width, height, nodes, edges: drawnEdges, plate };
}

/** Whether the curve from `a` to `b` with this bend runs through one of `others`. */
function passesThrough(a: DrawnNode, b: DrawnNode, bend: number, others: DrawnNode[]): boolean {
    const length = Math.hypot(b.x - a.x, b.y - a.y) || 1;
    const cx = (a.x + b.x) / 2 + (-(b.y - a.y) / length) * bend * length,
        cy = (a.y + b.y) / 2 + ((b.x - a.x) / length) * bend * length;
    for (let t = 0; t <= 1; t += 0.02) {
        const x = (1 - t) ** 2 * a.x + 2 * (1 - t) * t * cx + t * t * b.x,
            y = (1 - t) ** 2 * a.y + 2 * (1 - t) * t * cy + t * t * b.y;
        if (others.some(n => Math.hypot(x - n.x, y - n.y) < n.r + 2)) return true;
    }
    return false;
}

/** A straight or quadratic curve from the border of `a` to the border of `b`, with an arrowhead. */
export function edgePath(a: DrawnNode, b: DrawnNode, bend: number): { d: string; arrow: string } {
    const dx = b.x - a.x,
        dy = b.y - a.y;
    const length = Math.hypot(dx, dy) || 1;
    const nx = -dy / length,
        ny = dx / length;
    // Control point off the midpoint along the normal; bend 0 gives a straight line.
    const cx = (a.x + b.x) / 2 + nx * bend * length,
        cy = (a.y + b.y) / 2 + ny * bend * length;
    const towards = (p: DrawnNode, qx: number, qy: number, extra: number) => {
        const l = Math.hypot(qx - p.x, qy - p.y) || 1;
        return { x: p.x + ((qx - p.x) / l) * (p.r + extra), y: p.y + ((qy - p.y) / l) * (p.r + extra) };
    };
    const start = towards(a, cx, cy, 2);
    const tip = towards(b, cx, cy, 1);
    const base = towards(b, cx, cy, 11);
    const ux = (tip.x - base.x) / 10,
        uy = (tip.y - base.y) / 10;
    const left = { x: base.x - uy * 4.5, y: base.y + ux * 4.5 },
        right = { x: base.x + uy * 4.5, y: base.y - ux * 4.5 };
    const f = (n: number) => n.toFixed(1);
    const d = bend === 0 ? `M${f(start.x)},${f(start.y)} L${f(base.x)},${f(base.y)}` : `M${f(start.x)},${f(start.y)} Q${f(cx)},${f(cy)} ${f(base.x)},${f(base.y)}`;
    return { d, arrow: `${f(tip.x)},${f(tip.y)} ${f(left.x)},${f(left.y)} ${f(right.x)},${f(right.y)}` };
}

/**
 * A label split into its base and subscript for drawing: `x_T`, `x_{t−1}`, `z2` and `x₀` (already
 * a Unicode subscript, kept as it is).
 */
export function labelParts(label: string): { base: string; sub?: string } {
    const braced = /^([^_]+)_\{(.+)\}$/.exec(label);
    if (braced) return { base: braced[1]!, sub: braced[2]! };
    const plain = /^([^_]+)_(.+)$/.exec(label);
    if (plain) return { base: plain[1]!, sub: plain[2]! };
    const digits = /^([A-Za-z]+)(\d+)$/.exec(label);
    if (digits) return { base: digits[1]!, sub: digits[2]! };
    return { base: label };
}
