/**
 * The run's output folder, made sure of before step 1: a file in the way, a read-only folder or one
 * that cannot be created would otherwise surface as a raw ENOTDIR or EACCES at the first
 * checkpoint, after the steps before it are lost.
 */
import { randomBytes } from 'node:crypto';
import { existsSync, statSync } from 'node:fs';
import { mkdir, rm, writeFile } from 'node:fs/promises';
import * as path from 'node:path';

/** The nearest existing path at or above `p`. */
function nearestExisting(p: string): string {
    let at = p;
    while (!existsSync(at) && path.dirname(at) !== at) at = path.dirname(at);
    return at;
}

const why = (error: unknown) => (error as NodeJS.ErrnoException).code ?? (error as Error).message;

/** Creates `out` when needed and writes a probe file in it; throws a message saying what is wrong and what to do. */
export async function prepareOutputFolder(out: string, flag = '--out'): Promise<void> {
    const existing = nearestExisting(out);
    if (!statSync(existing).isDirectory()) {
        throw new Error(
            existing === out
                ? `${flag} ${out} is a file, not a folder: pass another ${flag}, or move the file away`
                : `${flag} ${out} cannot be created: ${existing} is a file, not a folder; pass another ${flag}`,
        );
    }
    try {
        // One level at a time: Node's recursive mkdir loops forever where a parent refuses with ENOENT (/proc).
        const missing: string[] = [];
        for (let at = out; at !== existing; at = path.dirname(at)) missing.unshift(at);
        for (const folder of missing) await mkdir(folder);
    } catch (error) {
        throw new Error(`${flag} ${out} cannot be created in ${existing} (${why(error)}: the folder is read-only or not yours); pass a writable ${flag}`, { cause: error });
    }
    const probe = path.join(out, `.tmp-probe-${randomBytes(4).toString('hex')}`);
    try {
        await writeFile(probe, '');
    } catch (error) {
        throw new Error(`${flag} ${out} is not writable (${why(error)}): checkpoints could not be saved; pass a writable ${flag}, or make it writable (chmod u+w)`, {
            cause: error,
        });
    }
    await rm(probe, { force: true });
}
