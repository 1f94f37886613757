/**
 * Robustness of the language server as editors run it: the built server is a child process spoken to
 * over stdio, and random edits of the examples are sent to it — deleted, duplicated, swapped and
 * replaced tokens, truncations, runs of brackets of every kind, deep nesting, long operator chains,
 * huge and tiny numbers, long names, binary bytes, and files of 5 000 lines. After each edit the test
 * waits for the diagnostics of that version and asks hover, completion, document symbols, code lenses
 * and formatting, all at once. It fails on a process exit, diagnostics that do not come within 10 s,
 * an unanswered request, an error response, a request answered more than 2 s after it was sent, or an
 * exception the server had to swallow.
 *
 * Seeded: GM_FUZZ_SEED=n reproduces a run (the seed is printed on failure; by default each run draws
 * one), GM_FUZZ_CASES=n changes the number of edits (2 000 by default). A failing case's text is
 * written to test-output/fuzz/, so that `gm check` or the editor can replay it alone. Once fixed, it
 * goes to test/fuzz-regressions/, which every run replays first, with hover and completion at many
 * places: a random run found it once, and the replay keeps it found.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { MessageConnection } from 'vscode-jsonrpc/node';
import { startLanguageServer, type LanguageServerProcess } from './lsp-process.js';

const ROOT = path.resolve(import.meta.dirname, '..');
const EXAMPLES = path.join(ROOT, 'examples');
const REGRESSIONS = path.join(ROOT, 'test', 'fuzz-regressions');
/** Offsets in a regression's text where hover and completion are asked, evenly spaced. */
const REPLAY_PLACES = 80;
const SEED = Number(process.env['GM_FUZZ_SEED'] ?? Math.floor(Math.random() * 2 ** 31));
const CASES = Number(process.env['GM_FUZZ_CASES'] ?? 2000);
/** Cases per vitest test: progress shows, and a failure names its block. */
const BLOCK = 250;
/** The slowest answer a request may take (GM_FUZZ_REQUEST_MS raises it on a machine shared with other work). */
const REQUEST_MS = Number(process.env['GM_FUZZ_REQUEST_MS'] ?? 2000);
/** How long the diagnostics of one edit may take (a 5 000-line file is parsed, linked and checked). */
const DIAGNOSTICS_MS = 10000;
/** One case in this many starts from a 5 000-line file. */
const BIG_EVERY = 100;

/** Mulberry32: a small seeded generator (uniform in [0, 1)). */
function rng(seed: number): () => number {
    let a = seed >>> 0;
    return () => {
        a = (a + 0x6d2b79f5) >>> 0;
        let t = a;
        t = Math.imul(t ^ (t >>> 15), t | 1);
        t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
        return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
}

type Random = () => number;
const pick = <T>(items: readonly T[], random: Random): T => items[Math.floor(random() * items.length)]!;
const int = (n: number, random: Random) => Math.floor(random() * n);

const TOKEN = /[A-Za-z_]\w*|\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|"[^"]*"|->|\.\.|\/\/[^\n]*|\/\*[\s\S]*?\*\/|\s+|./g;
const BYTES = ['\u0000', '\u00e9', '\u{1F600}', '\\', '"', '/*', '*/', '[', ']', '{', '}', '(', ')', '|', ':', ',', '-', '.', '..', '->', '1e', '∞', '\r', '\t', '@', '#'];
const BRACKETS = ['(', ')', '[', ']', '{', '}'];
const PAIRS = [
    ['(', ')'],
    ['[', ']'],
    ['{', '}'],
] as const;
const NUMBERS = ['0', '-1', '0.5', '3.7', '1e9', '1e308', '1e309', '-1e308', '1e-400', '4.9e-324', '1.7976931348623157e308', '99999999999999999999999', '0.0', '1e-7', '100000'];
const OPERATORS = [' + 1', ' * 2', ' - x', '(1)', '[0]', ' ^ 2', ' / 3'];

