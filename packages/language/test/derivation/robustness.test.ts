/**
 * The derivation never throws: on every model of the malformed-model corpus (even past the
 * validator's errors) it returns a bound or reasons, and a failure always names at least one.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { beforeAll, expect, test } from 'vitest';
import { parseHelper } from 'langium/test';
import { deriveBound } from '../../src/derivation/derive.js';
import { renderLatex, renderMarkdown, renderText, toJson } from '../../src/derivation/render.js';
import type { Document } from '../../src/generated/ast.js';
import type { GmServices } from '../../src/gm-module.js';
import { testServices } from '../services.js';

const CORPUS = path.resolve(import.meta.dirname, '../../../../test/corpus');
const files = fs
    .readdirSync(CORPUS, { recursive: true })
    .map(String)
    .filter(f => f.endsWith('.gm'))
    .sort();

let services: GmServices;
beforeAll(async () => {
    services = await testServices();
});

test('the corpus is there', () => expect(files.length).toBeGreaterThan(20));

test.each(files)('%s', async file => {
    const document = await parseHelper<Document>(services)(fs.readFileSync(path.join(CORPUS, file), 'utf-8'), { documentUri: `file:///corpus/${file}` });
    for (const model of document.parseResult.value.models ?? []) {
        const lowered = services.ir.ModelCache.get(model);
        if (lowered.incomplete) continue;
        const result = deriveBound(lowered.model);
        if (result.ok) {
            // Every renderer copes with what the rules accepted.
            for (const render of [renderText, renderMarkdown, renderLatex]) expect(render(result.derivation).length).toBeGreaterThan(0);
        } else {
            expect(result.failure.reasons.length).toBeGreaterThan(0);
        }
        expect(() => JSON.stringify(toJson(result))).not.toThrow();
    }
});
