// The compiled TensorFlow.js training step (wasm) against a hand-written PyTorch step of the same network and batch
// (bench/torch_hand_written.py, in a child process), timed in alternating rounds in one run: examples/vae.gm at
// batch 128 and examples/ddpm.gm's U-Net at batch 8. Prints ms/step, images/s and ratio = wasm / PyTorch images/s.
// Usage: npm run build && node bench/wasm-vs-torch.mjs [--backend wasm] [--steps 10] [--torch-threads 0] [--only vae|ddpm]
// Python: GM_PYTHON, else python3 (Debian's python3-torch). --torch-threads 0 keeps PyTorch's default.
import * as path from 'node:path';
import { parseArgs } from 'node:util';
import { selectBackend } from '../packages/runtime/out/backend/select-backend.js';
import { benchAgainst, processContender } from '../packages/runtime/out/bench/train-bench.js';
import { configuredPython } from '../packages/runtime/out/torch/python.js';

const { values } = parseArgs({
    options: {
        backend: { type: 'string', default: 'wasm' },
        steps: { type: 'string', default: '10' },
        'torch-threads': { type: 'string', default: '0' },
        only: { type: 'string' },
    },
});
const root = path.resolve(import.meta.dirname, '..');
const choice = await selectBackend(values.backend);
console.log(`TensorFlow.js backend: ${choice.kind} (${choice.reason})`);
for (const [which, file, batch, steps] of [
    ['vae', 'examples/vae.gm', 128, Number(values.steps) * 4],
    ['ddpm', 'examples/ddpm.gm', 8, Number(values.steps)],
]) {
    if (values.only && values.only !== which) continue;
    const torch = await processContender('hand-written PyTorch', configuredPython(), [
        path.join(root, 'bench/torch_hand_written_steps.py'),
        which,
        String(batch),
        values['torch-threads'],
    ]);
    try {
        const r = await benchAgainst({ modelFile: path.join(root, file), batch, steps, warmup: 2 }, torch);
        console.log(`${file}, batch ${batch}, ${r.compiled.parameters} parameters; PyTorch ${torch.info.torch}, ${torch.info.threads} thread(s)`);
        for (const b of [r.compiled, r.other])
            console.log(`  ${b.name.padEnd(44)} ${b.medianMs.toFixed(1).padStart(8)} ms/step ${b.imagesPerSecond.toFixed(1).padStart(8)} images/s`);
        console.log(`  ratio (TensorFlow.js / PyTorch images/s): ${r.ratio.toFixed(3)}`);
    } finally {
        torch.close();
    }
}
process.exit(0);
