import * as tf from '@tensorflow/tfjs';

/**
 * The sinusoidal embedding of a timestep (Vaswani et al. 2017, §3.5), as in Ho et al. 2020's
 * `get_timestep_embedding`: [sin(t·f_0), …, sin(t·f_{h−1}), cos(t·f_0), …, cos(t·f_{h−1})] with
 * h = dim/2 and f_k = exp(−ln(10000) · k / (h − 1)). `t` has shape [B] or [B, 1]; the result [B, dim].
 */
export function timestepEmbedding(t: tf.Tensor, dim: number): tf.Tensor2D {
    if (dim < 4 || dim % 2 !== 0) throw new Error(`the time embedding size must be even and at least 4, not ${dim}`);
    const half = dim / 2;
    const freqs = new Float32Array(half);
    for (let k = 0; k < half; k++) freqs[k] = Math.exp((-Math.log(10000) * k) / (half - 1));
    const args = tf.mul(tf.reshape(tf.cast(t, 'float32'), [-1, 1]), tf.tensor2d(freqs, [1, half]));
    return tf.concat([tf.sin(args), tf.cos(args)], 1) as tf.Tensor2D;
}
