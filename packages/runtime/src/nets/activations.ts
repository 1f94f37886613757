import * as tf from '@tensorflow/tfjs';
import type { Activation } from '@gm/language';

/** The activation functions a model can name, as in PyTorch (leaky_relu slope 0.01, exact GELU). */
export function activation(name: Activation): (x: tf.Tensor) => tf.Tensor {
    switch (name) {
        case 'relu':
            return x => tf.relu(x);
        case 'tanh':
            return x => tf.tanh(x);
        case 'sigmoid':
            return x => tf.sigmoid(x);
        case 'softplus':
            return x => tf.softplus(x);
        case 'silu':
            return silu;
        case 'gelu':
            // GELU(x) = x Φ(x) = ½ x (1 + erf(x / √2)) (Hendrycks & Gimpel 2016)
            return x => tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2))));
        case 'elu':
            return x => tf.elu(x);
        case 'leaky_relu':
            return x => tf.leakyRelu(x, 0.01);
    }
}

/** SiLU (swish): x · σ(x), the nonlinearity of Ho et al. 2020. */
export function silu(x: tf.Tensor): tf.Tensor {
    return tf.mul(x, tf.sigmoid(x));
}
