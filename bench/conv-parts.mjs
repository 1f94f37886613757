// Each part of a 3×3 'same' convolution of the U-Net's shapes (batch 8) on the wasm backend, one thread, as gm's
// fast gradients compute them (backend/fast-gradients.ts: dx a convolution with the flipped filter, dW a 'valid'
// convolution), beside PyTorch's forward and backward on the same shapes (bench/conv_parts.py); and the filter flip
// by wasm's Reverse against the permutation product gm uses. Median ms of 5 after 2 warm-ups.
// Usage: npm run build && GM_WASM_THREADS=1 node bench/conv-parts.mjs   (Python: GM_PYTHON, else python3)
import * as tf from '@tensorflow/tfjs';
import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { selectBackend } from '../packages/runtime/out/backend/select-backend.js';
import { configuredPython } from '../packages/runtime/out/torch/python.js';

const choice = await selectBackend('wasm');
const LAYERS = [
    [8, 28, 64, 64],
    [8, 14, 128, 128],
    [8, 7, 256, 256],
];
const CALLS = 7;
async function ms(f) {
    const times = [];
    for (let i = 0; i < CALLS; i++) {
        const start = performance.now();
        const r = f(i);
        await r.data();
        r.dispose();
        if (i >= 2) times.push(performance.now() - start);
    }
    return times.sort((a, b) => a - b)[2];
}
const pad1 = [
    [0, 0],
    [1, 1],
    [1, 1],
    [0, 0],
];
const reversal = tf.tensor2d(
    Array.from({ length: 81 }, (_, k) => (Math.floor(k / 9) + (k % 9) === 8 ? 1 : 0)),
    [9, 9],
);
console.log(`wasm: ${choice.reason}`);
console.log('layer (batch 8)       wasm forward   GF/s   new weights   dx (filter ready)   dW (valid conv)   flip: Reverse / product');
for (const [n, h, ci, co] of LAYERS) {
    const x = tf.randomNormal([n, h, h, ci]);
    const w = tf.randomNormal([3, 3, ci, co]);
    const dy = tf.randomNormal([n, h, h, co]);
    const flipped = tf.reverse(w, [0, 1]).transpose([0, 1, 3, 2]);
    const forward = await ms(() => tf.conv2d(x, w, 1, 'same'));
    const weights = Array.from({ length: CALLS }, () => tf.randomNormal([3, 3, ci, co]));
    const forwardNew = await ms(i => tf.conv2d(x, weights[i], 1, 'same'));
    const dx = await ms(() => tf.conv2d(dy, flipped, 1, 'same'));
    const dW = await ms(() => tf.tidy(() => tf.transpose(tf.conv2d(tf.transpose(tf.pad(x, pad1), [3, 1, 2, 0]), tf.transpose(dy, [1, 2, 0, 3]), 1, 'valid'), [1, 2, 0, 3])));
    const reverse = await ms(() => tf.reverse(w, [0, 1]));
    const product = await ms(() => tf.tidy(() => tf.reshape(tf.matMul(reversal, tf.reshape(w, [9, ci * co])), w.shape)));
    const gflops = (2 * n * h * h * ci * co * 9) / 1e6 / forward;
    console.log(
        `${`${h}×${h}, ${ci} → ${co}`.padEnd(20)} ${forward.toFixed(1).padStart(10)} ${gflops.toFixed(1).padStart(8)} ${forwardNew.toFixed(1).padStart(13)} ${dx.toFixed(1).padStart(15)} ${dW.toFixed(1).padStart(17)} ${`${reverse.toFixed(1)} / ${product.toFixed(1)}`.padStart(18)}`,
    );
    tf.dispose([x, w, dy, flipped, ...weights]);
}
console.log(execFileSync(configuredPython(), [path.join(import.meta.dirname, 'conv_parts.py'), JSON.stringify(LAYERS)], { encoding: 'utf8' }).trimEnd());
process.exit(0);
