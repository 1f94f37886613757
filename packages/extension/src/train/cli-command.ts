import * as fs from 'node:fs';

/** What the user configured (the `gm.*` settings) and where the editor runs. */
export interface CliSettings {
    cliPath: string;
    nodePath: string;
    /** The Python that runs the PyTorch target (`--backend torch`), passed as GM_PYTHON; empty: the CLI's default. */
    pythonPath: string;
    backend: string;
    previewInterval: number;
    /** The command line the extension carries (out/cli/bin/gm.js, the `gm-lang` package's bundle). */
    bundledCli: string;
    /** Checkpoints a run keeps (the newest), passed as --keep-checkpoints. */
    keepCheckpoints: number;
    /** The editor's own Node.js (process.execPath: Node in code-server, Electron in VS Code). */
    execPath: string;
}

export interface CliCommand {
    command: string;
    args: string[];
    env: Record<string, string>;
}

/**
 * The gm executable: the `gm.cliPath` setting (for developers: a checkout's bin/gm.js or a `gm` on
 * PATH), else the bundled command line, which needs nothing but a Node.js 22. `gm.pythonPath`, when
 * set, reaches it as GM_PYTHON: the Python that `--backend torch` runs.
 */
export function resolveCli(settings: CliSettings): CliCommand {
    const python: Record<string, string> = settings.pythonPath.trim() ? { GM_PYTHON: settings.pythonPath.trim() } : {};
    let cli = settings.cliPath.trim() || settings.bundledCli;
    // node_modules/.bin/gm is a link to a bin/gm.js: run what it points to.
    try {
        cli = fs.realpathSync(cli);
    } catch {
        /* a name on PATH, or missing: spawn reports it */
    }
    // A JavaScript entry runs under Node: the configured one, else the editor's own, which in
    // desktop VS Code is Electron and must be told to behave as Node.
    if (/\.(c|m)?js$/.test(cli)) {
        const node = settings.nodePath.trim() || settings.execPath;
        return { command: node, args: [cli], env: { ...(settings.nodePath.trim() ? {} : { ELECTRON_RUN_AS_NODE: '1' }), ...python } };
    }
    return { command: cli, args: [], env: python };
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

/**
 * `gm sample FILE --model M --checkpoint CKPT --out PNG --backend B`: writes the grid, prints a line.
 * `backend` is the gm.backend setting; torch only trains, and its checkpoints are gm's format, so
 * TensorFlow.js samples them with `auto`.
 */
export function sampleArgs(file: string, model: string, checkpoint: string, outPng: string, backend: string): string[] {
    return ['sample', file, '--model', model, '--checkpoint', checkpoint, '--out', outPng, '--backend', backend === 'torch' ? 'auto' : backend];
}
