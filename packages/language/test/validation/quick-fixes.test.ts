/**
 * Each quick fix through the real code action provider on a validated document: the fix removes
 * the diagnostic it is for, and the fixed model checks clean.
 */
import { parseHelper } from 'langium/test';
import type { CodeAction, Diagnostic } from 'vscode-languageserver';
import { TextDocument } from 'vscode-languageserver-textdocument';
import { beforeAll, describe, expect, test } from 'vitest';
import type { Document } from '../../src/generated/ast.js';
import type { GmServices } from '../../src/gm-module.js';
import { TINY_DDPM } from '../fixtures.js';
import { testServices } from '../services.js';

let services: GmServices;
beforeAll(async () => {
    services = await testServices();
});

const VAE = `model VAE {
  data mnist = images("mnist", split: train, binarize: fixed)

  observed x : Real[784] from mnist
  latent   z : Real[20]

  net encoder = MLP(784 -> 400 -> 2 * 20, activation: relu)
  net decoder = MLP(20 -> 400 -> 784, activation: relu)

  p(z)     = Normal(0, 1)                                               // prior
  p(x | z) = Bernoulli(logits: decoder(z))                              // decoder
  q(z | x) = Normal(mean: encoder(x)[0:20], logvar: encoder(x)[20:40])  // encoder

  train { optimizer: Adam(lr: 1e-3), batch: 128, epochs: 10, seed: 1 }
}
`;

const TINY = `${TINY_DDPM}\n`;

function edit(text: string, from: string, to: string): string {
    expect(text).toContain(from);
    return text.replace(from, to);
}

let counter = 0;
async function validate(text: string) {
    const uri = `file:///quick-fix-${++counter}.gm`;
    const document = await parseHelper<Document>(services)(text, { documentUri: uri, validation: true });
    return { document, diagnostics: (document.diagnostics ?? []) as Diagnostic[] };
}

/** The code actions offered for the one diagnostic with `code`. */
async function actionsFor(text: string, code: string) {
    const { document, diagnostics } = await validate(text);
    const diagnostic = diagnostics.find(d => d.code === code);
    expect(diagnostic, `a diagnostic '${code}' in ${JSON.stringify(diagnostics.map(d => d.code))}`).toBeDefined();
    const actions = (await services.lsp.CodeActionProvider!.getCodeActions(document, {
        textDocument: { uri: document.textDocument.uri },
        range: diagnostic!.range,
        context: { diagnostics: [diagnostic!] },
    })) as CodeAction[];
    return { actions, document };
}

/** Applies the action titled `title` (or the preferred one) and returns the new text. */
async function applyFix(text: string, code: string, title?: RegExp): Promise<string> {
    const { actions, document } = await actionsFor(text, code);
    const chosen = title ? actions.find(a => title.test(a.title)) : actions.find(a => a.isPreferred);
    expect(chosen, `an action among ${JSON.stringify(actions.map(a => a.title))}`).toBeDefined();
    const edits = chosen!.edit!.changes![document.textDocument.uri]!;
    return TextDocument.applyEdits(TextDocument.create('file:///x.gm', 'gm', 0, text), edits);
}

async function expectClean(text: string): Promise<void> {
    const { diagnostics } = await validate(text);
    expect(diagnostics.map(d => `${d.range.start.line + 1}: ${d.message}`)).toEqual([]);
}

describe('the starting models are clean', () => {
    test('VAE', () => expectClean(VAE));
    test('TinyDDPM', () => expectClean(TINY));
});

describe('add a missing prior', () => {
    test('p(z) = Normal(0, 1) for a latent without a generative factor', async () => {
        const broken = edit(VAE, '  p(z)     = Normal(0, 1)                                               // prior\n', '');
        const fixed = await applyFix(broken, 'latent-without-prior', /prior p\(z\)/);
        expect(fixed).toContain('\n  p(z) = Normal(0, 1)\n');
        // Inserted after the last factor's line, its trailing comment untouched.
        expect(fixed).toContain('// encoder\n  p(z) = Normal(0, 1)');
        await expectClean(fixed);
    });

    test('p(x[T]) = Normal(0, 1) for a chain without its terminal prior', async () => {
        const broken = edit(TINY, '  p(x[T]) = Normal(0, 1)\n', '');
        const fixed = await applyFix(broken, 'chain-without-prior');
        expect(fixed).toContain('  p(x[T]) = Normal(0, 1)');
        await expectClean(fixed);
    });
});

