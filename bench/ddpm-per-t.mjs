// The error of a trained ε-network at chosen t, beside the one-line predictor ε̂ = √(1 − ᾱ_t) x_t:
// where the network does worse than that, it underfits. Usage (after training the model):
//   npm run build && node bench/ddpm-per-t.mjs [examples/ddpm-mlp.gm] [run folder] [--ema]
import * as tf from '@tensorflow/tfjs';
import * as path from 'node:path';
import { datasetFor, defaultOutDir, prepareModel, restoreWeights } from '../packages/runtime/out/session/prepare.js';
import { assignNamedArrays } from '../packages/runtime/out/checkpoint/index.js';

const args = process.argv.slice(2).filter(a => a !== '--ema');
const file = args[0] ?? 'examples/ddpm-mlp.gm';
const prepared = await prepareModel(file, { backend: 'wasm' });
const checkpoint = await restoreWeights(prepared, args[1] ?? defaultOutDir(file, prepared.model.name));
// With --ema, the averaged weights that sampling uses.
if (process.argv.includes('--ema') && checkpoint.ema)
    assignNamedArrays(
        prepared.compiled.parameters.map(p => ({ name: p.name, variable: p.variable })),
        checkpoint.ema,
        'EMA weights',
    );
const chain = prepared.derivation.chains[0];
if (!chain) throw new Error(`${file} has no chain`);
const { marginalMean: m, marginalVar: s } = chain.coefficients;
const net = prepared.compiled.networks.get(chain.network);
const test = await datasetFor(prepared, 'test', 1);
const n = 256,
    x0 = test.slice(0, n);
console.log(`${path.basename(file)}: t  √ᾱ_t  network  √(1−ᾱ_t)·x_t`);
for (const t of [1, 2, 5, 10, 20, 50, 100, 150, 200].filter(t => t <= chain.upper)) {
    const errors = tf.tidy(() => {
        const eps = tf.randomNormal(x0.shape, 0, 1, 'float32', 7 + t);
        const xt = tf.add(tf.mul(m[t - chain.lower], x0), tf.mul(Math.sqrt(s[t - chain.lower]), eps));
        const prediction = net.apply(xt, tf.fill([n], t));
        return tf.stack([tf.mean(tf.square(tf.sub(eps, prediction))), tf.mean(tf.square(tf.sub(eps, tf.mul(xt, Math.sqrt(s[t - chain.lower])))))]);
    });
    // await data(): WebGPU under Node has no synchronous read.
    const [mse, trivial] = await errors.data();
    errors.dispose();
    console.log(`t = ${String(t).padStart(4)}  ${m[t - chain.lower].toFixed(4)}  ${mse.toFixed(4)}  ${trivial.toFixed(4)}`);
}
process.exit(0);
