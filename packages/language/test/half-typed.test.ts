/**
 * Half-typed models, as the editor sees them while a model is written: an example cut after each of
 * its tokens, or with one token deleted. The parser's error recovery leaves holes in the AST (a
 * `const T =` without its value, an `observed : Int[10]` without its name), so properties the grammar
 * requires may be missing. On every such text, what the editor asks never throws: hover at every
 * name, completion where the text was cut, code actions for every diagnostic, and the bound, which is
 * a bound or reasons (with syntax errors inside the model: reasons).
 *
 * The random edits of test/fuzz.test.ts found the first of these holes; this sweep walks every token
 * of four examples that cover every kind of declaration, so the same holes are found on every run.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, expect, test } from 'vitest';
import { parseHelper } from 'langium/test';
import type { LangiumDocument } from 'langium';
import type { Document } from '../src/generated/ast.js';
import type { GmServices } from '../src/gm-module.js';
import { testServices } from './services.js';

const EXAMPLES = path.resolve(import.meta.dirname, '../../../examples');
/** Names, numbers, strings, two-character operators, comments, white space, any other character. */
const TOKEN = /[A-Za-z_]\w*|\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|"[^"]*"|->|\.\.|\/\/[^\n]*|\/\*[\s\S]*?\*\/|\s+|./g;

let services: GmServices;
beforeAll(async () => {
    services = await testServices();
});

/** The texts of one edit at every token: the text cut after it (the model closed), or without it; `at` is where the edit is. */
function halfTyped(text: string, edit: 'cut' | 'delete'): Array<{ text: string; at: number }> {
    const tokens = text.match(TOKEN) ?? [];
    const texts: Array<{ text: string; at: number }> = [];
    for (let i = 0, offset = 0; i < tokens.length; offset += tokens[i]!.length, i++) {
        if (/^\s+$/.test(tokens[i]!)) continue;
        const before = tokens.slice(0, i).join('');
        if (edit === 'cut') texts.push({ text: before + tokens[i] + '\n}\n', at: offset + tokens[i]!.length });
        else texts.push({ text: before + tokens.slice(i + 1).join(''), at: offset });
    }
    return texts;
}

/** Every request of the sweep on one document; rejects with the request that threw. */
async function askEverything(document: LangiumDocument<Document>, at: number): Promise<void> {
    const textDocument = { uri: document.uri.toString() };
    const text = document.textDocument.getText();
    const ask = async (what: string, request: () => unknown) => {
        try {
            await request();
        } catch (error) {
            throw new Error(`${what} threw on:\n${text}\n${(error as Error).stack}`, { cause: error });
        }
    };
    for (const name of text.matchAll(/[A-Za-z_]\w*/g)) {
        const position = document.textDocument.positionAt(name.index);
        await ask(`hover at ${position.line + 1}:${position.character + 1}`, () => services.lsp.HoverProvider!.getHoverContent(document, { textDocument, position }));
    }
    const position = document.textDocument.positionAt(at);
    await ask('completion', () => services.lsp.CompletionProvider!.getCompletion(document, { textDocument, position }));
    const diagnostics = document.diagnostics ?? [];
    const everywhere = { start: { line: 0, character: 0 }, end: document.textDocument.positionAt(text.length) };
    await ask('code actions', () => services.lsp.CodeActionProvider!.getCodeActions(document, { textDocument, range: everywhere, context: { diagnostics } }));
    for (const model of document.parseResult.value.models) {
        await ask(`the bound of ${model.name}`, () => {
            const bound = services.ir.ModelCache.bound(model);
            if (!bound.ok) expect(bound.failure.reasons.length).toBeGreaterThan(0);
        });
    }
    expect(diagnostics.map(d => String(d.message)).filter(m => m.startsWith('An error occurred'))).toEqual([]);
}

const EDITS = { cut: 'cut after each token', delete: 'each token deleted' } as const;

test.each(
    (
        [
            ['ddpm-cosine.gm', 'cut'],
            ['ddpm-mlp.gm', 'delete'],
            ['cvae.gm', 'delete'],
            ['gmm-vae.gm', 'cut'],
        ] as const
    ).map(([file, edit]) => ({ file, edit, label: EDITS[edit] })),
)(
    '$file, $label: hover, completion, code actions and the bound never throw',
    async ({ file, edit }) => {
        const parse = parseHelper<Document>(services);
        const texts = halfTyped(fs.readFileSync(path.join(EXAMPLES, file), 'utf-8'), edit);
        expect(texts.length).toBeGreaterThan(100);
        for (const [i, { text, at }] of texts.entries()) {
            const document = await parse(text, { documentUri: `file:///half-typed/${file}-${edit}-${i}.gm`, validation: true });
            await askEverything(document, at);
        }
    },
    120_000,
);
