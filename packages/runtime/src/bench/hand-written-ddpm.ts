/**
 * The reference for the diffusion benchmark: one L_simple training step written by hand
 * (Ho et al. 2020, Algorithm 1: t ~ Uniform{1..T}, ε ~ N(0, I), gradient step on
 * ‖ε − ε_θ(√ᾱ_t x_0 + √(1 − ᾱ_t) ε, t)‖²) around the same denoiser network, with tf.train.adam.
 */
import * as tf from '@tensorflow/tfjs';
import { adamSteps } from './adam-steps.js';
import type { Network } from '../nets/network.js';

export interface HandWrittenDdpm {
    step(x0: tf.Tensor, seed: number): Promise<number>;
    dispose(): void;
}

/** `alphaBar[t]` for t = 0..T (entry 0 is 1). */
export function handWrittenDdpm(net: Network, alphaBar: number[], lr: number): HandWrittenDdpm {
    const T = alphaBar.length - 1;
    const sqrtAb = tf.keep(tf.tensor1d(alphaBar.map(Math.sqrt)));
    const sqrt1mAb = tf.keep(tf.tensor1d(alphaBar.map(a => Math.sqrt(1 - a))));
    const adam = adamSteps(lr, net.variables, (x0: tf.Tensor, seed: number) => {
        const n = x0.shape[0];
        const t = tf.randomUniformInt([n], 1, T + 1, seed);
        const eps = tf.randomNormal(x0.shape, 0, 1, 'float32', seed + 1);
        const expand = (v: tf.Tensor) => tf.reshape(tf.gather(v, t), [n, ...x0.shape.slice(1).map(() => 1)]);
        const xt = tf.add(tf.mul(expand(sqrtAb), x0), tf.mul(expand(sqrt1mAb), eps));
        return tf.mean(tf.square(tf.sub(eps, net.apply(xt, tf.cast(t, 'float32'), { training: true })))) as tf.Scalar;
    });
    return {
        step: adam.step,
        dispose() {
            adam.dispose();
            tf.dispose([sqrtAb, sqrt1mAb]);
        },
    };
}
