/** What the hand-written references of the benchmarks share: Adam steps on a loss, each loss read back. */
import * as tf from '@tensorflow/tfjs';

export interface AdamSteps<X> {
    /** One Adam step on a batch with noise seeded by `seed`; returns the loss before the step. */
    step(x: X, seed: number): Promise<number>;
    /** Frees the optimizer's state (not the variables). */
    dispose(): void;
}

/** tf.train.adam with PyTorch's defaults (β₁ 0.9, β₂ 0.999, ε 1e−8), minimizing `loss` over `variables`. */
export function adamSteps<X>(lr: number, variables: tf.Variable[], loss: (x: X, seed: number) => tf.Scalar): AdamSteps<X> {
    const optimizer = tf.train.adam(lr, 0.9, 0.999, 1e-8);
    return {
        async step(x, seed) {
            const cost = tf.tidy(() => {
                const c = optimizer.minimize(() => loss(x, seed), true, variables);
                if (!c) throw new Error('Adam returned no cost');
                return c;
            });
            // Asynchronous read: WebGPU under Node has no synchronous download.
            const value = (await cost.data())[0]!;
            cost.dispose();
            return value;
        },
        dispose: () => optimizer.dispose(),
    };
}
