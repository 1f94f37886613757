import { AstUtils, DocumentCache, type LangiumDocument } from 'langium';
import type { LangiumServices } from 'langium/lsp';
import type { Model } from '../generated/ast.js';
import { lowerModel } from './lower.js';
import type { LoweringResult } from './types.js';

/**
 * The IR of each model, computed once per document version and shared by the validators,
 * the hover, the code lens and the custom requests.
 */
export class GmModelCache {
    private readonly cache: DocumentCache<string, LoweringResult>;

    constructor(services: LangiumServices) {
        this.cache = new DocumentCache(services.shared);
    }

    get(model: Model): LoweringResult {
        const document: LangiumDocument = AstUtils.getDocument(model);
        const uri = document.uri.toString();
        return this.cache.get(uri, model.name + '#' + (model.$cstNode?.offset ?? 0), () => lowerModel(model, uri));
    }
}