type Mutation = (text: string, random: Random) => string;
const tokensOf = (text: string) => text.match(TOKEN) ?? [];
const insertAt = (text: string, random: Random, piece: string) => {
    const i = int(text.length + 1, random);
    return text.slice(0, i) + piece + text.slice(i);
};
/** Rewrites one token (the i-th, or a random one) with `f`. */
const rewriteToken = (text: string, random: Random, f: (token: string, tokens: string[]) => string) => {
    const tokens = tokensOf(text);
    if (tokens.length === 0) return text;
    const i = int(tokens.length, random);
    tokens[i] = f(tokens[i]!, tokens);
    return tokens.join('');
};

const MUTATIONS: Record<string, Mutation> = {
    delete: (text, r) => rewriteToken(text, r, () => ''),
    duplicate: (text, r) => rewriteToken(text, r, t => t + t),
    swap: (text, r) => {
        const t = tokensOf(text);
        if (t.length === 0) return text;
        const i = int(t.length, r),
            j = int(t.length, r);
        [t[i], t[j]] = [t[j]!, t[i]!];
        return t.join('');
    },
    replace: (text, r) => rewriteToken(text, r, (_, tokens) => pick(tokens, r)),
    truncate: (text, r) => text.slice(0, int(text.length + 1, r)),
    bytes: (text, r) => insertAt(text, r, pick(BYTES, r)),
    /** Numbers at the edges of double precision, and beyond. */
    number: (text, r) =>
        tokensOf(text)
            .map(x => (/^\d/.test(x) && r() < 0.4 ? pick(NUMBERS, r) : x))
            .join(''),
    /** A run of one bracket, or of mixed brackets, of up to 300. */
    brackets: (text, r) => {
        const n = 1 + int(r() < 0.5 ? 60 : 300, r);
        const mixed = r() < 0.3;
        const one = pick(BRACKETS, r);
        return insertAt(text, r, Array.from({ length: n }, () => (mixed ? pick(BRACKETS, r) : one)).join(''));
    },
    /** A token wrapped in up to 120 balanced levels of one kind of bracket. */
    nest: (text, r) => {
        const [open, close] = pick(PAIRS, r);
        const n = 1 + int(120, r);
        return rewriteToken(text, r, t => open.repeat(n) + t + close.repeat(n));
    },
    /** A chain of up to 3 000 operators after a token (a tree as deep as the chain is long). */
    chain: (text, r) => {
        const piece = pick(OPERATORS, r);
        return rewriteToken(text, r, t => t + piece.repeat(1 + int(3000, r)));
    },
    /** A run of up to 1 000 minus signs or powers. */
    signs: (text, r) => insertAt(text, r, r() < 0.5 ? '-'.repeat(1 + int(1000, r)) : '2^'.repeat(1 + int(1000, r))),
    /** A name of up to 50 000 characters, in place of a name or anywhere. */
    longName: (text, r) => {
        const name = 'n' + 'x'.repeat(int(r() < 0.8 ? 2000 : 50000, r));
        return r() < 0.5 ? rewriteToken(text, r, t => (/^[A-Za-z_]/.test(t) ? name : t + name)) : insertAt(text, r, name);
    },
    /** Up to 64 random bytes (code points 0–255, and a few beyond). */
    binary: (text, r) => insertAt(text, r, Array.from({ length: 1 + int(64, r) }, () => String.fromCodePoint(r() < 0.9 ? int(256, r) : 0x100 + int(0x2ffff, r))).join('')),
};

/** One to three mutations of the text. */
function mutate(text: string, random: Random): { text: string; applied: string[] } {
    const applied: string[] = [];
    const n = 1 + int(3, random);
    for (let k = 0; k < n; k++) {
        const name = pick(Object.keys(MUTATIONS), random);
        text = MUTATIONS[name]!(text, random);
        applied.push(name);
    }
    return { text, applied };
}

