// Is the explicit-transpose matMul gradient (fast-gradients.ts, written for wasm) also the faster one on
// a backend? Times training steps with it and with tfjs's stock gradient (transposed operands read in
// place) in alternating rounds in one process, after a warm-up step each round.
// Usage: npm run build && npx node bench/matmul-grad-ab.mjs examples/vae.gm [--backend webgpu] [--batch 128]
import * as tf from '@tensorflow/tfjs';
import { parseArgs } from 'node:util';
import { installFastGradients, selectBackend } from '../packages/runtime/out/backend/index.js';
import { loadChecked } from '../packages/runtime/out/session/prepare.js';
import { compileModel } from '../packages/runtime/out/compile/index.js';
import { createOptimizer } from '../packages/runtime/out/optim/index.js';
import { trainStep } from '../packages/runtime/out/session/step.js';

const { values, positionals } = parseArgs({ allowPositionals: true, options: { backend: { type: 'string', default: 'webgpu' }, batch: { type: 'string', default: '128' } } });
const { model, derivation } = await loadChecked(positionals[0] ?? 'examples/vae.gm');
const choice = await selectBackend(values.backend);
const rewrite = tf.getGradient('BatchMatMul');
installFastGradients()(); // restores the stock gradients
const stock = tf.getGradient('BatchMatMul');
const c = compileModel(model, derivation, 1);
const opt = createOptimizer(model.train, c.parameters);
const observed = model.variables.find(v => v.name === c.program.inputs[0].variable);
const x = tf.randomUniform([Number(values.batch), ...observed.shape], 0, 1, 'float32', 1);
const warn = console.warn;
console.warn = () => {}; // tfjs warns when a gradient is registered again
const times = { rewrite: [], stock: [] };
let step = 0;
for (let round = 0; round < 4; round++) {
    for (const [name, config] of [
        ['rewrite', rewrite],
        ['stock', stock],
    ]) {
        tf.registerGradient(config);
        await trainStep(c, opt, model.train, x, step++);
        for (let i = 0; i < 3; i++) {
            const start = performance.now();
            await trainStep(c, opt, model.train, x, step++);
            if (round > 0) times[name].push(performance.now() - start);
        }
    }
}
console.warn = warn;
const median = a => a.sort((p, q) => p - q)[Math.floor(a.length / 2)].toFixed(0);
console.log(
    `${positionals[0]} on ${choice.kind}, batch ${values.batch}: ms/step (median of 9) explicit transposes ${median(times.rewrite)}, stock gradient ${median(times.stock)}`,
);
process.exit(0);
