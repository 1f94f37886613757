import {
    AstUtils,
    DefaultScopeComputation,
    DefaultScopeProvider,
    EMPTY_SCOPE,
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
    override getScope(context: ReferenceInfo): Scope {
        if (!AstUtils.findRootNode(context.container).$document) return EMPTY_SCOPE;
        return super.getScope(context);
    }
}
