// The "Model Graph" webview: draws what graph-layout computes as SVG; a click reveals a declaration.
import ELK from 'elkjs/lib/elk.bundled.js';
import type { ModelGraphResult } from '@gm/language/protocol';
import { labelParts, layoutModelGraph, type Drawing, type DrawnNode } from './graph-layout.js';
import { byId, el, vscodeApi } from './vscode-api.js';

const api = vscodeApi<unknown>();
const elk = new ELK();
const SVG = 'http://www.w3.org/2000/svg';
const content = byId('content');
const title = byId('title');

function svg<K extends keyof SVGElementTagNameMap>(tag: K, attrs: Record<string, string | number>, parent?: Element): SVGElementTagNameMap[K] {
    const e = document.createElementNS(SVG, tag);
    for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
    parent?.appendChild(e);
    return e;
}

function draw(drawing: Drawing, model: string): SVGSVGElement {
    const root = svg('svg', {
        class: 'graph',
        viewBox: `0 0 ${drawing.width} ${drawing.height}`,
        width: drawing.width,
        height: drawing.height,
        role: 'img',
        'aria-label': `graphical model of ${model}`,
    });
    if (drawing.plate) {
        const g = svg('g', { class: 'plate' }, root);
        const p = drawing.plate;
        svg('rect', { x: p.x, y: p.y, width: p.width, height: p.height, rx: 4 }, g);
        svg('text', { x: p.x + p.width - 8, y: p.y + p.height - 8, 'text-anchor': 'end' }, g).textContent = p.label;
    }
    for (const e of drawing.edges) {
        const g = svg('g', { class: `edge-group ${e.kind}`, 'data-factor': e.factor }, root);
        svg('title', {}, g).textContent = e.factor;
        svg('path', { class: `edge ${e.kind}`, d: e.d }, g);
        svg('polygon', { class: 'arrow', points: e.arrow }, g);
    }
    for (const n of drawing.nodes) {
        const g = svg('g', { class: `node ${n.kind}`, 'data-id': n.id, tabindex: 0 }, root);
        svg('title', {}, g).textContent = n.title;
        svg('circle', { cx: n.x, cy: n.y, r: n.r }, g);
        drawLabel(n, g);
        const reveal = () => api.postMessage({ type: 'reveal', range: n.range });
        g.addEventListener('click', reveal);
        g.addEventListener('keydown', ev => {
            if ((ev as KeyboardEvent).key === 'Enter') reveal();
        });
    }
    return root;
}

/** The label in the node, or beside a parameter's dot (Kingma & Welling's Figure 1), with its subscript lowered. */
function drawLabel(n: DrawnNode, g: SVGGElement): void {
    const gap = n.r + 10;
    const at = {
        centre: [n.x, n.y, 'middle'],
        left: [n.x - gap, n.y, 'end'],
        right: [n.x + gap, n.y, 'start'],
        above: [n.x, n.y - gap - 2, 'middle'],
        below: [n.x, n.y + gap + 2, 'middle'],
    }[n.labelSide] as [number, number, string];
    const text = svg('text', { x: at[0], y: at[1], 'text-anchor': at[2] }, g);
    const { base, sub } = labelParts(n.label);
    text.textContent = base;
    if (sub) svg('tspan', { class: 'sub', dy: 5, 'font-size': '11px' }, text).textContent = sub;
}

let version = 0;
// Every failure is shown in the view (the layout's inside its try), so the promise is not awaited.
window.addEventListener('message', event => void onMessage(event));

async function onMessage(event: MessageEvent): Promise<void> {
    const message = event.data as { type: string; target?: { model: string; file: string }; data?: ModelGraphResult; reason?: string; model?: string };
    const mine = ++version;
    if (message.type === 'unavailable') {
        content.replaceChildren(el('p', 'error', `No graph for ${message.model ?? 'this model'}: ${message.reason ?? 'unknown reason'}`));
        return;
    }
    if (message.type !== 'data' || !message.target || !message.data) return;
    title.textContent = `Model graph: ${message.target.model}`;
    const graph = message.data.models.find(m => m.model === message.target!.model) ?? message.data.models[0];
    if (!graph) {
        content.replaceChildren(el('p', 'error', message.data.problems.join('\n') || `No model ${message.target.model} in ${message.target.file}.`));
        return;
    }
    try {
        const drawing = await layoutModelGraph(graph, elk);
        if (mine !== version) return;
        const children: Node[] = [draw(drawing, graph.model)];
        if (message.data.problems.length) children.push(el('p', 'muted', message.data.problems.join('\n')));
        children.push(el('p', 'muted', 'Click a node to reveal its declaration.'));
        content.replaceChildren(...children);
    } catch (error) {
        content.replaceChildren(el('p', 'error', `Layout failed: ${error instanceof Error ? error.message : String(error)}`));
    }
}
api.postMessage({ type: 'ready' });
