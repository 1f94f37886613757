/**
 * The table of diagnostic codes (src/validation/codes.ts) is the only place a code is spelled:
 * its values are unique, every entry is reported somewhere, the source spells no code as a raw
 * string, and every code that quick fixes, tests and the corpus of wrong models meet is in it.
 */
import { DocumentValidator } from 'langium';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, test } from 'vitest';
import { Code } from '../../src/validation/codes.js';
import { loadFiles } from '../../src/load.js';

const PACKAGE = path.resolve(import.meta.dirname, '..', '..');
const ROOT = path.resolve(PACKAGE, '..', '..');
const SRC = path.join(PACKAGE, 'src');
const TABLE = path.join(SRC, 'validation', 'codes.ts');

const keys = Object.keys(Code) as (keyof typeof Code)[];
const values = new Set<string>(Object.values(Code));

function filesIn(dir: string, suffix: string): string[] {
    return fs
        .readdirSync(dir, { withFileTypes: true })
        .flatMap(entry => {
            const full = path.join(dir, entry.name);
            if (entry.isDirectory()) return filesIn(full, suffix);
            return entry.name.endsWith(suffix) ? [full] : [];
        })
        .sort();
}

/** The package's source, less the table itself and the generated parser. */
const sources = filesIn(SRC, '.ts')
    .filter(f => f !== TABLE && !f.includes(`${path.sep}generated${path.sep}`))
    .map(f => ({ file: path.relative(ROOT, f), text: fs.readFileSync(f, 'utf-8') }));

describe('the table of diagnostic codes', () => {
    test('has unique, kebab-case values', () => {
        expect(keys.length).toBeGreaterThan(0);
        expect(values.size).toBe(keys.length);
        for (const value of values) expect(value).toMatch(/^[a-z0-9]+(-[a-z0-9]+)*$/);
    });

    test('has no entry that nothing reports', () => {
        const unused = keys.filter(key => !sources.some(s => new RegExp(`\\bCode\\.${key}\\b`).test(s.text)));
        expect(unused).toEqual([]);
    });

    test('is the only place a code is spelled in the source', () => {
        // Hyphenated codes only: one-word codes ('unused', 'optimizer') are also ordinary words.
        const raw = sources.flatMap(s => [...values].filter(v => v.includes('-') && s.text.includes(`'${v}'`)).map(v => `${s.file}: '${v}'`));
        expect(raw).toEqual([]);
        const rawCodeFields = sources.flatMap(s => [...s.text.matchAll(/\bcode: '([^']*)'/g)].map(m => `${s.file}: ${m[0]}`));
        expect(rawCodeFields).toEqual([]);
    });

    test('has every code a quick fix keys on', () => {
        const actions = fs.readFileSync(path.join(SRC, 'lsp', 'gm-code-actions.ts'), 'utf-8');
        const cases = [...actions.matchAll(/\bcase ([^:]+):/g)].map(m => m[1]!.trim());
        expect(cases.length).toBeGreaterThan(0);
        for (const label of cases) {
            expect(label, 'a quick fix keys on a code from the table').toMatch(/^Code\.\w+$/);
            expect(keys).toContain(label.slice('Code.'.length));
        }
    });

    test('has every code the tests assert', () => {
        const asserted = filesIn(path.join(PACKAGE, 'test'), '.test.ts').flatMap(f => {
            const text = fs.readFileSync(f, 'utf-8');
            return [
                ...[...text.matchAll(/\bcode: '([a-z0-9-]+)'/g)].map(m => m[1]!),
                ...[...text.matchAll(/\b(?:applyFix|actionsFor)\([^,()]+, '([a-z0-9-]+)'/g)].map(m => m[1]!),
                ...[...text.matchAll(/\bcodes\([^;]*?\.toEqual\(\[([^\]]*)\]\)/g)].flatMap(m => [...m[1]!.matchAll(/'([a-z0-9-]+)'/g)].map(n => n[1]!)),
            ];
        });
        expect(asserted.length).toBeGreaterThan(0);
        expect([...new Set(asserted)].filter(c => !values.has(c))).toEqual([]);
    });

    test('has every code the corpus of wrong models gets', async () => {
        // Langium's own lexing, parsing and linking codes are not gm's.
        const langium = new Set<unknown>([DocumentValidator.LexingError, DocumentValidator.ParsingError, DocumentValidator.LinkingError]);
        const loaded = await loadFiles(filesIn(path.join(ROOT, 'test', 'corpus'), '.gm'));
        const codes = loaded.flatMap(l => l.diagnostics.map(d => d.code)).filter(c => c !== undefined && !langium.has(c));
        expect(codes.length).toBeGreaterThan(0);
        expect([...new Set(codes)].filter(c => !values.has(String(c)))).toEqual([]);
    });
});
