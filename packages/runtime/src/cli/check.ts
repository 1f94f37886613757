import { parseCommandLine, type CommandSpec } from './flags.js';
import { formatDiagnostic, loadFiles, sortDiagnostics } from '@gm/language';
import * as path from 'node:path';

export const CHECK = {
    name: 'check',
    summary: 'parse, link and validate models; print file:line:col: severity: message',
    description: 'Parses, links and validates models and prints each diagnostic as file:line:col: severity: message;\nthe exit code is 1 when any is an error.',
    positionals: { name: 'FILE', min: 1, max: Infinity, files: true },
    flags: {},
} as const satisfies CommandSpec;

/** `gm check FILE…`: prints every diagnostic; the exit code is 1 when any is an error. */
export async function check(args: string[]): Promise<number> {
    const { positionals: files } = parseCommandLine(CHECK, args);
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
