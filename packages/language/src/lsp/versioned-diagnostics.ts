import { URI } from 'langium';
import type { LangiumSharedServices } from 'langium/lsp';
import type { Connection, PublishDiagnosticsParams } from 'vscode-languageserver';

/**
 * Diagnostics carry the version of the text they were computed from, and diagnostics of a text the
 * editor has already replaced are not published: an editor (and the fuzz test, which waits for the
 * diagnostics of each edit) can tell which text they describe. Langium publishes without a version.
 */
export function publishVersionedDiagnostics(connection: Connection, shared: LangiumSharedServices): void {
    const send = connection.sendDiagnostics.bind(connection);
    connection.sendDiagnostics = (params: PublishDiagnosticsParams) => {
        const open = shared.workspace.TextDocuments?.get(params.uri);
        const uri = URI.parse(params.uri);
        const built = shared.workspace.LangiumDocuments.hasDocument(uri) ? shared.workspace.LangiumDocuments.getDocument(uri) : undefined;
        if (!open || !built || params.version !== undefined) return send(params);
        // The text the parser read is the CST's; an empty file may have no CST.
        const parsed = built.parseResult.value.$cstNode?.root.fullText ?? '';
        if (parsed !== open.getText()) return Promise.resolve(); // stale: the new text's diagnostics follow
        return send({ ...params, version: open.version });
    };
}
