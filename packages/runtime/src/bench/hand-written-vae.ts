/**
 * The reference for the benchmark: a VAE written by hand in TensorFlow.js the usual way, with the
 * architecture of pytorch/examples' VAE (784-400-20, ReLU, Bernoulli decoder, closed-form KL;
 * Kingma & Welling 2013) and tf.train.adam.
 */
import * as tf from '@tensorflow/tfjs';
import { adamSteps } from './adam-steps.js';

export interface HandWrittenVae {
    /** One Adam step on a batch with noise seeded by `seed` (≥ 1); returns the loss (negative ELBO, nats per image). */
    step(x: tf.Tensor2D, seed: number): Promise<number>;
    parameterCount: number;
    dispose(): void;
}

/** A dense layer's kernel and bias, initialized like PyTorch's Linear. */
function dense(inSize: number, outSize: number): [tf.Variable, tf.Variable] {
    const bound = 1 / Math.sqrt(inSize);
    return [
        tf.variable(tf.randomUniform([inSize, outSize], -bound, bound, 'float32', inSize * outSize)),
        tf.variable(tf.randomUniform([outSize], -bound, bound, 'float32', outSize)),
    ];
}

export function handWrittenVae(lr = 1e-3, hidden = 400, latent = 20): HandWrittenVae {
    const [w1, b1] = dense(784, hidden);
    const [w2, b2] = dense(hidden, 2 * latent);
    const [w3, b3] = dense(latent, hidden);
    const [w4, b4] = dense(hidden, 784);
    const variables = [w1, b1, w2, b2, w3, b3, w4, b4];
    const adam = adamSteps(lr, variables, (x: tf.Tensor2D, seed: number) => {
        const h = tf.relu(tf.add(tf.matMul(x, w1), b1));
        const stats = tf.add(tf.matMul(h, w2), b2);
        const mu = tf.slice(stats, [0, 0], [-1, latent]);
        const logvar = tf.slice(stats, [0, latent], [-1, latent]);
        const z = tf.add(mu, tf.mul(tf.exp(tf.mul(logvar, 0.5)), tf.randomNormal(mu.shape, 0, 1, 'float32', seed)));
        const logits = tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(z, w3), b3)), w4), b4);
        const ell = tf.sum(tf.sub(tf.mul(x, logits), tf.softplus(logits)), 1);
        const kl = tf.mul(-0.5, tf.sum(tf.sub(tf.sub(tf.add(1, logvar), tf.square(mu)), tf.exp(logvar)), 1));
        return tf.mean(tf.sub(kl, ell)) as tf.Scalar;
    });
    return {
        step: adam.step,
        parameterCount: variables.reduce((n, v) => n + v.size, 0),
        dispose() {
            adam.dispose();
            tf.dispose(variables);
        },
    };
}