/** A file of 5 000 lines: many models (renamed copies of the examples), or one model with thousands of members. */
function bigFile(examples: string[], random: Random): string {
    const lines: string[] = [];
    if (random() < 0.5) {
        for (let k = 0; lines.length < 5000; k++)
            lines.push(
                ...pick(examples, random)
                    .replace(/model (\w+)/g, `model $1_${k}`)
                    .split('\n'),
            );
    } else {
        const base = pick(examples, random).split('\n');
        const close = base.lastIndexOf('}');
        const members = Array.from({ length: 5000 - base.length }, (_, i) => (i % 2 ? `  const c${i} = ${i} * 2 + c${i - 1}` : `  let s${i} = ${i} - 1`));
        lines.push(...base.slice(0, close), ...members, ...base.slice(close));
    }
    return lines.slice(0, 5000).join('\n');
}

// ---------------------------------------------------------------- the server

let connection: MessageConnection;
let exited: string | undefined;
let stderr = '';
/** Errors the server logged (an exception it swallowed to keep serving). */
const logged: string[] = [];
const published = new Map<string, { version: number; diagnostics: Array<{ message: string }> }>();
let waiters: Array<() => boolean> = [];

let lsp: LanguageServerProcess;

beforeAll(async () => {
    lsp = await startLanguageServer({
        stderr: 'pipe',
        versionedDiagnostics: true,
        handlers: (connection, server) => {
            server.stderr!.on('data', (chunk: Buffer) => (stderr = (stderr + chunk.toString()).slice(-4000)));
            server.on('exit', (code, signal) => (exited = `the server exited (code ${code}, signal ${signal})`));
            connection.onNotification('textDocument/publishDiagnostics', (params: { uri: string; version?: number; diagnostics: Array<{ message: string }> }) => {
                if (params.version !== undefined) published.set(params.uri, { version: params.version, diagnostics: params.diagnostics });
                waiters = waiters.filter(satisfied => !satisfied());
            });
            connection.onNotification('window/logMessage', (params: { type: number; message: string }) => {
                if (params.type === 1) logged.push(params.message);
            });
        },
    });
    connection = lsp.connection;
}, 30000);

afterAll(() => lsp.stop());

