import type { LangiumDocument, MaybePromise } from 'langium';
import type { CodeLensProvider } from 'langium/lsp';
import type { CodeLens, CodeLensParams } from 'vscode-languageserver';
import type { Document } from '../generated/ast.js';
import type { GmModelCache } from '../ir/model-cache.js';
import { modelErrors } from './gm-hover.js';
import { LENS_COMMANDS } from './protocol.js';

// Defined in the protocol, which the extension imports; re-exported for the language's own users.
export { LENS_COMMANDS };

/**
 * Above each model: its bound on one line (opening the derivation view), and the actions
 * Train and Graph. A model with errors shows why it has no bound instead.
 */
export class GmCodeLensProvider implements CodeLensProvider {
    constructor(private readonly models: GmModelCache) {}

    provideCodeLens(document: LangiumDocument, _params: CodeLensParams): MaybePromise<CodeLens[]> {
        const lenses: CodeLens[] = [];
        for (const model of (document.parseResult.value as Document).models ?? []) {
            if (!model.$cstNode || !model.name) continue;
            const at = this.models.get(model).model.nameRange;
            const args = [document.uri.toString(), model.name];
            const errors = modelErrors(model);
            const bound = errors.length === 0 ? this.models.bound(model) : undefined;
            const title =
                errors.length > 0
                    ? `no bound: ${errors.length} error${errors.length === 1 ? '' : 's'}`
                    : bound?.ok
                      ? bound.derivation.summary.text
                      : `no bound: ${bound?.failure.reasons[0]?.message ?? 'the rules do not cover this model'}`;
            lenses.push({ range: at, command: { title, command: LENS_COMMANDS.derivation, arguments: args } });
            lenses.push({ range: at, command: { title: '▶ Train', command: LENS_COMMANDS.train, arguments: args } });
            lenses.push({ range: at, command: { title: 'Graph', command: LENS_COMMANDS.graph, arguments: args } });
        }
        return lenses;
    }
}
