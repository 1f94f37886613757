/**
 * `gm train FILE --backend torch`: exports the model's PyTorch package into `<out>/torch`, runs its
 * training loop with the configured Python and passes its JSON events to the reporter, so a terminal,
 * `--json` and the editor's dashboard see a PyTorch run as they see a TensorFlow.js one. Ctrl-C is
 * passed on: the Python loop saves a checkpoint and stops, as gm's own does.
 */
import { spawn } from 'node:child_process';
import * as path from 'node:path';
import { createInterface } from 'node:readline';
import type { Reporter } from '../session/reporter.js';
import type { TrainEvent } from '../train/events.js';
import { defaultOutDir, loadChecked } from '../session/prepare.js';
import { exportTorch } from './export.js';
import { configuredPython, torchVersion } from './python.js';

export interface TorchTrainFlags {
    model?: string;
    steps?: number;
    epochs?: number;
    batch?: number;
    seed?: number;
    out?: string;
    resume?: boolean;
    force?: boolean;
    'sample-every'?: number;
    'checkpoint-every'?: number;
}

/** The flags gm train passes on to `run.py train` unchanged. */
const PASSED = ['steps', 'epochs', 'batch', 'seed', 'sample-every', 'checkpoint-every'] as const;

export async function trainWithTorch(file: string, flags: TorchTrainFlags, reporter: Reporter): Promise<number> {
    const python = configuredPython();
    const torch = torchVersion(python);
    if (!torch.ok) throw new Error(`--backend torch: ${torch.why}; install PyTorch (Debian: apt-get install python3-torch) or set GM_PYTHON to a Python that has it`);
    const { model } = await loadChecked(file, flags.model);
    const out = path.resolve(flags.out ?? defaultOutDir(file, model.name));
    const pkg = await exportTorch(file, path.join(out, 'torch'), flags.model ? { model: flags.model } : {});
    const args = [path.join(pkg.dir, 'run.py'), 'train', '--json', '--out', out, '--file', file];
    for (const flag of PASSED) if (flags[flag] !== undefined) args.push(`--${flag}`, String(flags[flag]));
    if (flags.resume) args.push('--resume');
    if (flags.force) args.push('--force');
    const child = spawn(python, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    const forward = (signal: NodeJS.Signals) => child.kill(signal);
    process.on('SIGINT', forward);
    process.on('SIGTERM', forward);
    try {
        const lines = createInterface({ input: child.stdout });
        let failed = false;
        lines.on('line', line => {
            let event: TrainEvent;
            try {
                event = JSON.parse(line) as TrainEvent;
            } catch {
                process.stderr.write(line + '\n');
                return;
            }
            if (event.event === 'progress' && event.etaSeconds === null) event.etaSeconds = Infinity;
            if (event.event === 'error') failed = true;
            reporter.emit(event);
        });
        const code = await new Promise<number>((resolve, reject) => {
            child.on('error', reject);
            child.on('close', (status, signal) => resolve(status ?? (signal ? 1 : 0)));
        });
        if (code !== 0 && !failed) reporter.emit({ event: 'error', message: `${python} ${path.basename(args[0]!)} train exited with status ${code}` });
        reporter.close();
        return code === 0 ? 0 : 1;
    } finally {
        process.off('SIGINT', forward);
        process.off('SIGTERM', forward);
    }
}
