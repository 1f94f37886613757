import * as tf from '@tensorflow/tfjs';

/**
 * Clips gradients by their global norm (Pascanu et al. 2013): if ‖g‖ = √Σ‖g_i‖² exceeds `maxNorm`,
 * every g_i is scaled by maxNorm / ‖g‖. Returns the clipped gradients and the norm before clipping.
 * Tensors are created in the caller's tidy scope.
 */
export function clipByGlobalNorm(grads: tf.Tensor[], maxNorm: number): { grads: tf.Tensor[]; norm: tf.Scalar } {
    const norm = tf.sqrt(tf.addN(grads.map(g => tf.sum(tf.square(g))))) as tf.Scalar;
    // scale = min(1, maxNorm / ‖g‖), as PyTorch's clip_grad_norm_ (with its 1e-6 guard).
    const scale = tf.minimum(1, tf.div(maxNorm, tf.add(norm, 1e-6)));
    return { grads: grads.map(g => tf.mul(g, scale)), norm };
}
