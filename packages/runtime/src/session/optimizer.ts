import * as tf from '@tensorflow/tfjs';
import type { TrainIR } from '@gm/language';

/** The optimizer a model's `train` block asks for, with its learning rate and options. */
export function createOptimizer(train: TrainIR): tf.Optimizer {
    const { name, lr, options } = train.optimizer;
    switch (name) {
        case 'Adam':
            return tf.train.adam(lr, options['beta1'] ?? 0.9, options['beta2'] ?? 0.999, options['epsilon'] ?? 1e-8);
        case 'AdamW':
            // tfjs has no decoupled weight decay; AdamW without weight_decay is Adam.
            if (options['weight_decay']) throw new Error('AdamW with weight_decay is not supported by the TensorFlow.js runtime yet; use Adam');
            return tf.train.adam(lr, options['beta1'] ?? 0.9, options['beta2'] ?? 0.999, options['epsilon'] ?? 1e-8);
        case 'SGD':
            return options['momentum'] ? tf.train.momentum(lr, options['momentum']) : tf.train.sgd(lr);
        case 'RMSProp':
            return tf.train.rmsprop(lr, options['decay'] ?? 0.9, options['momentum'] ?? 0);
    }
}

/** Linear learning-rate warm-up (Ho et al. use 5000 steps): lr · min(1, (step + 1) / warmup). */
export function learningRateAt(train: TrainIR, step: number): number {
    const warmup = train.lrWarmup ?? 0;
    return warmup > 0 ? train.optimizer.lr * Math.min(1, (step + 1) / warmup) : train.optimizer.lr;
}

/** Sets the learning rate of a tfjs optimizer (they read the field on every update). */
export function setLearningRate(optimizer: tf.Optimizer, lr: number): void {
    (optimizer as unknown as { learningRate: number }).learningRate = lr;
}

/** Scales gradients so that their global norm is at most `maxNorm` (as torch.nn.utils.clip_grad_norm_). */
export function clipByGlobalNorm(grads: tf.NamedTensorMap, maxNorm: number): tf.NamedTensorMap {
    return tf.tidy(() => {
        const names = Object.keys(grads);
        const squares = names.map(n => tf.sum(tf.square(grads[n]!)));
        const norm = tf.sqrt(tf.addN(squares));
        const scale = tf.minimum(tf.scalar(1), tf.div(tf.scalar(maxNorm), tf.add(norm, 1e-6)));
        const clipped: tf.NamedTensorMap = {};
        for (const n of names) clipped[n] = tf.mul(grads[n]!, scale);
        return clipped;
    });
}

/** Exponential moving average of the weights (Ho et al.: decay 0.9999), used for sampling and evaluation. */
export class WeightAverage {
    readonly shadows: tf.Variable[];

    constructor(private readonly variables: tf.Variable[], private readonly decay: number) {
        this.shadows = variables.map(v => tf.variable(v.clone(), false, `ema/${v.name}`));
    }

    update(): void {
        tf.tidy(() => {
            this.variables.forEach((v, i) => {
                const shadow = this.shadows[i]!;
                shadow.assign(tf.add(tf.mul(shadow, this.decay), tf.mul(v, 1 - this.decay)));
            });
        });
    }

    /** Runs `fn` with the averaged weights in place of the trained ones, then restores them. */
    withAveraged<T>(fn: () => T): T {
        const saved = this.variables.map(v => v.clone());
        this.variables.forEach((v, i) => v.assign(this.shadows[i]!));
        try {
            return fn();
        } finally {
            this.variables.forEach((v, i) => v.assign(saved[i]!));
            saved.forEach(t => t.dispose());
        }
    }

    dispose(): void {
        this.shadows.forEach(s => s.dispose());
    }
}
