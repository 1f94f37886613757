import { formatDiagnostic, loadFiles, sortDiagnostics } from '@gm/language';
import * as path from 'node:path';

/** `gm check FILE…`: prints every diagnostic; the exit code is 1 when any is an error. */
export async function check(files: string[]): Promise<number> {
    if (files.length === 0) throw new UsageError('gm check needs at least one .gm file');
    const loaded = await loadFiles(files);
    let errors = 0,
        warnings = 0;
    for (const { file, diagnostics } of loaded) {
        const sorted = sortDiagnostics(diagnostics);
        for (const d of sorted) {
            console.log(formatDiagnostic(path.relative(process.cwd(), path.resolve(file)) || file, d));
            if ((d.severity ?? 1) === 1) errors++;
            else if (d.severity === 2) warnings++;
        }
    }
    const models = loaded.reduce((n, f) => n + f.models.length, 0);
    console.error(
        `checked ${loaded.length} file${loaded.length === 1 ? '' : 's'} (${models} model${models === 1 ? '' : 's'}): ${errors} error${errors === 1 ? '' : 's'}, ${warnings} warning${warnings === 1 ? '' : 's'}`,
    );
    return errors > 0 ? 1 : 0;
}

/** A mistake in how the command was called: printed with the usage. */
export class UsageError extends Error {}