/** Resolves with the diagnostics of one version of a document; rejects after `ms` or when the server exits. */
function diagnosticsOf(uri: string, version: number, ms: number): Promise<Array<{ message: string }>> {
    return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no diagnostics for version ${version} within ${ms} ms`)), ms);
        const check = () => {
            const p = published.get(uri);
            if (exited) reject(new Error(exited));
            else if (p && p.version >= version) {
                if (p.version === version) resolve(p.diagnostics);
                else reject(new Error(`diagnostics of version ${p.version} came for version ${version}`));
            } else return false;
            clearTimeout(timer);
            return true;
        };
        if (!check()) waiters.push(check);
    });
}

/** A request that must be answered, without an error, within REQUEST_MS. */
async function ask(method: string, params: object): Promise<{ method: string; ms: number; result: unknown }> {
    const started = performance.now();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const deadline = new Promise<never>((_, reject) => (timer = setTimeout(() => reject(new Error(`${method}: no answer within ${4 * REQUEST_MS} ms`)), 4 * REQUEST_MS)));
    try {
        const result = await Promise.race([connection.sendRequest(method, params), deadline]);
        const ms = performance.now() - started;
        if (ms > REQUEST_MS) throw new Error(`${method} took ${Math.round(ms)} ms (more than ${REQUEST_MS})`);
        return { method, ms, result };
    } catch (error) {
        throw new Error(`${method}: ${exited ?? (error as Error).message}`, { cause: error });
    } finally {
        clearTimeout(timer);
    }
}

/** The LSP position of an offset. */
function positionAt(text: string, offset: number): { line: number; character: number } {
    const before = text.slice(0, offset);
    const line = before.split('\n').length - 1;
    return { line, character: offset - (before.lastIndexOf('\n') + 1) };
}

let version = 0;
const uri = 'file:///fuzz/edited.gm';

/** One edit: the new text, its diagnostics, and every request the test asks about it. */
async function exercise(text: string, random: Random): Promise<void> {
    version++;
    const waitForDiagnostics = diagnosticsOf(uri, version, DIAGNOSTICS_MS);
    if (version === 1) await connection.sendNotification('textDocument/didOpen', { textDocument: { uri, languageId: 'gm', version, text } });
    else await connection.sendNotification('textDocument/didChange', { textDocument: { uri, version }, contentChanges: [{ text }] });
    // The text is parsed, linked and checked first; then each request is answered from it.
    const diagnostics = await waitForDiagnostics;
    const textDocument = { uri };
    const at = () => positionAt(text, int(text.length + 1, random));
    const answers = await Promise.all([
        ask('textDocument/hover', { textDocument, position: at() }),
        ask('textDocument/completion', { textDocument, position: at() }),
        ask('textDocument/documentSymbol', { textDocument }),
        ask('textDocument/formatting', { textDocument, options: { tabSize: 2, insertSpaces: true } }),
        ask('textDocument/hover', { textDocument, position: at() }),
    ]);
    // Code lens derives every model's bound, and the server runs one handler at a time: asked after the
    // others, each answer's time is its own work (in a file of 200 models, code lens takes about 1.5 s).
    answers.push(await ask('textDocument/codeLens', { textDocument }));
    for (const { method, result } of answers) {
        if (method !== 'textDocument/hover') expect(result === null || Array.isArray(result) || Array.isArray((result as { items?: unknown[] }).items), method).toBe(true);
    }
    // Langium turns an exception in a check into a diagnostic: that is an escaped exception too.
    expect(diagnostics.map(d => d.message).filter(m => m.startsWith('An error occurred'))).toEqual([]);
    expect(logged).toEqual([]);
}

describe('the language server process answers on the texts that once failed (test/fuzz-regressions)', () => {
    const files = fs
        .readdirSync(REGRESSIONS)
        .filter(f => f.endsWith('.gm'))
        .sort();
    test.each(files)('%s', async file => {
        const text = fs.readFileSync(path.join(REGRESSIONS, file), 'utf-8');
        await exercise(text, rng(0));
        const textDocument = { uri };
        for (let k = 0; k <= REPLAY_PLACES; k++) {
            const position = positionAt(text, Math.round((k * text.length) / REPLAY_PLACES));
            await ask('textDocument/hover', { textDocument, position });
            await ask('textDocument/completion', { textDocument, position });
        }
    });
});

describe(`the language server process survives random edits (GM_FUZZ_SEED=${SEED})`, () => {
    const examples = fs
        .readdirSync(EXAMPLES)
        .filter(f => f.endsWith('.gm'))
        .sort()
        .map(f => fs.readFileSync(path.join(EXAMPLES, f), 'utf-8'));
    const random = rng(SEED);

    const blocks = Array.from({ length: Math.ceil(CASES / BLOCK) }, (_, b) => [b * BLOCK, Math.min(CASES, (b + 1) * BLOCK)] as const);
    test.each(blocks)(
        'cases %i to %i',
        async (from, to) => {
            for (let k = from; k < to; k++) {
                const big = k % BIG_EVERY === BIG_EVERY - 1;
                const base = big ? bigFile(examples, random) : pick(examples, random);
                const { text, applied } = mutate(base, random);
                try {
                    await exercise(text, random);
                } catch (error) {
                    // The whole text, to reproduce the case without the run before it (gm check FILE, or open it in the editor).
                    const saved = path.join(ROOT, 'test-output', 'fuzz', `seed-${SEED}-case-${k}.gm`);
                    fs.mkdirSync(path.dirname(saved), { recursive: true });
                    fs.writeFileSync(saved, text);
                    const sample = text.length > 3000 ? `${text.slice(0, 1500)}\n…(${text.length} characters)…\n${text.slice(-1500)}` : text;
                    throw new Error(
                        `GM_FUZZ_SEED=${SEED}, case ${k} (${big ? '5 000 lines, ' : ''}${applied.join(', ')}): ${(error as Error).message}\n` +
                            `the text is in ${path.relative(ROOT, saved)}\n--- server stderr ---\n${stderr}\n--- logged ---\n${logged.join('\n')}\n--- text ---\n${sample}`,
                        { cause: error },
                    );
                }
            }
        },
        600000,
    );
});
