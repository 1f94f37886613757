/**
 * Robustness: random mutations of the examples (deleted, duplicated, swapped and replaced tokens,
 * truncations, random bytes) go through the real language services. Every document must be built
 * and get its diagnostics, and hover and completion must answer at a few positions, without an
 * exception escaping. The random generator is seeded, so a failure names a reproducible case.
 */
import { createGmServices, ensureLibrary, type GmServices } from '@gm/language';
import { EmptyFileSystem, URI, type LangiumDocument } from 'langium';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, test, vi } from 'vitest';

const EXAMPLES = path.resolve(import.meta.dirname, '..', 'examples');
const PER_EXAMPLE = 260;

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

const TOKEN = /[A-Za-z_]\w*|\d+(?:\.\d+)?(?:[eE][+-]?\d+)?|"[^"]*"|->|\.\.|\/\/[^\n]*|\/\*[\s\S]*?\*\/|\s+|./g;
const BYTES = ['\u0000', '\u00e9', '\u{1F600}', '\\', '"', '/*', '*/', '[', ']', '{', '}', '(', ')', '|', ':', ',', '-', '.', '..', '->', '1e', '∞', '\r', '\t', '@', '#'];

type Mutation = (tokens: string[], text: string, random: () => number) => string;
const pick = <T>(items: readonly T[], random: () => number): T => items[Math.floor(random() * items.length)]!;
const at = (tokens: string[], random: () => number) => Math.floor(random() * tokens.length);

const MUTATIONS: Record<string, Mutation> = {
    delete: (tokens, _, r) => {
        const i = at(tokens, r);
        return [...tokens.slice(0, i), ...tokens.slice(i + 1)].join('');
    },
    duplicate: (tokens, _, r) => {
        const i = at(tokens, r);
        return [...tokens.slice(0, i + 1), tokens[i]!, ...tokens.slice(i + 1)].join('');
    },
    swap: (tokens, _, r) => {
        const i = at(tokens, r),
            j = at(tokens, r);
        const t = [...tokens];
        [t[i], t[j]] = [t[j]!, t[i]!];
        return t.join('');
    },
    replace: (tokens, _, r) => {
        const i = at(tokens, r);
        const t = [...tokens];
        t[i] = pick(tokens, r);
        return t.join('');
    },
    truncate: (_, text, r) => text.slice(0, Math.floor(r() * text.length)),
    bytes: (_, text, r) => {
        const i = Math.floor(r() * text.length);
        return text.slice(0, i) + pick(BYTES, r) + text.slice(i);
    },
    number: (tokens, _, r) => {
        const t = tokens.map(x => (/^\d/.test(x) && r() < 0.3 ? pick(['0', '-1', '1e9', '0.5', '3.7', '100000'], r) : x));
        return t.join('');
    },
};

/** One to three mutations of the text. */
function mutate(text: string, random: () => number): { text: string; applied: string[] } {
    const applied: string[] = [];
    const n = 1 + Math.floor(random() * 3);
    for (let k = 0; k < n; k++) {
        const name = pick(Object.keys(MUTATIONS), random);
        text = MUTATIONS[name]!(text.match(TOKEN) ?? [], text, random);
        applied.push(name);
    }
    return { text, applied };
}

let services: GmServices;
// Langium logs (and swallows) an exception thrown while validating a document: count those as escaped.
const errors = vi.spyOn(console, 'error');
beforeAll(async () => {
    services = createGmServices(EmptyFileSystem).Gm;
    await ensureLibrary(services.shared);
});
afterAll(() => errors.mockRestore());

async function exercise(text: string, uri: URI): Promise<void> {
    const shared = services.shared.workspace;
    const document: LangiumDocument = shared.LangiumDocumentFactory.fromString(text, uri);
    shared.LangiumDocuments.addDocument(document);
    try {
        await shared.DocumentBuilder.build([document], { validation: true });
        expect(document.diagnostics).toBeDefined();
        // Langium turns an exception in a check into a diagnostic; that is an escaped exception too.
        expect(document.diagnostics!.map(d => String(d.message)).filter(m => m.startsWith('An error occurred'))).toEqual([]);
        const textDocument = { uri: document.textDocument.uri };
        for (const offset of [0, Math.floor(text.length / 3), Math.floor(text.length / 2), Math.floor((2 * text.length) / 3), text.length]) {
            const position = document.textDocument.positionAt(offset);
            await services.lsp.HoverProvider!.getHoverContent(document, { textDocument, position });
            const completion = await services.lsp.CompletionProvider!.getCompletion(document, { textDocument, position });
            expect(completion === undefined || Array.isArray(completion.items)).toBe(true);
        }
        expect(errors.mock.calls.map(call => call.map(String).join(' '))).toEqual([]);
    } finally {
        errors.mockClear();
        // Through the builder, so that the index forgets the document too.
        await shared.DocumentBuilder.update([], [uri]);
    }
}

describe('the language services survive random mutations of the examples', () => {
    const files = fs
        .readdirSync(EXAMPLES)
        .filter(f => f.endsWith('.gm'))
        .sort();

    test('there are enough cases', () => expect(files.length * PER_EXAMPLE).toBeGreaterThanOrEqual(2000));

    test.each(files.map((f, i) => [f, i] as const))('%s', async (file, index) => {
        const original = fs.readFileSync(path.join(EXAMPLES, file), 'utf-8');
        const random = rng(1000 + index);
        let slowest = 0;
        for (let k = 0; k < PER_EXAMPLE; k++) {
            const { text, applied } = mutate(original, random);
            const started = performance.now();
            try {
                await exercise(text, URI.parse(`file:///fuzz/${file}-${k}.gm`));
            } catch (error) {
                throw new Error(`${file}, case ${k} (${applied.join(', ')}): ${(error as Error).stack ?? String(error)}\n--- text ---\n${text}`, { cause: error });
            }
            slowest = Math.max(slowest, performance.now() - started);
        }
        // No hang: one document, with its hovers and completions, takes well under a second.
        expect(slowest).toBeLessThan(5000);
    });
});