describe('add a missing q-factor', () => {
    test('a Gaussian encoder sized from x and z', async () => {
        let broken = edit(VAE, '  q(z | x) = Normal(mean: encoder(x)[0:20], logvar: encoder(x)[20:40])  // encoder\n', '');
        broken = edit(broken, '  net encoder = MLP(784 -> 400 -> 2 * 20, activation: relu)\n', '');
        const fixed = await applyFix(broken, 'latent-without-q');
        expect(fixed).toContain('net enc_z = MLP(784 -> 400 -> 2 * 20, activation: relu)');
        expect(fixed).toContain('q(z | x) = Normal(mean: enc_z(x)[0:20], logvar: enc_z(x)[20:40])');
        await expectClean(fixed);
    });

    test('the encoder gets a fresh name when enc_z is taken', async () => {
        let broken = edit(VAE, '  q(z | x) = Normal(mean: encoder(x)[0:20], logvar: encoder(x)[20:40])  // encoder\n', '');
        broken = edit(broken, 'net encoder =', 'net enc_z =');
        const { actions } = await actionsFor(broken, 'latent-without-q');
        expect(actions.map(a => a.title)).toEqual(["Add q(z | x) with a Gaussian encoder 'enc_z2'"]);
    });
});

describe('wrap a raw scale', () => {
    const broken = edit(VAE, 'logvar: encoder(x)[20:40]', 'std: encoder(x)[20:40]');

    test('offers softplus (preferred), exp and logvar', async () => {
        const { actions } = await actionsFor(broken, 'raw-scale');
        expect(actions.map(a => [a.title, a.isPreferred])).toEqual([
            ['Wrap in softplus(…)', true],
            ['Wrap in exp(…)', false],
            ['Read it as the log-variance (logvar: …)', false],
        ]);
    });

    test.each([
        [/softplus/, 'std: softplus(encoder(x)[20:40])'],
        [/exp/, 'std: exp(encoder(x)[20:40])'],
        [/logvar/, 'logvar: encoder(x)[20:40]'],
    ])('%s', async (title, expected) => {
        const fixed = await applyFix(broken, 'raw-scale', title);
        expect(fixed).toContain(expected);
        await expectClean(fixed);
    });
});

describe("correct a network size to the variable's size", () => {
    test.each([
        ['the encoder input', 'MLP(784 -> 400 -> 2 * 20', 'MLP(700 -> 400 -> 2 * 20', 'network-input-size', 'MLP(784 -> 400 -> 2 * 20'],
        ['the decoder input', 'MLP(20 -> 400 -> 784', 'MLP(10 -> 400 -> 784', 'network-input-size', 'MLP(20 -> 400 -> 784'],
        ['the decoder output', 'MLP(20 -> 400 -> 784', 'MLP(20 -> 400 -> 700', 'network-output-size', 'MLP(20 -> 400 -> 784'],
        ['an encoder too narrow for its slices', 'MLP(784 -> 400 -> 2 * 20', 'MLP(784 -> 400 -> 30', 'slice-range', 'MLP(784 -> 400 -> 40'],
        ['an encoder wider than its slices', 'MLP(784 -> 400 -> 2 * 20', 'MLP(784 -> 400 -> 50', 'network-output-unused', 'MLP(784 -> 400 -> 40'],
    ])('%s', async (_, from, to, code, expected) => {
        const fixed = await applyFix(edit(VAE, from, to), code);
        expect(fixed).toContain(expected);
        await expectClean(fixed);
    });

    test('the input channels of a U-Net', async () => {
        const ddpm = edit(
            edit(TINY, 'observed x0 : Real[784]', 'observed x0 : Real[1, 28, 28]'),
            'net eps = MLP(784 -> 1024 -> 784, activation: silu, time_embedding: 128)',
            'net eps = UNet(in: 3, channels: 32)',
        );
        const fixed = await applyFix(ddpm, 'network-input-size');
        expect(fixed).toContain('UNet(in: 1, channels: 32)');
        await expectClean(fixed);
    });
});

test('no action for a diagnostic without a fix', async () => {
    const { actions } = await actionsFor(edit(VAE, 'batch: 128', 'batch: 0'), 'option-range');
    expect(actions).toEqual([]);
});
