import { AstUtils, type AstNode, type LangiumDocument, type MaybePromise } from 'langium';
import { AstNodeHoverProvider, type LangiumServices } from 'langium/lsp';
import type { Diagnostic, Hover, HoverParams } from 'vscode-languageserver';
import * as ast from '../generated/ast.js';
import { docOf } from '../ir/lower.js';
import type { GmModelCache } from '../ir/model-cache.js';
import type { ModelIR } from '../ir/types.js';
import { renderFactorMarkdown, renderMarkdown } from '../derivation/render.js';
import { describeDeclaration } from './describe.js';

/** Error diagnostics inside a model: while there are any, the model has no bound. */
export function modelErrors(model: ast.Model): Diagnostic[] {
    const range = model.$cstNode?.range;
    const diagnostics = AstUtils.getDocument(model).diagnostics ?? [];
    if (!range) return [];
    return diagnostics.filter(d => d.severity === 1 && d.range.start.line >= range.start.line && d.range.start.line <= range.end.line);
}

/**
 * Hover: a declaration's signature (kind, type, shape) and its doc comment; on a model's name the
 * derived bound; on a `p(…)`/`q(…)` factor the terms of the bound it enters.
 */
export class GmHoverProvider extends AstNodeHoverProvider {
    private readonly models: GmModelCache;

    constructor(services: LangiumServices & { ir: { ModelCache: GmModelCache } }) {
        super(services);
        this.models = services.ir.ModelCache;
    }

    override async getHoverContent(document: LangiumDocument, params: HoverParams): Promise<Hover | undefined> {
        const factor = this.factorAt(document, params);
        if (factor) {
            const content = this.factorContent(factor);
            if (content) return { contents: { kind: 'markdown', value: content } };
        }
        return super.getHoverContent(document, params);
    }

    protected override getAstNodeHoverContent(node: AstNode): MaybePromise<string | undefined> {
        const signature = describeDeclaration(node, this.modelOf(node));
        if (!signature) return undefined;
        const parts = ['```gm\n' + signature + '\n```'];
        const doc = docOf(node);
        if (doc) parts.push(doc);
        if (ast.isModel(node)) parts.push(this.boundContent(node));
        return parts.join('\n\n');
    }

    /** The derived bound, or why the model has none. */
    private boundContent(model: ast.Model): string {
        const blocking = modelErrors(model);
        if (blocking.length > 0) {
            return (
                `**No bound yet**: the model has ${blocking.length} error${blocking.length === 1 ? '' : 's'} ` +
                `(first: line ${blocking[0]!.range.start.line + 1}: ${blocking[0]!.message}).`
            );
        }
        const result = this.models.bound(model);
        return result.ok ? renderMarkdown(result.derivation) : '**No bound**: ' + result.failure.reasons.map(r => `line ${r.range.start.line + 1}: ${r.message}`).join('; ');
    }

    private modelOf(node: AstNode): ModelIR | undefined {
        const model = AstUtils.getContainerOfType(node, ast.isModel);
        return model ? this.models.get(model).model : undefined;
    }

    /** The factor whose head (`p(x | z)`) contains the position. */
    private factorAt(document: LangiumDocument, params: HoverParams): ast.Factor | undefined {
        const root = document.parseResult.value as ast.Document;
        const offset = document.textDocument.offsetAt(params.position);
        for (const model of root.models ?? []) {
            for (const member of model.members) {
                if (!ast.isFactor(member) || !member.$cstNode) continue;
                const start = member.$cstNode.offset;
                const headEnd = member.distribution?.$cstNode?.offset ?? member.$cstNode.end;
                if (offset >= start && offset < headEnd && !this.isOnName(member, offset)) return member;
            }
        }
        return undefined;
    }

    /** Names inside the head keep their own hover (the variable's declaration). */
    private isOnName(factor: ast.Factor, offset: number): boolean {
        // After a syntax error the target may be missing from the AST.
        return [factor.target, ...factor.given].some(v => {
            const cst = v?.$cstNode;
            return cst !== undefined && offset >= cst.offset && offset < cst.end;
        });
    }

    private factorContent(factor: ast.Factor): string | undefined {
        const model = factor.$container;
        const { model: ir } = this.models.get(model);
        const id = ir.factors.find(f => f.range.start.line === factor.$cstNode?.range.start.line)?.id;
        const role = factor.kind === 'p' ? 'generative factor' : 'approximate-posterior factor';
        const parts = ['```gm\n' + (factor.$cstNode?.text ?? '') + '\n```', `A ${role} of model \`${model.name}\`.`];
        const doc = docOf(factor);
        if (doc) parts.push(doc);
        const result = modelErrors(model).length === 0 ? this.models.bound(model) : undefined;
        const bound = id && result?.ok ? renderFactorMarkdown(result.derivation, id) : undefined;
        if (bound) parts.push(bound);
        return parts.join('\n\n');
    }
}
