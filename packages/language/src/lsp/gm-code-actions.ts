import { AstUtils, GrammarUtils, type AstNode, type LangiumDocument, type MaybePromise } from 'langium';
import type { CodeActionProvider } from 'langium/lsp';
import type { CodeAction, CodeActionParams, Command, Diagnostic, Position, Range, TextEdit } from 'vscode-languageserver';
import { CodeActionKind } from 'vscode-languageserver';
import * as ast from '../generated/ast.js';
import { Code } from '../validation/codes.js';

type Data = Record<string, string | number | undefined>;

/**
 * Quick fixes for the structural diagnostics, keyed on their codes (validation/*.ts): add a missing
 * prior or q-factor, wrap a raw network scale in softplus/exp (or read it as logvar), and set a
 * network's width to the size of the variable it reads or defines.
 */
export class GmCodeActionProvider implements CodeActionProvider {
    getCodeActions(document: LangiumDocument, params: CodeActionParams): MaybePromise<Array<Command | CodeAction>> {
        const actions: CodeAction[] = [];
        for (const diagnostic of params.context.diagnostics) {
            const model = modelAt(document, diagnostic.range.start);
            if (!model) continue;
            actions.push(...this.fixesFor(document, model, diagnostic));
        }
        return actions;
    }

    private fixesFor(document: LangiumDocument, model: ast.Model, diagnostic: Diagnostic): CodeAction[] {
        const data = (diagnostic.data ?? {}) as Data;
        switch (diagnostic.code) {
            case Code.LatentWithoutPrior:
                return this.insertFactor(document, model, diagnostic, `Add the prior p(${data['variable']}) = Normal(0, 1)`, [`p(${data['variable']}) = Normal(0, 1)`]);
            case Code.ChainWithoutPrior:
                return this.insertFactor(document, model, diagnostic, `Add the terminal prior p(${data['chain']}[${data['upper']}]) = Normal(0, 1)`, [
                    `p(${data['chain']}[${data['upper']}]) = Normal(0, 1)`,
                ]);
            case Code.LatentWithoutQ:
                return this.addPosterior(document, model, diagnostic, data);
            case Code.RawScale:
                return this.wrapScale(document, model, diagnostic, data);
            case Code.NetworkInputSize:
            case Code.NetworkOutputSize:
            case Code.SliceRange:
            case Code.NetworkOutputUnused:
                return this.resizeNetwork(document, model, diagnostic, data);
            default:
                return [];
        }
    }

    /** Inserts lines after the model's last factor (or before its closing brace), indented like its members. */
    private insertFactor(document: LangiumDocument, model: ast.Model, diagnostic: Diagnostic, title: string, lines: string[]): CodeAction[] {
        return [action(title, diagnostic, document, [insertAfterFactors(document, model, lines)], true)];
    }

    /**
     * q(z | x) = Normal(mean: enc_z(x)[0:n], logvar: enc_z(x)[n:2n]) with its encoder: the Gaussian
     * encoder of Kingma & Welling (2013, appendix C.2). Offered when q has one observed variable to read.
     */
    private addPosterior(document: LangiumDocument, model: ast.Model, diagnostic: Diagnostic, data: Data): CodeAction[] {
        const variable = String(data['variable']);
        const given = String(data['given'] ?? '')
            .split(',')
            .filter(Boolean);
        const size = Number(data['size']);
        const givenSize = Number(data['givenSize']);
        if (given.length !== 1 || !Number.isInteger(size) || !Number.isInteger(givenSize)) return [];
        const taken = new Set(model.members.map(m => ('name' in m ? String(m.name) : '')));
        let net = `enc_${variable}`;
        for (let i = 2; taken.has(net); i++) net = `enc_${variable}${i}`;
        const [x] = given as [string];
        const lines = [
            `net ${net} = MLP(${givenSize} -> 400 -> 2 * ${size}, activation: relu)`,
            `q(${variable} | ${x}) = Normal(mean: ${net}(${x})[0:${size}], logvar: ${net}(${x})[${size}:${2 * size}])`,
        ];
        return [action(`Add q(${variable} | ${x}) with a Gaussian encoder '${net}'`, diagnostic, document, [insertAfterFactors(document, model, lines)], true)];
    }

