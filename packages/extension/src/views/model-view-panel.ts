import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { modelAt } from '../model-target.js';
import { parseWebviewMessage, type WebviewMessage } from './messages.js';
import { webviewHtml } from './webview-html.js';

/** The document and model a view shows. */
export interface ViewTarget {
    uri: vscode.Uri;
    model: string;
}

/**
 * A webview that shows one model of a .gm document, follows the cursor's model, and refreshes
 * as the document is edited (debounced). Subclasses say what to ask the server and how to answer
 * the webview.
 */
export abstract class ModelViewPanel implements vscode.Disposable {
    protected readonly panel: vscode.WebviewPanel;
    protected target: ViewTarget;
    private readonly disposables: vscode.Disposable[] = [];
    private timer: NodeJS.Timeout | undefined;
    private ready = false;
    private generation = 0;
    disposed = false;

    protected constructor(
        viewType: string,
        title: string,
        protected readonly client: LanguageClient,
        protected readonly extensionUri: vscode.Uri,
        target: ViewTarget,
        page: { script: string; styles: string[]; body: string },
    ) {
        this.target = target;
        this.panel = vscode.window.createWebviewPanel(
            viewType,
            title,
            { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true },
            {
                enableScripts: true,
                retainContextWhenHidden: true,
                localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'out')],
            },
        );
        this.panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'gm-file.svg');
        const out = (p: string) => this.panel.webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'out', p)).toString();
        this.panel.webview.html = webviewHtml({ title, cspSource: this.panel.webview.cspSource, scripts: [out(page.script)], styles: page.styles.map(out), body: page.body });
        this.disposables.push(
            this.panel.webview.onDidReceiveMessage(raw => {
                const message = parseWebviewMessage(raw);
                if (!message) return;
                if (message.type === 'ready') {
                    this.ready = true;
                    void this.refresh();
                    return;
                }
                void this.onMessage(message);
            }),
            vscode.workspace.onDidChangeTextDocument(e => {
                if (e.document.uri.toString() === this.target.uri.toString()) this.schedule();
            }),
            vscode.window.onDidChangeTextEditorSelection(e => {
                if (e.textEditor.document.languageId === 'gm') this.followCursor(e.textEditor);
            }),
            vscode.window.onDidChangeActiveTextEditor(e => {
                if (e?.document.languageId === 'gm') this.followCursor(e);
            }),
        );
        this.panel.onDidDispose(() => this.dispose(), null, this.disposables);
    }

    show(target: ViewTarget): void {
        this.target = target;
        this.panel.reveal(undefined, true);
        void this.refresh();
    }

    protected abstract fetch(target: ViewTarget): Promise<unknown>;
    protected abstract onMessage(message: WebviewMessage): Promise<void>;

    /** Opens the target document with a range selected (clicking a node or a step). */
    protected async reveal(range: { start: { line: number; character: number }; end: { line: number; character: number } }): Promise<void> {
        const document = await vscode.workspace.openTextDocument(this.target.uri);
        const selection = new vscode.Range(range.start.line, range.start.character, range.end.line, range.end.character);
        const column = vscode.window.visibleTextEditors.find(e => e.document === document)?.viewColumn ?? vscode.ViewColumn.One;
        await vscode.window.showTextDocument(document, { viewColumn: column, selection, preserveFocus: false });
    }

    private followCursor(editor: vscode.TextEditor): void {
        if (this.timer) clearTimeout(this.timer);
        // A failed request (the server restarting) is not an error here: the next cursor move asks again.
        this.timer = setTimeout(() => void this.follow(editor).catch(() => undefined), 250);
    }

    /** Shows the model under the cursor, when it is another one. */
    private async follow(editor: vscode.TextEditor): Promise<void> {
        const model = await modelAt(this.client, editor.document, editor.selection.active);
        if (this.disposed || !model) return;
        if (model !== this.target.model || editor.document.uri.toString() !== this.target.uri.toString()) {
            this.target = { uri: editor.document.uri, model };
            void this.refresh();
        }
    }

    private schedule(): void {
        if (this.timer) clearTimeout(this.timer);
        this.timer = setTimeout(() => void this.refresh(), 400);
    }

    protected async refresh(): Promise<void> {
        if (!this.ready || this.disposed) return;
        const generation = ++this.generation;
        let message: unknown;
        try {
            message = {
                type: 'data',
                target: { uri: this.target.uri.toString(), model: this.target.model, file: vscode.workspace.asRelativePath(this.target.uri) },
                data: await this.fetch(this.target),
            };
        } catch (error) {
            message = { type: 'unavailable', model: this.target.model, reason: describeRequestError(error) };
        }
        // A slower answer to an older question must not overwrite a newer one.
        if (generation === this.generation && !this.disposed) void this.panel.webview.postMessage(message);
    }

    dispose(): void {
        this.disposed = true;
        if (this.timer) clearTimeout(this.timer);
        while (this.disposables.length) this.disposables.pop()!.dispose();
        this.panel.dispose();
    }
}

/** Says why a custom request failed, in words (an older server lacks the method). */
export function describeRequestError(error: unknown): string {
    const code = (error as { code?: number } | undefined)?.code;
    if (code === -32601) return 'the gm language server does not answer this request (method not found): update the language server.';
    return error instanceof Error ? error.message : String(error);
}
