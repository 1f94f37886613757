import { describe, expect, test, beforeAll, vi } from 'vitest';
import {
    expectCompletion,
    expectFindReferences,
    expectFoldings,
    expectFormatting,
    expectGoToDefinition,
    expectHover,
    expectSymbols,
    parseHelper,
    validationHelper,
} from 'langium/test';
import type { Document } from '../src/generated/ast.js';
import type { GmServices } from '../src/gm-module.js';
import { LIBRARY_URI } from '../src/library/library.js';
import { isReference, URI } from 'langium';
import { edit, VAE as SHARED_VAE } from './fixtures.js';
import { testServices } from './services.js';

let services: GmServices;
beforeAll(async () => {
    services = await testServices();
});

// The shared VAE with documentation comments, for hover.
const VAE = '/** A VAE. */\n' + edit(SHARED_VAE, ['  observed x', '  /** The digit. */\n  observed x']);

describe('the built-in library', () => {
    test('parses and validates without a diagnostic', () => {
        const library = services.shared.workspace.LangiumDocuments.getDocument(URI.parse(LIBRARY_URI))!;
        expect(library.parseResult.lexerErrors).toEqual([]);
        expect(library.parseResult.parserErrors).toEqual([]);
        expect((library.parseResult.value as Document).builtins.length).toBeGreaterThan(30);
    });
});

describe('parsing and linking', () => {
    test('the VAE parses, links and validates clean', async () => {
        const { document, diagnostics } = await validationHelper<Document>(services)(VAE);
        expect(diagnostics.map(d => d.message)).toEqual([]);
        const model = document.parseResult.value.models[0]!;
        expect(model.name).toBe('VAE');
        expect(model.members).toHaveLength(9);
    });

    test('names resolve to declarations and to the library', async () => {
        const document = await parseHelper<Document>(services)(VAE, { documentUri: 'file:///link.gm' });
        await services.shared.workspace.DocumentBuilder.build([document]);
        const refs = document.references.map(r => [r.$refText, isReference(r) ? r.ref?.$type : undefined]);
        expect(refs).toContainEqual(['images', 'Builtin']);
        expect(refs).toContainEqual(['mnist', 'DataDecl']);
        expect(refs).toContainEqual(['decoder', 'NetDecl']);
        expect(refs).toContainEqual(['Normal', 'Builtin']);
        expect(refs).toContainEqual(['z', 'VariableDecl']);
        expect(document.references.every(r => isReference(r) && r.ref !== undefined)).toBe(true);
    });

    test('a chain index is visible in the factors of its model', async () => {
        const { diagnostics } = await validationHelper<Document>(services)(`model C {
  const T = 10
  schedule beta[t in 1..T] = linear(1e-4, 0.02)
  data d = images("mnist")
  observed x0 : Real[784] from d
  chain x[t in 0..T] starts x0
  net eps = MLP(784 -> 32 -> 784, time_embedding: 16)
  q(x[t] | x[t-1]) = Normal(sqrt(1 - beta[t]) * x[t-1], var: beta[t])
  p(x[T]) = Normal(0, 1)
  p(x[t-1] | x[t]) = Normal(x[t] - eps(x[t], t), var: beta[t])
}`);
        expect(diagnostics.map(d => d.message)).toEqual([]);
    });

    test('an unknown name is an error on the name', async () => {
        const { diagnostics } = await validationHelper<Document>(services)(VAE.replace('decoder(z))', 'decodr(z))'));
        const unresolved = diagnostics.filter(d => /decodr/.test(typeof d.message === 'string' ? d.message : d.message.value));
        expect(unresolved).toHaveLength(1);
        expect(unresolved[0]!.range.start).toEqual({ line: 9, character: 31 });
    });
});

describe('completion', () => {
    test('offers declared names and library names in expressions', async () => {
        await expectCompletion(services)({
            text: VAE.replace('logits: decoder(z)', 'logits: <|>'),
            index: 0,
            assert: list => {
                const labels = list.items.map(i => i.label);
                expect(labels).toContain('decoder');
                expect(labels).toContain('encoder');
                expect(labels).toContain('sigmoid');
            },
            disposeAfterCheck: true,
        });
    });

    test('offers member keywords inside a model', async () => {
        await expectCompletion(services)({
            text: 'model M {\n  <|>\n}',
            index: 0,
            assert: list => {
                const labels = list.items.map(i => i.label);
                for (const keyword of ['latent', 'observed', 'net', 'chain', 'schedule', 'let', 'const', 'train', 'p', 'q']) {
                    expect(labels).toContain(keyword);
                }
            },
            disposeAfterCheck: true,
        });
    });
});

