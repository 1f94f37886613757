import { DefaultScopeComputation, type AstNode, type AstNodeDescription, type LangiumDocument, type MultiMap } from 'langium';
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
