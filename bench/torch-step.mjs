// The generated PyTorch package's training step against a hand-written PyTorch step of the same model
// (bench/torch_hand_written.py): examples/vae.gm and examples/ddpm.gm's U-Net, on the CPU, timed in
// alternating rounds; prints ms/step, images/s and ratio = hand-written time / generated time.
// Usage: npm run build && node bench/torch-step.mjs [--rounds 6] [--steps 5] [--vae-batch 128] [--ddpm-batch 8]
// Python: GM_PYTHON, else /usr/bin/python3 (Debian's python3-torch).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { exportTorch } from '../packages/runtime/out/torch/export.js';
import { configuredPython } from '../packages/runtime/out/torch/python.js';

const { values } = parseArgs({
    options: {
        rounds: { type: 'string', default: '6' },
        steps: { type: 'string', default: '5' },
        'vae-batch': { type: 'string', default: '128' },
        'ddpm-batch': { type: 'string', default: '8' },
    },
});
const root = path.resolve(import.meta.dirname, '..');
const tmp = mkdtempSync(path.join(tmpdir(), 'gm-torch-bench-'));
try {
    for (const [which, file, batch] of [
        ['vae', 'examples/vae.gm', values['vae-batch']],
        ['ddpm', 'examples/ddpm.gm', values['ddpm-batch']],
    ]) {
        const dir = path.join(tmp, which);
        await exportTorch(path.join(root, file), dir, { data: false });
        const out = execFileSync(configuredPython(), [path.join(root, 'bench/torch_step.py'), dir, which, batch, values.rounds, values.steps], { encoding: 'utf8' });
        console.log(out.trim());
    }
} finally {
    rmSync(tmp, { recursive: true, force: true });
}
