import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, test } from 'vitest';
import { loadFiles } from '../../src/load.js';
import { deriveFromLowering, renderLatex, renderMarkdown, renderStepsText, renderText, toJson } from '../../src/derivation/index.js';

const ROOT = path.resolve(import.meta.dirname, '../../../..');
const EXAMPLES = path.join(ROOT, 'examples');
const GOLDEN = path.join(ROOT, 'test', 'golden', 'elbo');
const UPDATE = process.env['UPDATE_GOLDEN'] === '1';

/** Compares with the golden file, or writes it when UPDATE_GOLDEN=1. */
function golden(name: string, actual: string): void {
    const file = path.join(GOLDEN, name);
    if (UPDATE || !fs.existsSync(file)) {
        if (!UPDATE) throw new Error(`missing golden file ${file}: run with UPDATE_GOLDEN=1`);
        fs.mkdirSync(GOLDEN, { recursive: true });
        fs.writeFileSync(file, actual);
    }
    expect(actual).toBe(fs.readFileSync(file, 'utf-8'));
}

function summarizeArrays(_key: string, value: unknown): unknown {
    if (!Array.isArray(value) || value.length <= 16 || !value.every(v => typeof v === 'number' || v === null)) return value;
    const numbers = value as (number | null)[];
    return {
        length: numbers.length,
        first: numbers.slice(0, 3),
        last: numbers.slice(-3),
        sum: numbers.reduce<number>((a, b) => a + (b !== null && Number.isFinite(b) ? b : 0), 0),
    };
}

const examples = fs
    .readdirSync(EXAMPLES)
    .filter(f => f.endsWith('.gm'))
    .sort();

describe('golden derivations of every example', () => {
    test.each(examples)('%s', async file => {
        const [loaded] = await loadFiles([path.join(EXAMPLES, file)]);
        const base = file.replace(/\.gm$/, '');
        const results = loaded!.models.map(deriveFromLowering);
        for (const r of results) expect(r.ok, JSON.stringify(!r.ok && r.failure)).toBe(true);
        const ok = results.flatMap(r => (r.ok ? [r.derivation] : []));
        golden(`${base}.txt`, ok.map(d => renderText(d) + '\n' + renderStepsText(d)).join('\n'));
        golden(`${base}.md`, ok.map(renderMarkdown).join('\n\n---\n\n') + '\n');
        golden(`${base}.tex`, ok.map(renderLatex).join('\n'));
        // NaN (unused entry 0 of chain arrays) serializes as JSON does: null. Per-t coefficient arrays are
        // summarized (length, ends, sum), as in the IR snapshots; their values are checked numerically elsewhere.
        golden(`${base}.json`, JSON.stringify(results.map(toJson), summarizeArrays, 2) + '\n');
    });
});
