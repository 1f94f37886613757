import type { AstNode } from 'langium';
import { AbstractFormatter, Formatting, type NodeFormatter } from 'langium/lsp';
import * as ast from '../generated/ast.js';

/**
 * Formats gm the way the examples are written: one member per line, indented inside a model's
 * braces; single spaces around `=`, `|`, `->` and binary operators; none inside brackets.
 * Blank lines between members are kept (at most one), so groups of declarations stay grouped.
 */
export class GmFormatter extends AbstractFormatter {
    protected format(node: AstNode): void {
        if (ast.isModel(node)) {
            const f = this.getNodeFormatter(node);
            const open = f.keyword('{');
            const close = f.keyword('}');
            f.keyword('model').append(Formatting.oneSpace());
            f.property('name').append(Formatting.oneSpace());
            f.interior(open, close).prepend(Formatting.indent({ allowMore: true }));
            close.prepend(Formatting.newLine());
        } else if (ast.isDocument(node)) {
            const f = this.getNodeFormatter(node);
            f.nodes(...node.models.slice(1), ...node.builtins.slice(1)).prepend(Formatting.fit(Formatting.newLine(), Formatting.newLines(2)));
        } else if (ast.isConfigBlock(node)) {
            const f = this.getNodeFormatter(node);
            f.keyword('{').prepend(Formatting.oneSpace()).append(Formatting.oneSpace());
            f.keyword('}').prepend(Formatting.oneSpace());
            commas(f);
        } else if (ast.isOption(node) || ast.isArgument(node)) {
            const f = this.getNodeFormatter(node);
            f.keyword(':').prepend(Formatting.noSpace()).append(Formatting.oneSpace());
        } else if (ast.isFactor(node)) {
            const f = this.getNodeFormatter(node);
            brackets(f, '(', ')');
            f.keyword('|').surround(Formatting.oneSpace());
            commas(f);
            f.keyword('=').surround(Formatting.oneSpace());
        } else if (ast.isCallExpr(node)) {
            const f = this.getNodeFormatter(node);
            brackets(f, '(', ')');
            commas(f);
        } else if (ast.isIndexExpr(node) || ast.isFactorVar(node)) {
            brackets(this.getNodeFormatter(node), '[', ']');
        } else if (ast.isBinaryExpr(node)) {
            this.getNodeFormatter(node).property('operator').surround(Formatting.oneSpace());
        } else if (ast.isLayerList(node)) {
            this.getNodeFormatter(node).keywords('->').surround(Formatting.oneSpace());
        } else if (ast.isListLiteral(node)) {
            const f = this.getNodeFormatter(node);
            f.keyword('[').append(Formatting.noSpace());
            f.keyword(']').prepend(Formatting.noSpace());
            commas(f);
        } else if (ast.isConstant(node) || ast.isSchedule(node) || ast.isSequence(node) || ast.isDataDecl(node) || ast.isNetDecl(node)) {
            this.getNodeFormatter(node).keyword('=').surround(Formatting.oneSpace());
        } else if (ast.isVariableDecl(node)) {
            const f = this.getNodeFormatter(node);
            f.keyword(':').surround(Formatting.oneSpace());
            f.keyword('from').surround(Formatting.oneSpace());
            f.keyword('.').surround(Formatting.noSpace()); // mnist.labels
        } else if (ast.isHeadList(node)) {
            // (mean: 20, logvar: 20)
            const f = this.getNodeFormatter(node);
            f.keyword('(').append(Formatting.noSpace());
            f.keyword(')').prepend(Formatting.noSpace());
            commas(f);
        } else if (ast.isHead(node)) {
            this.getNodeFormatter(node).keyword(':').prepend(Formatting.noSpace()).append(Formatting.oneSpace());
        } else if (ast.isHeadExpr(node)) {
            this.getNodeFormatter(node).keyword('.').surround(Formatting.noSpace()); // encoder(x).mean
        }
    }
}

/** A call's or an index's brackets hug what they enclose and the name before them: `f(x)`, `x[t]`. */
function brackets<T extends AstNode>(f: NodeFormatter<T>, open: string, close: string): void {
    f.keyword(open).prepend(Formatting.noSpace()).append(Formatting.noSpace());
    f.keyword(close).prepend(Formatting.noSpace());
}

/** Commas in any list: none before, one space after. */
function commas<T extends AstNode>(f: NodeFormatter<T>): void {
    f.keywords(',').prepend(Formatting.noSpace()).append(Formatting.oneSpace());
}