describe('completion after an expression nested past the limit', () => {
    // The parser stops at 24 levels (gm-parser.ts); completion steps over the rest of that operand.
    const deep = (inner: string) => `${'('.repeat(30)}${inner}${')'.repeat(30)}`;

    test('the members after it still complete', async () => {
        await expectCompletion(services)({
            text: `model M {\n  latent z : Real[2]\n  let a = ${deep('z[0] ^ 2 + f(1)(2)[3].mean')} * 2\n  <|>\n}`,
            index: 0,
            assert: list => expect(list.items.map(i => i.label)).toEqual(expect.arrayContaining(['latent', 'let', 'p', 'q', 'train'])),
            disposeAfterCheck: true,
        });
    });

    test('names complete in the expression after it', async () => {
        await expectCompletion(services)({
            text: `model M {\n  latent z : Real[2]\n  let a = ${deep('-1')} * <|>\n}`,
            index: 0,
            assert: list => expect(list.items.map(i => i.label)).toEqual(expect.arrayContaining(['z', 'a', 'sigmoid'])),
            disposeAfterCheck: true,
        });
    });

    test('an unclosed one offers nothing after it, without an exception', async () => {
        await expectCompletion(services)({
            text: `model M {\n  latent z : Real[2]\n  let a = ${'['.repeat(300)}${'(1)'.repeat(3000)}\n  <|>\n}`,
            index: 0,
            assert: list => expect(list.items).toEqual([]),
            disposeAfterCheck: true,
        });
    });
});

describe('navigation', () => {
    test('go to definition jumps from a use to the declaration', async () => {
        await expectGoToDefinition(services)({
            text: `model M {
  data d = images("mnist")
  observed x : Real[784] from d
  latent <|z|> : Real[2]
  net dec = MLP(2 -> 784)
  p(<|>z) = Normal(0, 1)
  p(x | z) = Bernoulli(logits: dec(<|>z))
}`,
            index: 1,
            rangeIndex: 0,
            disposeAfterCheck: true,
        });
    });

    test('find references lists every use of a latent', async () => {
        await expectFindReferences(services)({
            text: `model M {
  data d = images("mnist")
  observed x : Real[784] from d
  latent <|<|>z|> : Real[2]
  net dec = MLP(2 -> 784)
  net enc = MLP(784 -> 4)
  p(<|z|>) = Normal(0, 1)
  p(x | <|z|>) = Bernoulli(logits: dec(<|z|>))
  q(<|z|> | x) = Normal(mean: enc(x)[0:2], logvar: enc(x)[2:4])
}`,
            includeDeclaration: true,
            disposeAfterCheck: true,
        });
    });

    test('rename changes the declaration and every use', async () => {
        const document = await parseHelper<Document>(services)(VAE, { documentUri: 'file:///rename.gm' });
        await services.shared.workspace.DocumentBuilder.build([document], { validation: true });
        const offset = VAE.indexOf('latent z') + 'latent '.length;
        const edit = await services.lsp.RenameProvider!.rename(document, {
            textDocument: { uri: document.uri.toString() },
            position: document.textDocument.positionAt(offset),
            newName: 'code',
        });
        const edits = edit?.changes?.[document.uri.toString()] ?? [];
        // the declaration, p(z), p(x | z), decoder(z), q(z | x)
        expect(edits).toHaveLength(5);
        expect(edits.every(e => e.newText === 'code')).toBe(true);
    });

    test('find references after an edit lists the uses where they are now (the index describes references on demand)', async () => {
        const workspace = services.shared.workspace;
        const uri = URI.parse('file:///references-after-edit.gm');
        const build = async (text: string) => {
            if (workspace.LangiumDocuments.hasDocument(uri)) await workspace.DocumentBuilder.update([], [uri]);
            const document = workspace.LangiumDocumentFactory.fromString<Document>(text, uri);
            workspace.LangiumDocuments.addDocument(document);
            await workspace.DocumentBuilder.build([document], { validation: true });
            return document;
        };
        const usesOfZ = async (text: string) => {
            const document = await build(text);
            const z = document.parseResult.value.models[0]!.members.find(m => 'name' in m && m.name === 'z')!;
            const references = services.references.References.findReferences(z, { includeDeclaration: false }).toArray();
            return references.map(r => `${r.segment.range.start.line}:${r.segment.range.start.character}`);
        };
        const before = await usesOfZ(VAE);
        expect(before).toHaveLength(4);
        // Two lines above the model: every use moves down two lines.
        expect(await usesOfZ('// one\n// two\n' + VAE)).toEqual(before.map(at => `${Number(at.split(':')[0]) + 2}:${at.split(':')[1]}`));
        await workspace.DocumentBuilder.update([], [uri]);
    });

    test('the outline lists the model and its declarations', async () => {
        await expectSymbols(services)({
            text: VAE,
            assert: symbols => {
                expect(symbols.map(s => s.name)).toEqual(['VAE']);
                const children = (symbols[0] as { children?: Array<{ name: string }> }).children?.map(c => c.name) ?? [];
                expect(children).toEqual(expect.arrayContaining(['mnist', 'x', 'z', 'encoder', 'decoder']));
            },
            disposeAfterCheck: true,
        });
    });

    test('a model and a multi-line comment fold', async () => {
        await expectFoldings(services)({
            text: VAE,
            assert: ranges => {
                expect(ranges.some(r => r.startLine === 1 && r.endLine >= 11)).toBe(true);
            },
            disposeAfterCheck: true,
        });
    });
});

