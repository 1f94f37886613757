// The "Show Derivation" webview: each step typeset by the bundled KaTeX (katex.render builds DOM
// nodes and sets styles through CSSOM, which the strict CSP allows; no innerHTML).
import katex from 'katex';
import type { DerivationResult, ModelDerivation } from '@gm/language/protocol';
import { byId, el, vscodeApi } from './vscode-api.js';

const api = vscodeApi<unknown>();
const content = byId('content');
const title = byId('title');
const copy = byId<HTMLButtonElement>('copy');
let current: string | undefined;
copy.disabled = true;
copy.addEventListener('click', () => {
    if (current) api.postMessage({ type: 'copyLatex', model: current });
});

function math(latex: string, display: boolean, className = ''): HTMLElement {
    const holder = el(display ? 'div' : 'span', className);
    try {
        katex.render(latex, holder, { displayMode: display, throwOnError: false, strict: 'ignore', trust: false, output: 'htmlAndMathml' });
    } catch {
        holder.textContent = latex;
    }
    return holder;
}

function render(model: ModelDerivation): Node[] {
    const nodes: Node[] = [];
    // `latex` is the whole document (bound, then steps) for "Copy as LaTeX"; the steps are typeset below.
    const bound = model.latex.replace(/^%.*$/gm, '').split('\\end{align*}')[0]!.trim() + '\n\\end{align*}';
    nodes.push(el('h2', '', 'The bound'), math(bound, true, 'bound'));
    if (model.objective) nodes.push(el('p', 'muted', `Objective minimized: ${model.objective}`));
    for (const note of model.notes ?? []) nodes.push(el('p', 'muted', note));
    nodes.push(el('h2', '', 'Derivation'));
    model.steps.forEach((step, i) => {
        const box = el('section', 'step');
        box.append(el('h3', '', `${i + 1}. ${step.title}`), math(step.latex, true));
        if (step.source) box.append(el('div', 'source', step.source));
        nodes.push(box);
    });
    if (model.correspondence?.length) {
        nodes.push(el('h2', '', 'VAE ↔ diffusion correspondence'));
        const table = el('table', 'correspondence');
        const head = el('tr');
        head.append(el('th', '', 'VAE'), el('th', '', model.name));
        table.append(head);
        for (const row of model.correspondence) {
            const tr = el('tr');
            const a = el('td'),
                b = el('td');
            a.append(math(row.vae, false));
            b.append(math(row.model, false));
            tr.append(a, b);
            table.append(tr);
        }
        nodes.push(table);
    }
    return nodes;
}

window.addEventListener('message', event => {
    const message = event.data as { type: string; target?: { model: string; file: string }; data?: DerivationResult; reason?: string; model?: string };
    if (message.type === 'unavailable') {
        current = undefined;
        copy.disabled = true;
        title.textContent = `Derivation: ${message.model ?? ''}`;
        content.replaceChildren(el('p', 'error', `The derivation is not available: ${message.reason ?? 'unknown reason'}`));
        return;
    }
    if (message.type !== 'data' || !message.target || !message.data) return;
    const model = message.data.models.find(m => m.name === message.target!.model) ?? message.data.models[0];
    title.textContent = `Derivation: ${message.target.model}`;
    if (!model) {
        current = undefined;
        copy.disabled = true;
        content.replaceChildren(el('p', 'error', (message.data.problems ?? []).join('\n') || `No derivation for ${message.target.model}.`));
        return;
    }
    current = model.name;
    copy.disabled = false;
    content.replaceChildren(...render(model));
});
api.postMessage({ type: 'ready' });
