import * as vscode from 'vscode';
import type { LanguageClient } from 'vscode-languageclient/node';
import { ModelAtRequest, type ModelAtParams } from '@gm/language/protocol';

/** A model in a document: what the commands act on. */
export interface ModelTarget {
    document: vscode.TextDocument;
    model: string;
}

/**
 * Commands run from a code lens get (uri, model), the URI as a string from the language server or
 * a Uri; from the palette or the editor title they act on the cursor's model.
 */
export async function resolveTarget(client: LanguageClient, uriArg?: unknown, modelArg?: unknown): Promise<ModelTarget | undefined> {
    let document: vscode.TextDocument | undefined;
    if (uriArg instanceof vscode.Uri) document = await vscode.workspace.openTextDocument(uriArg);
    else if (typeof uriArg === 'string' && uriArg) document = await vscode.workspace.openTextDocument(vscode.Uri.parse(uriArg, true));
    else document = vscode.window.activeTextEditor?.document;
    if (!document || document.languageId !== 'gm') {
        void vscode.window.showErrorMessage('GM: open a .gm file first.');
        return undefined;
    }
    if (typeof modelArg === 'string' && modelArg) return { document, model: modelArg };
    const editor = vscode.window.visibleTextEditors.find(e => e.document === document);
    const position = editor?.selection.active ?? new vscode.Position(0, 0);
    const model = await modelAt(client, document, position);
    if (!model) {
        void vscode.window.showErrorMessage(`GM: no model in ${vscode.workspace.asRelativePath(document.uri)}.`);
        return undefined;
    }
    return { document, model };
}

export async function modelAt(client: LanguageClient, document: vscode.TextDocument, position: vscode.Position): Promise<string | undefined> {
    const params: ModelAtParams = { uri: document.uri.toString(), line: position.line, character: position.character };
    try {
        return (await client.sendRequest<string | null>(ModelAtRequest, params)) ?? undefined;
    } catch {
        // An older server without gm/modelAt: the first `model NAME` in the text.
        return /^\s*model\s+([A-Za-z_]\w*)/m.exec(document.getText())?.[1];
    }
}
