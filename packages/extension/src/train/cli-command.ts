import * as fs from 'node:fs';
import * as path from 'node:path';

/** What the user configured (the `gm.*` settings) and where the editor runs. */
export interface CliSettings {
    cliPath: string;
    nodePath: string;
    backend: string;
    previewInterval: number;
    /** Checkpoints a run keeps (the newest), passed as --keep-checkpoints. */
    keepCheckpoints: number;
    /** Workspace folders, searched for node_modules/.bin/gm when cliPath is empty. */
    workspaceFolders: string[];
    /** The editor's own Node.js (process.execPath: Node in code-server, Electron in VS Code). */
    execPath: string;
}

export interface CliCommand {
    command: string;
    args: string[];
    env: Record<string, string>;
}

/** The gm executable: the setting, else the workspace's node_modules/.bin/gm, else `gm` on PATH. */
export function resolveCli(settings: CliSettings): CliCommand {
    let cli = settings.cliPath.trim();
    if (!cli) {
        for (const folder of settings.workspaceFolders) {
            const candidate = path.join(folder, 'node_modules', '.bin', 'gm');
            if (fs.existsSync(candidate)) {
                cli = candidate;
                break;
            }
        }
    }
    if (!cli) return { command: 'gm', args: [], env: {} };
    // node_modules/.bin/gm is a link to the runtime's bin/gm.js: run what it points to.
    try {
        cli = fs.realpathSync(cli);
    } catch {
        /* a name on PATH, or missing: spawn reports it */
    }
    // A JavaScript entry runs under Node: the configured one, else the editor's own, which in
    // desktop VS Code is Electron and must be told to behave as Node.
    if (/\.(c|m)?js$/.test(cli)) {
        const node = settings.nodePath.trim() || settings.execPath;
        return { command: node, args: [cli], env: settings.nodePath.trim() ? {} : { ELECTRON_RUN_AS_NODE: '1' } };
    }
    return { command: cli, args: [], env: {} };
}

/**
 * `gm train FILE --model M --json --backend B --out DIR --sample-every N --keep-checkpoints K [--resume]`:
 * with --resume the runtime continues from the newest checkpoint in DIR.
 */
export function trainArgs(file: string, model: string, outDir: string, settings: Pick<CliSettings, 'backend' | 'previewInterval' | 'keepCheckpoints'>, resume = false): string[] {
    const args = ['train', file, '--model', model, '--json', '--backend', settings.backend, '--out', outDir, '--sample-every', String(settings.previewInterval)];
    args.push('--keep-checkpoints', String(settings.keepCheckpoints));
    if (resume) args.push('--resume');
    return args;
}

/** `gm sample FILE --model M --checkpoint CKPT --out PNG --backend B`: writes the grid, prints a line. */
export function sampleArgs(file: string, model: string, checkpoint: string, outPng: string, backend: string): string[] {
    return ['sample', file, '--model', model, '--checkpoint', checkpoint, '--out', outPng, '--backend', backend];
}
