import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { ModelGraphRequest, type ModelGraphResult, type ModelRequestParams } from '@gm/language/protocol';
import type { WebviewMessage } from './messages.js';
import { ModelViewPanel, type ViewTarget } from './model-view-panel.js';

/** "Show Model Graph": the model in plate notation, laid out with ELK; a click reveals a declaration. */
export class GraphPanel extends ModelViewPanel {
    constructor(client: LanguageClient, extensionUri: vscode.Uri, target: ViewTarget) {
        super('gm.graph', 'Model Graph', client, extensionUri, target, {
            script: 'webviews/graph.js',
            styles: ['webviews/common.css'],
            body: `<header><h1 id="title">Model graph</h1><div class="legend"><span class="solid">generative p</span><span class="dashed">approximate posterior q</span><span class="shaded">observed</span></div></header>
<section id="content"><p class="muted">Asking the language server…</p></section>`,
        });
    }

    protected override fetch(target: ViewTarget): Promise<ModelGraphResult> {
        const params: ModelRequestParams = { uri: target.uri.toString(), model: target.model };
        return this.client.sendRequest<ModelGraphResult>(ModelGraphRequest, params);
    }

    protected override async onMessage(message: WebviewMessage): Promise<void> {
        if (message.type === 'reveal') await this.reveal(message.range);
    }
}
