/** Lowers gm source text to the IR with the real services (parser, linker, validator, lowering). */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { parseHelper } from 'langium/test';
import { expect } from 'vitest';
import type { Document } from '../../src/generated/ast.js';
import type { GmServices } from '../../src/gm-module.js';
import type { ModelIR } from '../../src/ir/types.js';
import { testServices } from '../services.js';

let services: GmServices | undefined;
let counter = 0;

export const EXAMPLES = path.resolve(import.meta.dirname, '../../../../examples');

export async function lowerText(text: string): Promise<ModelIR[]> {
    services ??= await testServices();
    const document = await parseHelper<Document>(services)(text, { documentUri: `file:///derivation-${++counter}.gm`, validation: true });
    expect(document.parseResult.parserErrors).toEqual([]);
    const errors = (document.diagnostics ?? []).filter(d => d.severity === 1);
    expect(errors.map(e => e.message)).toEqual([]);
    return document.parseResult.value.models.map(m => {
        const r = services!.ir.ModelCache.get(m);
        expect(r.problems.filter(p => p.severity === 'error')).toEqual([]);
        return r.model;
    });
}

export async function lowerExample(file: string, edit: (text: string) => string = t => t): Promise<ModelIR> {
    const [model] = await lowerText(edit(fs.readFileSync(path.join(EXAMPLES, file), 'utf-8')));
    return model!;
}
