import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { defaultOutDir } from '../session/prepare.js';
import { exportTorch } from '../torch/export.js';
import { UsageError } from './check.js';

/** `gm export FILE --target torch --out DIR`: the model as a standalone PyTorch package. */
export async function exportCommand(args: string[]): Promise<number> {
    const { values, positionals } = parseArgs({
        args,
        allowPositionals: true,
        options: { target: { type: 'string', default: 'torch' }, out: { type: 'string' }, model: { type: 'string' } },
    });
    if (positionals.length !== 1) throw new UsageError('gm export needs one .gm file');
    if (values.target !== 'torch') throw new UsageError(`--target is torch, not '${values.target}'`);
    const file = positionals[0]!;
    // By default where `gm train --backend torch` puts it: runs/<Model>/torch next to the model file.
    const out = values.out ? path.resolve(values.out) : (model: { name: string }) => path.join(defaultOutDir(file, model.name), 'torch');
    const exported = await exportTorch(file, out, values.model ? { model: values.model } : {});
    console.log(`${exported.model.name}: ${exported.dir} (python ${path.join(exported.dir, 'run.py')} train)`);
    return 0;
}
