import { AstUtils, DocumentCache, type LangiumDocument } from 'langium';
import type { LangiumServices } from 'langium/lsp';
import type { Model } from '../generated/ast.js';
import { deriveFromLowering } from '../derivation/derive.js';
import type { DerivationResult } from '../derivation/types.js';
import { lowerModel } from './lower.js';
import type { LoweringResult } from './types.js';

/**
 * The IR of each model, computed once per document version and shared by the validators,
 * the hover, the code lens and the custom requests.
 */
export class GmModelCache {
    private readonly cache: DocumentCache<string, LoweringResult>;
    private readonly bounds: DocumentCache<string, DerivationResult>;

    constructor(services: LangiumServices) {
        this.cache = new DocumentCache(services.shared);
        this.bounds = new DocumentCache(services.shared);
    }

    get(model: Model): LoweringResult {
        const [uri, key] = this.key(model);
        return this.cache.get(uri, key, () => lowerModel(model, uri));
    }

    /** The derived bound of the model (or why there is none), computed once per document version. */
    bound(model: Model): DerivationResult {
        const [uri, key] = this.key(model);
        return this.bounds.get(uri, key, () => deriveFromLowering(this.get(model)));
    }

    private key(model: Model): [string, string] {
        const document: LangiumDocument = AstUtils.getDocument(model);
        return [document.uri.toString(), model.name + '#' + (model.$cstNode?.offset ?? 0)];
    }
}
