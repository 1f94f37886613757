/** What the hand-written references of the benchmarks share: one optimizer step, its loss read back. */
import * as tf from '@tensorflow/tfjs';

/** One step of `optimizer` minimizing `loss` over `variables`; returns the loss before the step. */
export async function optimizerStep(optimizer: tf.Optimizer, loss: () => tf.Scalar, variables: tf.Variable[]): Promise<number> {
    const cost = tf.tidy(() => {
        const c = optimizer.minimize(loss, true, variables);
        if (!c) throw new Error('Adam returned no cost');
        return c;
    });
    // Asynchronous read: WebGPU under Node has no synchronous download.
    const value = (await cost.data())[0]!;
    cost.dispose();
    return value;
}