describe('hover', () => {
    test('a variable shows its declaration with its shape and doc comment', async () => {
        await expectHover(services)({
            text: VAE.replace('p(x | z) = Bernoulli', 'p(<|>x | z) = Bernoulli'),
            index: 0,
            hover: /observed x : Real\[784\] from mnist[\s\S]*The digit\./,
            disposeAfterCheck: true,
        });
    });

    test('a network shows its widths, activation and parameter count', async () => {
        await expectHover(services)({
            text: VAE.replace('logits: decoder(z)', 'logits: <|>decoder(z)'),
            index: 0,
            hover: /MLP 20 → 400 → 784 \(relu\)[\s\S]*322,784 parameters/,
            disposeAfterCheck: true,
        });
    });

    test('a library distribution shows its parameters and documentation', async () => {
        await expectHover(services)({
            text: VAE.replace('p(z) = Normal', 'p(z) = <|>Normal'),
            index: 0,
            hover: /distribution Normal\(mean, std\?, var\?, logvar\?\)[\s\S]*diagonal covariance/,
            disposeAfterCheck: true,
        });
    });

    test('a schedule shows its first and last values', async () => {
        await expectHover(services)({
            text: `model D {
  const T = 1000
  schedule <|>beta[t in 1..T] = linear(1e-4, 0.02)
}`,
            index: 0,
            hover: /beta\[1\] = 0\.0001, …, beta\[1000\] = 0\.02/,
            disposeAfterCheck: true,
        });
    });
});

describe('a fragment left outside the tree by error recovery', () => {
    test('hover and completion on its names answer without an exception', async () => {
        // After `==`, the parser recovers and keeps `beta[t]`'s CST nodes, but not its place in the AST.
        const text = `model D {
  const T = 10
  schedule beta[t in 1..T] = linear(1e-4, 0.02)
  let alpha[t] == 1 - beta[t]
}`;
        const errors = vi.spyOn(console, 'error');
        try {
            const document = await parseHelper<Document>(services)(text, { documentUri: 'file:///recovered.gm' });
            await services.shared.workspace.DocumentBuilder.build([document], { validation: true });
            expect(document.parseResult.parserErrors.map(e => e.message)).toContain("expected an expression but found '='");
            const textDocument = { uri: document.textDocument.uri };
            const position = document.textDocument.positionAt(text.lastIndexOf('beta') + 2);
            expect(await services.lsp.HoverProvider!.getHoverContent(document, { textDocument, position })).toBeUndefined();
            const completion = await services.lsp.CompletionProvider!.getCompletion(document, { textDocument, position });
            expect(Array.isArray(completion?.items ?? [])).toBe(true);
            expect(errors.mock.calls.map(call => call.map(String).join(' '))).toEqual([]);
        } finally {
            errors.mockRestore();
        }
    });
});

describe('formatting', () => {
    test('indents members and normalizes spaces', async () => {
        await expectFormatting(services)({
            before: 'model M {\nlatent z : Real[2]\n    p(z)=Normal(0,1)\n  train {batch:32,seed : 1}\n}',
            after: 'model M {\n    latent z : Real[2]\n    p(z) = Normal(0, 1)\n    train { batch: 32, seed: 1 }\n}',
            disposeAfterCheck: true,
        });
    });

    test('named heads, several inputs and labels', async () => {
        await expectFormatting(services)({
            before: 'model M {\n    data d = images("mnist")\n    observed x : Real[784] from d\n    observed y : Int[10] from d . labels\n    latent z : Real[2]\n    net e = MLP(784+10->8->( mean :2 ,logvar:2 ))\n    q(z | x, y) = Normal(mean: e(x,y) . mean, logvar: e(x, y).logvar)\n}',
            after: 'model M {\n    data d = images("mnist")\n    observed x : Real[784] from d\n    observed y : Int[10] from d.labels\n    latent z : Real[2]\n    net e = MLP(784 + 10 -> 8 -> (mean: 2, logvar: 2))\n    q(z | x, y) = Normal(mean: e(x, y).mean, logvar: e(x, y).logvar)\n}',
            disposeAfterCheck: true,
        });
    });

    test('keeps a formatted example unchanged', async () => {
        const text = 'model M {\n    latent z : Real[2]\n\n    p(z) = Normal(0, 1)\n}';
        await expectFormatting(services)({ before: text, after: text, disposeAfterCheck: true });
    });
});
