/**
 * `node packages/runtime/out/bench/run-train-bench.js [--backend wasm] [--batch 128] [--steps 40] [--model FILE] [--ddpm]`:
 * images/s of the compiled and the hand-written VAE (or, with --ddpm, diffusion step), and their ratio.
 */
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { isBackendRequest, selectBackend } from '../backend/select-backend.js';
import { benchDdpm, benchVae } from './train-bench.js';

const { values } = parseArgs({
    options: {
        backend: { type: 'string', default: 'wasm' },
        batch: { type: 'string', default: '128' },
        steps: { type: 'string', default: '40' },
        warmup: { type: 'string', default: '5' },
        ddpm: { type: 'boolean', default: false },
        model: { type: 'string', default: path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../../../examples/vae.gm') },
    },
});
if (!isBackendRequest(values.backend!)) throw new Error(`unknown backend ${values.backend}`);
const choice = await selectBackend(values.backend);
console.log(`backend: ${choice.kind} (${choice.reason})`);
const options = { modelFile: values.model!, batch: Number(values.batch), steps: Number(values.steps), warmup: Number(values.warmup) };
const r = values.ddpm ? await benchDdpm(options) : await benchVae(options);
for (const b of [r.compiled, r.handWritten]) {
    console.log(
        `${b.name.padEnd(28)} ${b.parameters} parameters  ${b.medianMs.toFixed(1)} ms/step  ${b.imagesPerSecond.toFixed(0)} images/s  loss ${b.firstLoss.toFixed(1)} → ${b.lastLoss.toFixed(1)}`,
    );
}
console.log(`ratio compiled / hand-written: ${r.ratio.toFixed(3)}`);