    /** softplus(…) or exp(…) around a raw network output, or the same output read as the family's unconstrained alternative (logvar). */
    private wrapScale(document: LangiumDocument, model: ast.Model, diagnostic: Diagnostic, data: Data): CodeAction[] {
        const text = document.textDocument.getText(diagnostic.range);
        const actions = ['softplus', 'exp'].map((fn, i) => action(`Wrap in ${fn}(…)`, diagnostic, document, [{ range: diagnostic.range, newText: `${fn}(${text})` }], i === 0));
        const argument = AstUtils.streamAst(model).find(
            (n): n is ast.Argument => ast.isArgument(n) && n.name === data['parameter'] && sameRange(n.value?.$cstNode?.range, diagnostic.range),
        );
        const nameNode = argument ? GrammarUtils.findNodeForProperty(argument.$cstNode, 'name') : undefined;
        const alternative = data['alternative'];
        if (nameNode && typeof alternative === 'string') {
            actions.push(action(`Read it as ${data['alternativeDoc']} (${alternative}: …)`, diagnostic, document, [{ range: nameNode.range, newText: alternative }], false));
        }
        return actions;
    }

    /** Sets the first or last width of an MLP (or the input channels of a U-Net) to the size the model needs. */
    private resizeNetwork(document: LangiumDocument, model: ast.Model, diagnostic: Diagnostic, data: Data): CodeAction[] {
        const name = data['network'],
            size = Number(data['size']),
            end = data['end'];
        if (typeof name !== 'string' || !Number.isInteger(size) || size < 1) return [];
        const decl = model.members.find((m): m is ast.NetDecl => ast.isNetDecl(m) && m.name === name);
        const call = decl?.architecture;
        if (!decl || !ast.isCallExpr(call)) return [];
        let target: AstNode | undefined;
        if (end === 'in') {
            target = call.args.find(a => a.name === 'in')?.value;
        } else {
            const layers = call.args.find((a, i) => a.name === 'layers' || (i === 0 && !a.name))?.value;
            if (ast.isLayerList(layers)) target = end === 'input' ? layers.items[0] : layers.items[layers.items.length - 1];
        }
        const range = target?.$cstNode?.range;
        if (!range) return [];
        const what = end === 'in' ? 'input channels' : `${end} width`;
        return [action(`Set ${name}'s ${what} to ${size}`, diagnostic, document, [{ range, newText: String(size) }], true)];
    }
}

function action(title: string, diagnostic: Diagnostic, document: LangiumDocument, edits: TextEdit[], isPreferred: boolean): CodeAction {
    return { title, kind: CodeActionKind.QuickFix, diagnostics: [diagnostic], isPreferred, edit: { changes: { [document.textDocument.uri]: edits } } };
}

function modelAt(document: LangiumDocument, position: Position): ast.Model | undefined {
    const root = document.parseResult.value as ast.Document;
    return root.models.find(m => {
        const r = m.$cstNode?.range;
        return r && !before(position, r.start) && !before(r.end, position);
    });
}

const before = (a: Position, b: Position): boolean => a.line < b.line || (a.line === b.line && a.character < b.character);

const sameRange = (a: Range | undefined, b: Range): boolean =>
    !!a && a.start.line === b.start.line && a.start.character === b.start.character && a.end.line === b.end.line && a.end.character === b.end.character;

/** An edit that adds lines after the last factor of a model, or before its closing brace. */
function insertAfterFactors(document: LangiumDocument, model: ast.Model, lines: string[]): TextEdit {
    const members = model.members.filter(m => m.$cstNode);
    const factors = members.filter(ast.isFactor);
    const anchor = factors[factors.length - 1] ?? members.filter(m => !ast.isConfigBlock(m)).pop();
    const text = document.textDocument.getText();
    const indent = anchor ? indentationOf(text, document.textDocument.offsetAt(anchor.$cstNode!.range.start)) : '  ';
    if (anchor) {
        // At the end of the anchor's last line, so that a trailing comment stays where it was.
        const line = anchor.$cstNode!.range.end.line;
        const end = { line, character: (text.split(/\r?\n/)[line] ?? '').length };
        return { range: { start: end, end }, newText: lines.map(l => `\n${indent}${l}`).join('') };
    }
    const close = model.$cstNode!.range.end;
    const at = { line: close.line, character: Math.max(0, close.character - 1) };
    return { range: { start: at, end: at }, newText: lines.map(l => `${indent}${l}\n`).join('') };
}

function indentationOf(text: string, offset: number): string {
    const lineStart = text.lastIndexOf('\n', offset - 1) + 1;
    return /^[ \t]*/.exec(text.slice(lineStart, offset))?.[0] ?? '  ';
}
