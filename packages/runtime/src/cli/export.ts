import * as path from 'node:path';
import { defaultOutDir } from '../session/prepare.js';
import { exportTorch } from '../torch/export.js';
import { MODEL_FLAG } from './common-flags.js';
import { parseCommandLine, type CommandSpec } from './flags.js';

export const EXPORT = {
    name: 'export',
    summary: 'a standalone PyTorch package generated from the model',
    description:
        'The model as a standalone, readable PyTorch package generated from the same training program as the\n' +
        'TensorFlow.js target: networks, every term of the bound, data, training loop (torchrun), checkpoints, sampling.',
    positionals: { name: 'FILE', min: 1, max: 1, files: true },
    flags: {
        target: { type: 'choice', choices: ['torch'], default: 'torch', help: 'the compile target' },
        out: { type: 'string', value: 'DIR', help: 'the package folder', defaultText: 'runs/MODEL/torch next to FILE, where gm train --backend torch puts it' },
        model: MODEL_FLAG,
    },
} as const satisfies CommandSpec;

/** `gm export FILE [--target torch] [--out DIR]` (EXPORT). */
export async function exportCommand(args: string[]): Promise<number> {
    const { values, positionals } = parseCommandLine(EXPORT, args);
    const file = positionals[0]!;
    const out = values.out ? path.resolve(values.out) : (model: { name: string }) => path.join(defaultOutDir(file, model.name), 'torch');
    const exported = await exportTorch(file, out, values.model ? { model: values.model } : {});
    console.log(`${exported.model.name}: ${exported.dir} (python ${path.join(exported.dir, 'run.py')} train)`);
    return 0;
}
