// What `--backend auto` picks for a model here and why, and the training step's time on each backend
// that loads (WebGPU includes software adapters here, which auto refuses). Median of the timed steps
// after one warm-up step; same weights, batch and noise on each backend.
// Usage: npm run build && node bench/backend-choice.mjs examples/vae.gm [--batch 128] [--steps 5]
import * as tf from '@tensorflow/tfjs';
import { parseArgs } from 'node:util';
import { selectBackend } from '../packages/runtime/out/backend/index.js';
import { loadChecked } from '../packages/runtime/out/session/prepare.js';
import { compileModel } from '../packages/runtime/out/compile/index.js';
import { createOptimizer } from '../packages/runtime/out/optim/index.js';
import { Random } from '../packages/runtime/out/rng/index.js';
import { trainStep } from '../packages/runtime/out/session/step.js';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { batch: { type: 'string', default: '128' }, steps: { type: 'string', default: '5' } } });
const file = positionals[0] ?? 'examples/vae.gm';
const batch = Number(values.batch),
    steps = Number(values.steps);
const { model, derivation } = await loadChecked(file);
const auto = await selectBackend('auto', model.networks);
console.log(`${file}: auto chose ${auto.kind}: ${auto.reason}`);

async function time(kind) {
    const choice = await selectBackend(kind).catch(e => ({ error: e.message }));
    if (choice.error) return `${kind}: not available (${choice.error})`;
    const c = compileModel(model, derivation, 1);
    const opt = createOptimizer(model.train, c.parameters);
    const observed = model.variables.find(v => v.name === c.program.inputs[0].variable);
    const rng = new Random(3);
    const x = tf.tensor(
        Float32Array.from({ length: batch * observed.shape.reduce((a, b) => a * b, 1) }, () => rng.next()),
        [batch, ...observed.shape],
    );
    const ms = [];
    for (let s = 0; s <= steps; s++) {
        const start = performance.now();
        await trainStep(c, opt, model.train, x, s);
        if (s > 0) ms.push(performance.now() - start);
    }
    tf.dispose(x);
    opt.dispose();
    c.dispose();
    const median = ms.sort((a, b) => a - b)[Math.floor(ms.length / 2)];
    return `${kind} (${choice.reason}): ${median.toFixed(0)} ms/step, ${((1000 * batch) / median).toFixed(1)} img/s (batch ${batch}, median of ${steps})`;
}
for (const kind of ['wasm', 'webgpu']) console.log(await time(kind));
process.exit(0);
