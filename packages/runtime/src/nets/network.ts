import type * as tf from '@tensorflow/tfjs';
import type { Parameter } from './parameters.js';

export interface ApplyOptions {
    /** Training mode: dropout is active. */
    training?: boolean;
    /** Seed of this call's dropout masks (derive it per step for exact resume). */
    seed?: number;
}

/** A network built from the model's NetworkIR. */
export interface Network {
    name: string;
    architecture: 'MLP' | 'UNet';
    /** Whether the network is called as net(x, t). */
    timeConditioned: boolean;
    apply(x: tf.Tensor, t?: tf.Tensor, options?: ApplyOptions): tf.Tensor;
    parameters: Parameter[];
    variables: tf.Variable[];
    parameterCount: number;
    dispose(): void;
}
