// Which time-conditioned MLP denoiser learns ε on MNIST (examples/ddpm-mlp.gm, T = 200)? Each
// variant trains for the same steps with the hand-written L_simple step (src/bench/hand-written-ddpm.ts);
// prints ms/step, the mean loss over the last 200 steps, and E‖ε − ε_θ(x_t, t)‖²/D on 256 test digits.
// Usage: npm run build && node bench/ddpm-mlp-variants.mjs [--steps 1000] [--only skip,no-skip,residual2,residual1-skip]
import * as tf from '@tensorflow/tfjs';
import { parseArgs } from 'node:util';
import { datasetFor, prepareModel } from '../packages/runtime/out/session/prepare.js';
import { handWrittenDdpm } from '../packages/runtime/out/bench/hand-written-ddpm.js';
import { activation, buildNetwork, dense, ParameterStore, timestepEmbedding } from '../packages/runtime/out/nets/index.js';

const { values } = parseArgs({ options: { steps: { type: 'string', default: '1000' }, only: { type: 'string' } } });
const steps = Number(values.steps);
const prepared = await prepareModel('examples/ddpm-mlp.gm', { backend: 'wasm' });
const ir = prepared.model.networks.find(n => n.name === 'eps');
const alphaBar = prepared.derivation.chains[0].coefficients.marginalMean.map(m => m * m);
const train = await datasetFor(prepared, 'train', 1);
const test = await datasetFor(prepared, 'test', 1);
const silu = activation('silu');
const [D, H, E] = [ir.layers[0], ir.layers[1], ir.timeEmbedding];

/** Pre-norm residual MLP (in → H, `blocks` × [H → H → H with t added], → out), optionally with the t-gated skip. */
function residual(blocks, skip) {
    const store = new ParameterStore(1, `residual${blocks}`);
    const norm = name => {
        const gamma = store.create(`${name}/gamma`, [H], { kind: 'ones' }),
            beta = store.create(`${name}/beta`, [H], { kind: 'zeros' });
        return x => {
            const { mean, variance } = tf.moments(x, -1, true);
            return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, 1e-5))), gamma), beta);
        };
    };
    const time = dense(store, 'time', E, E),
        input = dense(store, 'in', D, H),
        outNorm = norm('out/norm'),
        output = dense(store, 'out', H, D);
    const body = Array.from({ length: blocks }, (_, i) => ({
        norm: norm(`b${i}/norm`),
        a: dense(store, `b${i}/a`, H, H),
        t: dense(store, `b${i}/t`, E, H),
        b: dense(store, `b${i}/b`, H, H),
    }));
    const zeros = { kind: 'zeros' };
    const gate = skip ? dense(store, 'skip', E, D, { kernel: zeros, bias: zeros }) : undefined;
    return {
        apply: (x, t) => {
            const temb = silu(time(timestepEmbedding(t, E)));
            let h = input(x);
            for (const k of body) h = tf.add(h, k.b(silu(tf.add(k.a(silu(k.norm(h))), k.t(temb)))));
            const out = output(silu(outNorm(h)));
            return gate ? tf.add(out, tf.mul(gate(temb), x)) : out;
        },
        variables: store.parameters.map(p => p.variable),
    };
}

/** The example's network (nets/mlp.ts); without the skip, its gate stays at its initial zero. */
function exampleMlp(skip) {
    const net = buildNetwork(ir, 0);
    return { apply: net.apply, variables: net.parameters.filter(p => skip || !p.name.includes('time/skip')).map(p => p.variable) };
}

const variants = { 'no-skip': () => exampleMlp(false), skip: () => exampleMlp(true), residual2: () => residual(2, false), 'residual1-skip': () => residual(1, true) };
const ts = [1, 5, 20, 50, 100, 150, 200];
console.log(`variant          parameters  ms/step  L_simple (last 200)  ${ts.map(t => `t=${t}`.padStart(7)).join('')}`);
for (const name of values.only ? values.only.split(',') : Object.keys(variants)) {
    const net = variants[name]();
    const step = handWrittenDdpm(net, alphaBar, 1e-3);
    const perEpoch = train.batchesPerEpoch(128);
    let sum = 0,
        n = 0;
    const started = performance.now();
    for (let s = 0; s < steps; s++) {
        const x0 = train.batch(Math.floor(s / perEpoch), s % perEpoch, 128);
        const loss = await step.step(x0, 1000 + 2 * s);
        x0.dispose();
        if (s >= steps - 200) {
            sum += loss;
            n++;
        }
    }
    const msPerStep = (performance.now() - started) / steps;
    const x0 = test.slice(0, 256);
    const errors = [];
    for (const t of ts) {
        const mse = tf.tidy(() => {
            const eps = tf.randomNormal(x0.shape, 0, 1, 'float32', 7 + t);
            const xt = tf.add(tf.mul(Math.sqrt(alphaBar[t]), x0), tf.mul(Math.sqrt(1 - alphaBar[t]), eps));
            return tf.mean(tf.square(tf.sub(eps, net.apply(xt, tf.fill([256], t)))));
        });
        // await data(): WebGPU under Node has no synchronous read.
        errors.push((await mse.data())[0]);
        mse.dispose();
    }
    const count = net.variables.reduce((a, v) => a + v.size, 0);
    console.log(
        `${name.padEnd(16)} ${(count / 1e6).toFixed(2).padStart(8)} M ${msPerStep.toFixed(0).padStart(8)} ${(sum / n).toFixed(4).padStart(20)}  ${errors.map(e => e.toFixed(4).padStart(7)).join('')}`,
    );
    step.dispose();
    x0.dispose();
}
process.exit(0);
