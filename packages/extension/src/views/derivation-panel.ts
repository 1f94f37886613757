import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { DerivationRequest, type DerivationResult, type ModelRequestParams } from '@gm/language/protocol';
import type { WebviewMessage } from './messages.js';
import { ModelViewPanel, type ViewTarget } from './model-view-panel.js';

/** "Show Derivation": the derivation steps of the bound, typeset with the bundled KaTeX. */
export class DerivationPanel extends ModelViewPanel {
    private last: DerivationResult | undefined;

    constructor(client: LanguageClient, extensionUri: vscode.Uri, target: ViewTarget) {
        super('gm.derivation', 'Derivation', client, extensionUri, target, {
            script: 'webviews/derivation.js',
            styles: ['katex/katex.min.css', 'webviews/common.css'],
            body: `<header><h1 id="title">Derivation</h1><div class="actions"><button id="copy" type="button">Copy as LaTeX</button></div></header>
<section id="content"><p class="muted">Asking the language server…</p></section>`,
        });
    }

    protected override async fetch(target: ViewTarget): Promise<DerivationResult> {
        const params: ModelRequestParams = { uri: target.uri.toString(), model: target.model };
        this.last = await this.client.sendRequest<DerivationResult>(DerivationRequest, params);
        return this.last;
    }

    protected override async onMessage(message: WebviewMessage): Promise<void> {
        if (message.type === 'reveal') await this.reveal(message.range);
        if (message.type === 'copyLatex') {
            // Copy what the server derived, not text from the webview.
            const model = this.last?.models.find(m => m.name === message.model);
            if (!model) return;
            const text = [model.latex, ...model.steps.map(s => `% ${s.title}\n${s.latex}`)].join('\n\n');
            await vscode.env.clipboard.writeText(text);
            void vscode.window.setStatusBarMessage(`GM: copied the derivation of ${model.name} as LaTeX`, 3000);
        }
    }
}
