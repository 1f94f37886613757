import type * as tf from '@tensorflow/tfjs';
import type { Inputs } from '../data/feed.js';
import type { Parameter } from '../nets/parameters.js';

/**
 * What the training session needs from a compiled model: its parameters and, for a batch at a
 * step, the loss to minimize and the value of each term of the bound. The compiler builds this
 * from the derived bound; the session does not know which model it trains.
 */
export interface TrainingProgram {
    /** Every trainable parameter, in a fixed order. */
    readonly parameters: Parameter[];
    /**
     * The loss (−objective, batch mean) and each term's batch-mean value in nats, computed with
     * noise drawn from seeds derived from (seed, step) so that a resumed run repeats it exactly.
     * Called inside `tf.variableGrads`: it must only create tensors, not dispose the batch.
     */
    loss(batch: tf.Tensor | Inputs, step: number): { loss: tf.Scalar; terms: Record<string, tf.Scalar> };
    /** After each step, whether its update was applied (importance sampling of t records its L_t then). */
    afterStep?(applied: boolean): Promise<void>;
}
