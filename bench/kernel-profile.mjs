// Where a training step's time goes, per kernel: one step of a model (loss, gradients) on a backend,
// after a warm-up step. With timestamp queries (real GPUs) the times are tf.profile's GPU times; without
// them (Mesa's software renderer) each WebGPU program is submitted alone (a submit batch of 1) and timed by the wall clock,
// which on a CPU renderer is the kernel's own time (the coverage line says how much of the step that is).
// --conv-shapes (wall-clock path only) adds each Conv2D shape's time and arithmetic rate, and the step's convolution GFLOP.
// Usage: npm run build && node bench/kernel-profile.mjs [examples/ddpm.gm] [--backend webgpu] [--batch 2] [--top 15] [--conv-shapes]
import * as tf from '@tensorflow/tfjs';
import { parseArgs } from 'node:util';
import { prepareModel } from '../packages/runtime/out/session/prepare.js';
import { Random } from '../packages/runtime/out/rng/index.js';

const { values, positionals } = parseArgs({
    allowPositionals: true,
    options: {
        backend: { type: 'string', default: 'webgpu' },
        batch: { type: 'string', default: '2' },
        top: { type: 'string', default: '15' },
        'conv-shapes': { type: 'boolean', default: false },
    },
});
const file = positionals[0] ?? 'examples/ddpm.gm';
const batch = Number(values.batch);
const prepared = await prepareModel(file, { backend: values.backend });
const { compiled, observed } = prepared;
const gpu = tf.getBackend() === 'webgpu' ? tf.backend() : undefined;
const timestamps = gpu?.device.features.has('timestamp-query') ?? false;
if (gpu && !timestamps) tf.env().set('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE', 1);
console.log(`${file}, batch ${batch}, ${prepared.backend.kind}: ${prepared.backend.reason}`);

const rng = new Random(1);
const x = tf.tensor(
    Float32Array.from({ length: batch * observed.shape.reduce((a, b) => a * b, 1) }, () => rng.next()),
    [batch, ...observed.shape],
);
const variables = compiled.parameters.map(p => p.variable);
async function step(s) {
    const { value, grads } = tf.variableGrads(() => compiled.loss(x, s).loss, variables);
    await Promise.all([value, ...Object.values(grads)].map(t => t.data()));
    tf.dispose([value, ...Object.values(grads)]);
}

// Wall-clock time of each kernel call, when there are no GPU timestamps; and of each Conv2D shape.
const wall = new Map();
const convShapes = new Map();
/** Multiply-adds count 2: output elements × filter height × width × input channels. */
function convRow({ inputs, attrs }, out, ms) {
    const [fh, fw, ci] = inputs.filter.shape;
    const key = `x [${inputs.x.shape}], filter [${inputs.filter.shape}], ${attrs.pad}`;
    const row = convShapes.get(key) ?? { ms: 0, calls: 0, flops: 0 };
    row.ms += ms;
    row.calls++;
    row.flops += 2 * out.shape.reduce((a, b) => a * b, 1) * fh * fw * ci;
    convShapes.set(key, row);
}
let restore = () => {};
if (!timestamps) {
    const configs = tf.getKernelsForBackend(tf.getBackend());
    for (const config of configs) {
        const inner = config.kernelFunc;
        tf.unregisterKernel(config.kernelName, config.backendName);
        tf.registerKernel({
            ...config,
            kernelFunc: args => {
                const start = performance.now();
                const out = inner(args);
                const ms = performance.now() - start;
                const w = wall.get(config.kernelName) ?? { ms: 0, calls: 0 };
                w.ms += ms;
                w.calls++;
                wall.set(config.kernelName, w);
                if (values['conv-shapes'] && config.kernelName === 'Conv2D') convRow(args, out, ms);
                return out;
            },
        });
    }
    restore = () =>
        configs.forEach(c => {
            tf.unregisterKernel(c.kernelName, c.backendName);
            tf.registerKernel(c);
        });
}

let start = performance.now();
await step(0);
console.log(`warm-up step (compiles the programs): ${((performance.now() - start) / 1000).toFixed(1)} s`);
wall.clear();
convShapes.clear();
let rows;
start = performance.now();
if (timestamps) {
    const profile = await tf.profile(() => step(1));
    const byName = new Map();
    for (const k of profile.kernels) {
        const w = byName.get(k.name) ?? { ms: 0, calls: 0 };
        w.ms += typeof k.kernelTimeMs === 'number' ? k.kernelTimeMs : 0;
        w.calls++;
        byName.set(k.name, w);
    }
    rows = byName;
} else {
    await step(1);
    rows = wall;
}
const stepMs = performance.now() - start;
restore();
const total = [...rows.values()].reduce((a, r) => a + r.ms, 0);
console.log(
    `step: ${(stepMs / 1000).toFixed(2)} s; kernels: ${(total / 1000).toFixed(2)} s (${((100 * total) / stepMs).toFixed(0)} % of the step), timed by ${timestamps ? 'GPU timestamps (tf.profile)' : 'the wall clock, one submit per program'}`,
);
console.log('kernel                         calls   total ms   share');
for (const [name, r] of [...rows].sort((a, b) => b[1].ms - a[1].ms).slice(0, Number(values.top))) {
    console.log(`${name.padEnd(30)} ${String(r.calls).padStart(5)} ${r.ms.toFixed(0).padStart(10)} ${((100 * r.ms) / total).toFixed(1).padStart(6)} %`);
}
if (convShapes.size > 0) {
    console.log('\nConv2D by shape (forward, and the gradients that run as convolutions)   calls   total ms    GF/s');
    let ms = 0;
    let flops = 0;
    for (const [key, r] of [...convShapes].sort((a, b) => b[1].ms - a[1].ms)) {
        ms += r.ms;
        flops += r.flops;
        console.log(`${key.padEnd(72)} ${String(r.calls).padStart(5)} ${r.ms.toFixed(1).padStart(10)} ${(r.flops / 1e6 / r.ms).toFixed(1).padStart(7)}`);
    }
    console.log(`all convolutions: ${(flops / 1e9).toFixed(1)} GFLOP in ${(ms / 1000).toFixed(2)} s, ${(flops / 1e6 / ms).toFixed(1)} GF/s`);
}
process.exit(0);
