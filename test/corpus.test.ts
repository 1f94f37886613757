/**
 * The corpus of wrong models (in the style of stanc3's test/bad): every `test/corpus/**\/NAME.gm`
 * is checked with the same services and the same formatting as `gm check`, and its diagnostics
 * must equal `NAME.expected` line for line. `UPDATE_GOLDEN=1 npm test` rewrites the expected files;
 * review every change by eye.
 */
import { formatDiagnostic, loadFiles, sortDiagnostics } from '@gm/language';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, test } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..');
const CORPUS = path.join(ROOT, 'test', 'corpus');

function modelsIn(dir: string): string[] {
    return fs
        .readdirSync(dir, { withFileTypes: true })
        .flatMap(entry => {
            const full = path.join(dir, entry.name);
            if (entry.isDirectory()) return modelsIn(full);
            return entry.name.endsWith('.gm') ? [full] : [];
        })
        .sort();
}

const files = modelsIn(CORPUS);

describe('the corpus of wrong models', () => {
    test('has models', () => {
        expect(files.length).toBeGreaterThanOrEqual(30);
    });

    test.each(files.map(f => [path.relative(ROOT, f)]))('%s', async relative => {
        const file = path.join(ROOT, relative);
        const [loaded] = await loadFiles([file]);
        const actual = sortDiagnostics(loaded!.diagnostics).map(d => formatDiagnostic(relative, d));
        const expectedFile = file.replace(/\.gm$/, '.expected');
        if (process.env['UPDATE_GOLDEN']) fs.writeFileSync(expectedFile, actual.join('\n') + '\n');
        const expected = fs
            .readFileSync(expectedFile, 'utf-8')
            .split('\n')
            .filter(line => line.length > 0);
        expect(actual.length, 'a model in the corpus of wrong models must get at least one diagnostic').toBeGreaterThan(0);
        expect(actual).toEqual(expected);
    });
});
