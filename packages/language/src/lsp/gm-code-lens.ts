import { GrammarUtils, type LangiumDocument, type MaybePromise } from 'langium';
import type { CodeLensProvider } from 'langium/lsp';
import type { CodeLens, CodeLensParams } from 'vscode-languageserver';
import type { Document, Model } from '../generated/ast.js';
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
    /**
     * The bound's line by the model's text and error count, least recently used first: the line depends on
     * nothing else, so after a one-character edit of a file of many models only the edited one is derived again.
     */
    private readonly titles = new Map<string, string>();

    constructor(
        private readonly models: GmModelCache,
        private readonly capacity = 2000,
    ) {}

    provideCodeLens(document: LangiumDocument, _params: CodeLensParams): MaybePromise<CodeLens[]> {
        const lenses: CodeLens[] = [];
        for (const model of (document.parseResult.value as Document).models ?? []) {
            const name = model.$cstNode && model.name ? GrammarUtils.findNodeForProperty(model.$cstNode, 'name') : undefined;
            if (!name) continue;
            const at = name.range;
            const args = [document.uri.toString(), model.name];
            lenses.push({ range: at, command: { title: this.title(model), command: LENS_COMMANDS.derivation, arguments: args } });
            lenses.push({ range: at, command: { title: '▶ Train', command: LENS_COMMANDS.train, arguments: args } });
            lenses.push({ range: at, command: { title: 'Graph', command: LENS_COMMANDS.graph, arguments: args } });
        }
        return lenses;
    }

    private title(model: Model): string {
        const errors = modelErrors(model).length;
        const key = `${errors}\u0000${model.$cstNode!.text}`;
        const cached = this.titles.get(key);
        if (cached !== undefined) {
            this.titles.delete(key);
            this.titles.set(key, cached);
            return cached;
        }
        const bound = errors === 0 ? this.models.bound(model) : undefined;
        const title =
            errors > 0
                ? `no bound: ${errors} error${errors === 1 ? '' : 's'}`
                : bound?.ok
                  ? bound.derivation.summary.text
                  : `no bound: ${bound?.failure.reasons[0]?.message ?? 'the rules do not cover this model'}`;
        this.titles.set(key, title);
        if (this.titles.size > this.capacity) this.titles.delete(this.titles.keys().next().value!);
        return title;
    }
}
