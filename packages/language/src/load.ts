import { URI, type LangiumDocument } from 'langium';
import { NodeFileSystem } from 'langium/node';
import type { Diagnostic } from 'vscode-languageserver-types';
import * as fs from 'node:fs/promises';
import * as path from 'node:path';
import type { Document } from './generated/ast.js';
import { createGmServices, type GmServices } from './gm-module.js';
import { ensureLibrary } from './gm-workspace.js';
import type { LoweringResult } from './ir/types.js';

export interface LoadedFile {
    file: string;
    document: LangiumDocument<Document>;
    diagnostics: Diagnostic[];
    /** The IR of each model in the file. */
    models: LoweringResult[];
}

let services: GmServices | undefined;

/** The Langium services for tools without a language client: the CLI and the runtime. */
export function gmServices(): GmServices {
    services ??= createGmServices(NodeFileSystem).Gm;
    return services;
}

/**
 * Parses, links and validates .gm files with the same services as the language server and
 * lowers each model to the IR. A missing file is an Error naming it.
 */
export async function loadFiles(files: string[]): Promise<LoadedFile[]> {
    const gm = gmServices();
    await ensureLibrary(gm.shared);
    const documents: LangiumDocument<Document>[] = [];
    for (const file of files) {
        const absolute = path.resolve(file);
        let text: string;
        try {
            text = await fs.readFile(absolute, 'utf-8');
        } catch (error) {
            throw new Error(`${file}: cannot read the file (${(error as NodeJS.ErrnoException).code ?? String(error)})`, { cause: error });
        }
        const uri = URI.file(absolute);
        const langiumDocuments = gm.shared.workspace.LangiumDocuments;
        if (langiumDocuments.hasDocument(uri)) await gm.shared.workspace.DocumentBuilder.update([], [uri]);
        const document = gm.shared.workspace.LangiumDocumentFactory.fromString<Document>(text, uri);
        langiumDocuments.addDocument(document);
        documents.push(document);
    }
    await gm.shared.workspace.DocumentBuilder.build(documents, { validation: true });
    return documents.map((document, i) => ({
        file: files[i]!,
        document,
        diagnostics: document.diagnostics ?? [],
        models: document.parseResult.value.models.map(m => gm.ir.ModelCache.get(m)),
    }));
}

/** Loads one file and returns the IR of one model (by name, or the only/first one). */
export async function loadModel(file: string, name?: string): Promise<{ loaded: LoadedFile; result: LoweringResult }> {
    const [loaded] = await loadFiles([file]);
    const result = name ? loaded!.models.find(m => m.model.name === name) : loaded!.models[0];
    if (!result) {
        // A file without the model may say why (a syntax error): its first error comes first, as gm check prints it.
        const error = loaded!.diagnostics.find(d => d.severity === 1);
        if (error) throw new Error(formatDiagnostic(file, error).replace(/: error: /, ': '));
        throw new Error(`${file}: ${name ? `no model named '${name}'` : 'the file declares no model'}`);
    }
    return { loaded: loaded!, result };
}

const SEVERITY: Record<number, 'error' | 'warning' | 'info'> = { 1: 'error', 2: 'warning', 3: 'info', 4: 'info' };

/** One diagnostic as `file:line:col: severity: message` (1-based line and column, as compilers print). */
export function formatDiagnostic(file: string, d: Diagnostic): string {
    const message = typeof d.message === 'string' ? d.message : (d.message as { value: string }).value;
    return `${file}:${d.range.start.line + 1}:${d.range.start.character + 1}: ${SEVERITY[d.severity ?? 1]}: ${message}`;
}

/** Diagnostics in reading order. */
export function sortDiagnostics(diagnostics: readonly Diagnostic[]): Diagnostic[] {
    return [...diagnostics].sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
}
