import { loadFiles } from '@gm/language';
import * as path from 'node:path';

const SEVERITY: Record<number, 'error' | 'warning' | 'info'> = { 1: 'error', 2: 'warning', 3: 'info', 4: 'info' };

/** One diagnostic as `file:line:col: severity: message` (1-based line and column, as compilers print). */
export function formatDiagnostic(file: string, d: { severity?: number; message: string | { value: string }; range: { start: { line: number; character: number } } }): string {
    return `${file}:${d.range.start.line + 1}:${d.range.start.character + 1}: ${SEVERITY[d.severity ?? 1]}: ${typeof d.message === 'string' ? d.message : d.message.value}`;
}

/** `gm check FILE…`: prints every diagnostic; the exit code is 1 when any is an error. */
export async function check(files: string[]): Promise<number> {
    if (files.length === 0) throw new UsageError('gm check needs at least one .gm file');
    const loaded = await loadFiles(files);
    let errors = 0, warnings = 0;
    for (const { file, diagnostics } of loaded) {
        const sorted = [...diagnostics].sort((a, b) => a.range.start.line - b.range.start.line || a.range.start.character - b.range.start.character);
        for (const d of sorted) {
            console.log(formatDiagnostic(path.relative(process.cwd(), path.resolve(file)) || file, d));
            if ((d.severity ?? 1) === 1) errors++;
            else if (d.severity === 2) warnings++;
        }
    }
    const models = loaded.reduce((n, f) => n + f.models.length, 0);
    console.error(`checked ${loaded.length} file${loaded.length === 1 ? '' : 's'} (${models} model${models === 1 ? '' : 's'}): ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`);
    return errors > 0 ? 1 : 0;
}

/** A mistake in how the command was called: printed with the usage. */
export class UsageError extends Error {}
