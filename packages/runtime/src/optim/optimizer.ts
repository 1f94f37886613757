import type * as tf from '@tensorflow/tfjs';
import type { NamedArray } from '../checkpoint/named-array.js';
import type { Parameter } from '../nets/parameters.js';

/**
 * A first-order optimizer over named parameters. Its state (moment estimates, step count) is keyed
 * by parameter names, so that a checkpoint restores it exactly in another process; bias corrections
 * are computed on the host from the step count, so a resumed run makes bit-identical updates.
 */
export interface Optimizer {
    readonly name: string;
    readonly parameters: Parameter[];
    /** Updates applied so far. */
    readonly iterations: number;
    /** One update: `grads[i]` is the gradient of `parameters[i]`; `lr` is this step's learning rate. */
    apply(grads: tf.Tensor[], lr: number): void;
    /** Slot variables (`name/m`, `name/v`, …) for a checkpoint, read with `await data()` (the only read WebGPU has). */
    saveStateAsync(): Promise<{ iterations: number; slots: NamedArray[] }>;
    loadState(state: { iterations: number; slots: NamedArray[] }): void;
    dispose(): void;
}
