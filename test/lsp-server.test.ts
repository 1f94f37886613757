/**
 * The language server as editors run it: a child process speaking LSP over stdio.
 */
import type { ChildProcess } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import { startLanguageServer, type LanguageServerProcess } from './lsp-process.js';

const ROOT = path.resolve(import.meta.dirname, '..');

let server: ChildProcess;
let connection: MessageConnection;
const diagnostics = new Map<string, Array<{ message: string; range: { start: { line: number; character: number } } }>>();
let waiters: Array<() => boolean> = [];

function nextDiagnostics(uri: string): Promise<Array<{ message: string }>> {
    return new Promise(resolve => {
        const check = () => {
            if (diagnostics.has(uri)) {
                const d = diagnostics.get(uri)!;
                diagnostics.delete(uri);
                resolve(d);
                return true;
            }
            return false;
        };
        if (!check()) waiters.push(check);
    });
}

let lsp: LanguageServerProcess;

beforeAll(async () => {
    lsp = await startLanguageServer({
        handlers: connection =>
            connection.onNotification('textDocument/publishDiagnostics', (params: { uri: string; diagnostics: [] }) => {
                diagnostics.set(params.uri, params.diagnostics);
                waiters = waiters.filter(satisfied => !satisfied());
            }),
    });
    ({ server, connection } = lsp);
});

afterAll(() => lsp.stop());

function open(uri: string, text: string): Promise<void> {
    return connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'gm', version: 1, text } });
}

describe('the gm language server over stdio', () => {
    const vae = fs.readFileSync(path.join(ROOT, 'examples', 'vae.gm'), 'utf-8');
    const uri = 'file:///virtual/vae.gm';

    test('publishes no diagnostics for the VAE, then one after a mistake, then none after the fix', async () => {
        await open(uri, vae);
        expect(await nextDiagnostics(uri)).toEqual([]);
        await connection.sendNotification('textDocument/didChange', {
            textDocument: { uri, version: 2 },
            contentChanges: [{ text: vae.replace('logits: decoder(z)', 'logits: decodr(z)') }],
        });
        const broken = await nextDiagnostics(uri);
        expect(broken.map(d => d.message)).toEqual(["unknown name 'decodr'; did you mean 'decoder'?"]);
        await connection.sendNotification('textDocument/didChange', { textDocument: { uri, version: 3 }, contentChanges: [{ text: vae }] });
        expect(await nextDiagnostics(uri)).toEqual([]);
    });

    test('answers hover on a variable with its declaration', async () => {
        const line = vae.split('\n').findIndex(l => l.trimStart().startsWith('p(x | z)'));
        const character = vae.split('\n')[line]!.indexOf('decoder');
        const hover = (await connection.sendRequest('textDocument/hover', { textDocument: { uri }, position: { line, character } })) as { contents: { value: string } };
        expect(hover.contents.value).toMatch(/net decoder = MLP 20 → 400 → 784 \(relu\)/);
    });

    test('answers gm/modelGraph with the graphical model', async () => {
        const result = (await connection.sendRequest('gm/modelGraph', { uri })) as { models: Array<{ model: string; edges: unknown[] }> };
        expect(result.models.map(m => m.model)).toEqual(['VAE']);
        expect(result.models[0]!.edges).toHaveLength(4);
    });

    test('keeps serving after a document of random bytes', async () => {
        const junk = 'file:///virtual/junk.gm';
        await open(junk, 'model }{ ]] p(q(( \u0000\u00ff -> -> 1..');
        expect((await nextDiagnostics(junk)).length).toBeGreaterThan(0);
        const graph = (await connection.sendRequest('gm/modelGraph', { uri })) as { models: unknown[] };
        expect(graph.models).toHaveLength(1);
    });

    test('reports 60 unclosed parentheses as a located error, and keeps serving', async () => {
        // Once a stack overflow that ended the server process (exit 1).
        const deep = 'file:///virtual/sixty-unclosed-parens.gm';
        const text = fs.readFileSync(path.join(ROOT, 'test', 'corpus', 'syntax', 'sixty-unclosed-parens.gm'), 'utf-8');
        await open(deep, text);
        const found = (await nextDiagnostics(deep)) as Array<{ code?: string; message: string; range: { start: { line: number; character: number } } }>;
        const tooDeep = found.find(d => d.code === 'too-deep');
        expect(tooDeep?.message).toMatch(/nested more than 24 levels/);
        expect(tooDeep?.range.start).toEqual({ line: 17, character: 37 });
        const symbols = (await connection.sendRequest('textDocument/documentSymbol', { textDocument: { uri: deep } })) as Array<{ name: string }>;
        expect(symbols.map(s => s.name)).toEqual(['VAE']);
        const graph = (await connection.sendRequest('gm/modelGraph', { uri })) as { models: unknown[] };
        expect(graph.models).toHaveLength(1);
    });

    test('answers a request whose handler throws with an error, and keeps serving', async () => {
        // No parameters: gm's handler reads params.uri and throws; Langium's handlers throw on a missing position.
        await expect(connection.sendRequest('gm/derivation', null)).rejects.toThrow(/Request gm\/derivation failed/);
        await expect(connection.sendRequest('textDocument/hover', { textDocument: { uri } })).rejects.toThrow();
        const graph = (await connection.sendRequest('gm/modelGraph', { uri })) as { models: unknown[] };
        expect(graph.models).toHaveLength(1);
        expect(server.exitCode).toBeNull();
    });
});
