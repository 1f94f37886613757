/** The API VS Code gives a webview script (once per page). */
export interface VsCodeApi<State> {
    postMessage(message: unknown): void;
    getState(): State | undefined;
    setState(state: State): void;
}

declare function acquireVsCodeApi<State>(): VsCodeApi<State>;

export function vscodeApi<State>(): VsCodeApi<State> {
    return acquireVsCodeApi<State>();
}

/** An element by id that the page's static markup must contain. */
export function byId<T extends HTMLElement = HTMLElement>(id: string): T {
    const element = document.getElementById(id);
    if (!element) throw new Error(`missing #${id}`);
    return element as T;
}

export function el<K extends keyof HTMLElementTagNameMap>(tag: K, className?: string, text?: string): HTMLElementTagNameMap[K] {
    const e = document.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined) e.textContent = text;
    return e;
}
