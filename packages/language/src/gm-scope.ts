import {
    AstUtils,
    DefaultScopeComputation,
    DefaultScopeProvider,
    EMPTY_SCOPE,
    MultiMapScope,
    type LocalSymbols,
    type AstNode,
    type AstNodeDescription,
    type LangiumDocument,
    type MultiMap,
    type ReferenceInfo,
    type Scope,
} from 'langium';
import { isChainDecl, isIndexRange, isIndexVar, isModel } from './generated/ast.js';

/**
 * Local scopes of gm. An index declared in a range (`beta[t in 1..T]`, `chain x[t in 0..T]`) is
 * visible in the whole declaration that owns the range; a chain's index is visible in the whole
 * model, because factors such as `q(x[t] | x[t-1])` use it without declaring it again.
 */
export class GmScopeComputation extends DefaultScopeComputation {
    protected override addLocalSymbol(node: AstNode, document: LangiumDocument, symbols: MultiMap<AstNode, AstNodeDescription>): void {
        if (isIndexVar(node) && isIndexRange(node.$container)) {
            const owner = node.$container.$container;
            const description = this.descriptions.createDescription(node, node.name, document);
            symbols.add(owner, description);
            if (isChainDecl(owner) && isModel(owner.$container)) {
                symbols.add(owner.$container, description);
            }
            return;
        }
        super.addLocalSymbol(node, document, symbols);
    }
}

/**
 * The default scopes, except for a reference in a fragment that the parser's error recovery left
 * outside the document's tree (`let a[t] == 1 - beta[t]`: `beta[t]` keeps its CST node, which hover
 * and completion find, but no container chain to the document). Such a reference sees no names,
 * instead of an exception that Langium would log.
 */
export class GmScopeProvider extends DefaultScopeProvider {
    /** Scopes by the document's symbol table, the node that declares the symbols and the reference type. */
    private readonly scopes = new WeakMap<LocalSymbols, Map<AstNode, Map<string, { global: Scope; scope: Scope }>>>();

    /**
     * Langium's scopes, looked up by name in a map and kept per declaring node: Langium's default scans
     * a stream of every name in the model for each reference, which made a model of 5 000 declarations
     * take a minute to link. The order is the same: inner declarations first, then the library.
     */
    override getScope(context: ReferenceInfo): Scope {
        const document = AstUtils.findRootNode(context.container).$document;
        if (!document) return EMPTY_SCOPE;
        const localSymbols = document.localSymbols;
        if (!localSymbols) return super.getScope(context);
        const referenceType = this.reflection.getReferenceType(context);
        const global = this.getGlobalScope(referenceType, context);
        const containers: AstNode[] = [];
        for (let node: AstNode | undefined = context.container; node; node = node.$container) if (localSymbols.has(node)) containers.push(node);
        let byNode = this.scopes.get(localSymbols);
        if (!byNode) this.scopes.set(localSymbols, (byNode = new Map()));
        let scope = global;
        for (const node of containers.reverse()) {
            let byType = byNode.get(node);
            if (!byType) byNode.set(node, (byType = new Map()));
            const cached = byType.get(referenceType);
            // Outer scopes are shared by every node inside them, so a cached scope's outer chain is this one's.
            if (cached && cached.global === global) {
                scope = cached.scope;
                continue;
            }
            const elements = localSymbols.getStream(node).filter(d => this.reflection.isSubtype(d.type, referenceType));
            scope = new MultiMapScope(elements, scope);
            byType.set(referenceType, { global, scope });
        }
        return scope;
    }
}
