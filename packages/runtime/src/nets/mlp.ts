/**
 * Multilayer perceptrons: dense layers with the activation between them and none after the last
 * (Kingma & Welling 2013, appendix C), and the time-conditioned MLP denoiser called as net(x, t):
 * t's sinusoidal embedding (Vaswani et al. 2017) goes through a small MLP and is added, through its
 * own projection, to every hidden layer before the activation (as Ho et al. 2020 add it to every
 * residual block). A denoiser (output size = input size) also gets a skip path from its input, gated
 * per dimension by t: net(x, t) = f(x, t) + g(t) ⊙ x, g a linear map of the time embedding that
 * starts at zero (on the ε half when the net also outputs v, Nichol & Dhariwal's learned variance). It plays the part of the U-Net's skip connections and of c_skip(σ) in Karras et al.
 * (2022, eq. 7): at large t the ε-target is nearly x_t itself (ε ≈ √(1 − ᾱ_t) x_t), which a plain MLP
 * learns only slowly (see BENCHMARKS.md and bench/ddpm-mlp-variants.mjs: L_simple 0.27 without it, 0.12
 * with it after 1 000 steps).
 */
import * as tf from '@tensorflow/tfjs';
import type { MlpIR } from '@gm/language';
import { activation } from './activations.js';
import { dense, type Layer } from './layers.js';
import type { ApplyOptions, Network } from './network.js';
import { countParameters, ParameterStore } from './parameters.js';
import { timestepEmbedding } from './time-embedding.js';

export function buildMlp(ir: MlpIR, seed: number): Network {
    const store = new ParameterStore(seed, ir.name);
    const act = activation(ir.activation);
    const sizes = ir.layers;
    if (sizes.length < 2) throw new Error(`network ${ir.name}: an MLP needs at least an input and an output size`);
    const layers: Layer[] = [];
    for (let i = 0; i + 1 < sizes.length; i++) layers.push(dense(store, `dense${i}`, sizes[i], sizes[i + 1]));

    const embeddingSize = ir.timeEmbedding;
    let timeHidden: Layer | undefined;
    let skipGate: Layer | undefined;
    const timeProjections: Layer[] = [];
    if (embeddingSize !== undefined) {
        timeHidden = dense(store, 'time/dense', embeddingSize, embeddingSize);
        for (let i = 1; i + 1 < sizes.length; i++) timeProjections.push(dense(store, `time/proj${i}`, embeddingSize, sizes[i]));
        const zeros = { kind: 'zeros' } as const;
        // A denoiser that also outputs v (learned variance, output 2× input) gets the skip path on its first half, ε.
        const out = sizes[sizes.length - 1];
        if (out === sizes[0] || out === 2 * sizes[0]) skipGate = dense(store, 'time/skip', embeddingSize, sizes[0], { kernel: zeros, bias: zeros });
    }
    const parameters = store.parameters;

    const apply = (x: tf.Tensor, t?: tf.Tensor, _options?: ApplyOptions): tf.Tensor => {
        const batch = x.shape[0];
        const flat = x.rank === 2 ? x : tf.reshape(x, [batch, -1]);
        if (flat.shape[1] !== sizes[0]) throw new Error(`network ${ir.name}: expected inputs of size ${sizes[0]}, got shape [${x.shape.join(', ')}]`);
        let temb: tf.Tensor | undefined;
        if (embeddingSize !== undefined) {
            if (!t) throw new Error(`network ${ir.name} is time-conditioned: call it as ${ir.name}(x, t)`);
            temb = act(timeHidden!(timestepEmbedding(t, embeddingSize)));
        }
        let h = flat;
        for (let i = 0; i < layers.length; i++) {
            h = layers[i](h);
            if (i + 1 < layers.length) {
                if (temb) h = tf.add(h, timeProjections[i](temb));
                h = act(h);
            }
        }
        if (skipGate && temb) {
            const skip = tf.mul(skipGate(temb), flat);
            h = h.shape[1] === sizes[0] ? tf.add(h, skip) : tf.concat([tf.add(tf.slice(h, [0, 0], [-1, sizes[0]]), skip), tf.slice(h, [0, sizes[0]], [-1, -1])], 1);
        }
        // A denoiser's output has the shape of its input (ε or x0 of an image).
        if (x.rank > 2 && h.shape[1] === sizes[0]) h = tf.reshape(h, x.shape);
        return h;
    };

    return {
        name: ir.name,
        architecture: 'MLP',
        timeConditioned: embeddingSize !== undefined,
        apply,
        parameters,
        variables: parameters.map(p => p.variable),
        parameterCount: countParameters(parameters),
        dispose: () => parameters.forEach(p => p.variable.dispose()),
    };
}
