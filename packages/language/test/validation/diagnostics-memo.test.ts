/**
 * Replayed diagnostics are the diagnostics: a document edited in place (the server's path, where
 * unchanged models are replayed from the memo) reports exactly what a fresh build of the same text
 * reports, through a sequence of edits over the examples and the wrong-model corpus.
 */
import { URI } from 'langium';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, test } from 'vitest';
import type { GmServices } from '../../src/gm-module.js';
import { testServices } from '../services.js';

const ROOT = path.resolve(import.meta.dirname, '..', '..', '..', '..');
const read = (dir: string) =>
    fs
        .readdirSync(path.join(ROOT, dir))
        .filter(f => f.endsWith('.gm'))
        .sort()
        .map(f => fs.readFileSync(path.join(ROOT, dir, f), 'utf-8').trimEnd());

/** Builds `text` as the document at `uri` (replacing the one there) and returns its diagnostics. */
async function diagnosticsOf(services: GmServices, uri: URI, text: string): Promise<string[]> {
    const workspace = services.shared.workspace;
    if (workspace.LangiumDocuments.hasDocument(uri)) await workspace.DocumentBuilder.update([], [uri]);
    const document = workspace.LangiumDocumentFactory.fromString(text, uri);
    workspace.LangiumDocuments.addDocument(document);
    await workspace.DocumentBuilder.build([document], { validation: true });
    return document.diagnostics!.map(d => `${d.range.start.line}:${d.range.start.character}-${d.range.end.line}:${d.range.end.character} ${d.severity} ${d.code} ${d.message}`);
}

describe('diagnostics replayed for unchanged models', () => {
    test('equal a fresh build after every edit of a file of many models', async () => {
        const models = [...read('examples'), ...read('test/corpus/structure')].map((text, i) => text.replace(/^model (\w+)/m, (_, name) => `model ${name}${i}`));
        const edited = await testServices();
        const uri = URI.parse('file:///memo/many.gm');
        let text = models.join('\n\n');
        expect(await diagnosticsOf(edited, uri, text)).toEqual(await diagnosticsOf(await testServices(), uri, text));
        // Edits that keep the other models in place (most are replayed), that shift them or change
        // whether the file parses (none need be), and that return to text checked before (all are).
        const edits: Array<[(t: string) => string, 'most' | 'any']> = [
            [t => t.replace('batch: 128', 'batch: 129'), 'most'],
            [t => t.replace('batch: 129', 'batch: 128'), 'most'],
            [t => t.replace('latent   z : Real[20]', 'latent   z : Real[21]'), 'most'],
            [t => t.replace('model VAE', '\n\nmodel VAE'), 'any'],
            [t => t.replace('p(z)     = Normal(0, 1)', 'p(z)     = Normal(0, 1'), 'any'],
            [t => t.replace('p(z)     = Normal(0, 1', 'p(z)     = Normal(0, 1)'), 'most'],
            [t => t.replace('decoder(z)', 'decodr(z)'), 'most'],
            [t => t.replace('decodr(z)', 'decoder(z)'), 'most'],
        ];
        const memo = edited.validation.GmValidator.memo;
        for (const [edit, replayed] of edits) {
            const next = edit(text);
            expect(next).not.toBe(text);
            text = next;
            const before = memo.replayed;
            expect(await diagnosticsOf(edited, uri, text)).toEqual(await diagnosticsOf(await testServices(), uri, text));
            if (replayed === 'most') expect(memo.replayed - before).toBeGreaterThan(models.length / 2);
        }
    }, 120_000);
});
